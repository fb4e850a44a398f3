// Allowed domains and --resolve pins, without DNS: every test pins its names.
#include "launch/name_pins.hpp"

#include <gtest/gtest.h>

namespace hermetic::name_pins {
namespace {

TEST(NamePins, ExactOrDotSuffixCaseInsensitive) {
  const std::vector<std::string> domains{"api.test"};
  EXPECT_TRUE(domain_allowed(domains, "api.test"));
  EXPECT_TRUE(domain_allowed(domains, "API.Test"));
  EXPECT_TRUE(domain_allowed(domains, "api.test."));
  EXPECT_TRUE(domain_allowed(domains, "v1.api.test"));
  EXPECT_FALSE(domain_allowed(domains, "evilapi.test"));
  EXPECT_FALSE(domain_allowed(domains, "api.test.evil"));
  EXPECT_FALSE(domain_allowed(domains, "test"));
}

TEST(NamePins, PinsOfAllowedNamesAreAllowedAddresses) {
  Policy p;
  p.block_network = true;
  p.allow_domains = {"api.test", "meta.test"};
  p.resolve = {
      {"api.test", "10.213.0.2"}, {"other.test", "10.213.0.3"}, {"meta.test", "169.254.169.254"}};
  auto plan_result = plan(p, "127.0.0.1 localhost\n");
  ASSERT_TRUE(plan_result.ok()) << plan_result.error().message;
  const Plan& out = plan_result.value();
  ASSERT_EQ(out.allowed.size(), 2U);  // api.test and meta.test; other.test is not allowed
  EXPECT_EQ(out.allowed[0], address_policy::parse_address("10.213.0.2").value());
  // Metadata stays in the allowed list: the address rules refuse it whatever the list says.
  EXPECT_NE(out.hosts.find("10.213.0.2 api.test\n"), std::string::npos);
  EXPECT_NE(out.hosts.find("10.213.0.3 other.test\n"), std::string::npos);
  EXPECT_NE(out.hosts.find("127.0.0.1 localhost\n"), std::string::npos);
  EXPECT_LT(out.hosts.find("api.test"), out.hosts.find("localhost"));  // pins come first
}

TEST(NamePins, AMetadataNameAllowsNothing) {
  // As in the in-process layer: metadata.google.internal is refused by name, so the address it
  // is pinned to is not allowed through it (and an unpinned one is never looked up).
  Policy p;
  p.block_network = true;
  p.allow_domains = {"google.internal", "metadata"};
  p.resolve = {{"metadata.google.internal", "10.213.0.2"}};
  auto plan_result = plan(p, "");
  ASSERT_TRUE(plan_result.ok()) << plan_result.error().message;
  EXPECT_TRUE(plan_result.value().allowed.empty());
}

TEST(NamePins, NothingNamedMeansNoHostsFile) {
  Policy p;
  p.block_network = true;
  p.allow_localhost = true;
  auto out = plan(p, "127.0.0.1 localhost\n");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out.value().hosts.empty());
  EXPECT_TRUE(out.value().allowed.empty());
}

TEST(NamePins, APinThatIsNotAnAddressIsAnError) {
  Policy p;
  p.resolve = {{"api.test", "not-an-address"}};
  EXPECT_FALSE(plan(p, "").ok());
}

}  // namespace
}  // namespace hermetic::name_pins

namespace hermetic::name_pins {
namespace {

TEST(NamePins, AllowConnectNamesArePinnedWithTheirPortOnly) {
  Policy p;
  p.block_network = true;
  p.allow_connect = {"svc.test:8443", "10.9.8.7:22", "metadata.google.internal:80"};
  p.resolve = {{"svc.test", "10.213.0.9"}, {"metadata.google.internal", "10.213.0.10"}};
  EXPECT_TRUE(names_given(p));
  auto planned = plan(p, "");
  ASSERT_TRUE(planned.ok()) << planned.error().message;
  const auto& endpoints = planned.value().allowed_endpoints;
  ASSERT_EQ(endpoints.size(), 2U);  // the metadata name allows nothing
  EXPECT_EQ(endpoints[0].address, address_policy::parse_address("10.213.0.9").value());
  EXPECT_EQ(endpoints[0].port, 8443);
  EXPECT_EQ(endpoints[1].address, address_policy::parse_address("10.9.8.7").value());
  EXPECT_EQ(endpoints[1].port, 22);
  EXPECT_TRUE(planned.value().allowed.empty());  // no address on every port
  Policy literal_only;
  literal_only.allow_connect = {"127.0.0.1:8000"};
  EXPECT_FALSE(names_given(literal_only));
}

}  // namespace
}  // namespace hermetic::name_pins
