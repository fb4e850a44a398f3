// The supervisor's address decisions, without the kernel.
#include "policy/address_policy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>

namespace hermetic::address_policy {
namespace {

Endpoint at(const char* text, std::uint16_t port) {
  auto address = parse_address(text);
  EXPECT_TRUE(address.ok()) << text;
  return Endpoint{address.ok() ? address.value() : Address{}, port};
}

Rules localhost_only() { return Rules(true, {}); }

TEST(AddressPolicy, ParsesIpv4Ipv6AndBracketsButNotNames) {
  EXPECT_EQ(parse_address("10.213.0.2").value().family, AF_INET);
  EXPECT_EQ(parse_address("::1").value().family, AF_INET6);
  EXPECT_EQ(parse_address("[::1]").value().family, AF_INET6);
  EXPECT_FALSE(parse_address("api.test").ok());
  EXPECT_FALSE(parse_address("").ok());
}

TEST(AddressPolicy, Ipv4MappedBecomesIpv4) {
  EXPECT_EQ(parse_address("::ffff:127.0.0.1").value(), parse_address("127.0.0.1").value());
  EXPECT_EQ(parse_address("::ffff:169.254.169.254").value().family, AF_INET);
}

TEST(AddressPolicy, LoopbackIsAll127AndV6One) {
  EXPECT_TRUE(is_loopback(parse_address("127.0.0.1").value()));
  EXPECT_TRUE(is_loopback(parse_address("127.255.3.4").value()));
  EXPECT_TRUE(is_loopback(parse_address("::1").value()));
  EXPECT_TRUE(is_loopback(parse_address("::ffff:127.0.0.2").value()));
  EXPECT_FALSE(is_loopback(parse_address("128.0.0.1").value()));
  EXPECT_FALSE(is_loopback(parse_address("::2").value()));
  EXPECT_FALSE(is_loopback(parse_address("10.213.0.2").value()));
}

// Every metadata address in every form the kernel sends; the in-process layer classifies the
// same list the same way (tests/inproc/host_rules_test.cpp).
constexpr std::array kMetadataAddresses{
    "169.254.169.254",      "169.254.170.2",      "169.254.170.23",     "100.100.100.200",
    "fd00:ec2::254",        "fd00:ec2::23",       "fe80::a9fe:a9fe",    "::ffff:169.254.169.254",
    "::ffff:169.254.170.2", "64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:aa02", "64:ff9b::6464:64c8",
};

TEST(AddressPolicy, MetadataEndpoints) {
  for (const char* text : kMetadataAddresses) {
    EXPECT_TRUE(is_cloud_metadata(parse_address(text).value())) << text;
  }
  EXPECT_FALSE(is_cloud_metadata(parse_address("169.254.169.253").value()));
  EXPECT_FALSE(is_cloud_metadata(parse_address("169.254.170.3").value()));
  EXPECT_FALSE(is_cloud_metadata(parse_address("fd00:ec2::253").value()));
  EXPECT_FALSE(is_cloud_metadata(parse_address("fe80::1").value()));
}

TEST(AddressPolicy, EveryMetadataAddressIsRefusedThoughAllowed) {
  // --allow-domain meta.test --resolve meta.test:ADDRESS puts ADDRESS in the allowed list.
  for (const char* text : kMetadataAddresses) {
    const Rules rules(true, {parse_address(text).value()});
    for (auto operation : {Operation::connect, Operation::send, Operation::bind}) {
      EXPECT_FALSE(rules.decide(operation, at(text, 80)).allowed) << text;
    }
  }
}

TEST(AddressPolicy, MetadataNames) {
  for (const char* name :
       {"metadata.google.internal", "METADATA.Google.Internal.", "metadata", "metadata.goog"}) {
    EXPECT_TRUE(address_class::is_cloud_metadata_name(name)) << name;
  }
  EXPECT_FALSE(address_class::is_cloud_metadata_name("metadata.test"));
  EXPECT_FALSE(address_class::is_cloud_metadata_name("api.test"));
}

TEST(AddressPolicy, LocalhostConnectsToLoopbackAndUnspecifiedOnly) {
  const Rules rules = localhost_only();
  EXPECT_TRUE(rules.decide(Operation::connect, at("127.0.0.1", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("127.9.9.9", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("::1", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("::ffff:127.0.0.1", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("0.0.0.0", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::send, at("::", 80)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("10.213.0.2", 80)).allowed);
  EXPECT_FALSE(rules.decide(Operation::send, at("::ffff:10.213.0.2", 53000)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("2001:db8::1", 443)).allowed);
}

TEST(AddressPolicy, WithoutLocalhostLoopbackIsRefused) {
  const Rules rules(false, {parse_address("10.213.0.2").value()});
  EXPECT_FALSE(rules.decide(Operation::connect, at("127.0.0.1", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("10.213.0.2", 80)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("::ffff:10.213.0.2", 80)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("10.213.0.3", 80)).allowed);
}

TEST(AddressPolicy, MetadataIsRefusedEvenWhenAllowed) {
  const Rules rules(
      true, {parse_address("169.254.169.254").value(), parse_address("fd00:ec2::254").value()});
  const auto verdict = rules.decide(Operation::connect, at("169.254.169.254", 80));
  EXPECT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.reason, "cloud metadata endpoint");
  EXPECT_FALSE(rules.decide(Operation::connect, at("fd00:ec2::254", 80)).allowed);
  EXPECT_FALSE(rules.decide(Operation::send, at("::ffff:169.254.169.254", 80)).allowed);
}

TEST(AddressPolicy, BindOnlyOnLoopback) {
  const Rules rules = localhost_only();
  EXPECT_TRUE(rules.decide(Operation::bind, at("127.0.0.1", 0)).allowed);
  EXPECT_TRUE(rules.decide(Operation::bind, at("::1", 8000)).allowed);
  EXPECT_FALSE(rules.decide(Operation::bind, at("0.0.0.0", 8000)).allowed);
  EXPECT_FALSE(rules.decide(Operation::bind, at("::", 8000)).allowed);
  EXPECT_FALSE(rules.decide(Operation::bind, at("10.213.0.1", 8000)).allowed);
  const Rules domains_only(false, {parse_address("10.213.0.2").value()});
  EXPECT_FALSE(domains_only.decide(Operation::bind, at("127.0.0.1", 0)).allowed);
}

TEST(AddressPolicy, DnsNeverLeavesEvenToLoopback) {
  const Rules rules(true, {parse_address("10.213.0.2").value()});
  EXPECT_FALSE(rules.decide(Operation::send, at("127.0.0.53", 53)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("10.213.0.2", 53)).allowed);
  EXPECT_EQ(rules.decide(Operation::send, at("127.0.0.53", 53)).reason, "DNS query");
}

TEST(AddressPolicy, FromSockaddrChecksLengthAndFamily) {
  sockaddr_storage storage{};
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(443);
  inet_pton(AF_INET, "10.213.0.2", &in.sin_addr);
  std::memcpy(&storage, &in, sizeof in);
  const auto endpoint = from_sockaddr(storage, sizeof in);
  ASSERT_TRUE(endpoint.has_value());
  EXPECT_EQ(endpoint->port, 443);
  EXPECT_EQ(to_string(*endpoint), "10.213.0.2:443");
  EXPECT_FALSE(from_sockaddr(storage, sizeof in - 1).has_value());

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(80);
  inet_pton(AF_INET6, "::1", &in6.sin6_addr);
  std::memcpy(&storage, &in6, sizeof in6);
  const auto six = from_sockaddr(storage, 24);  // the kernel also takes it without scope id
  ASSERT_TRUE(six.has_value());
  EXPECT_EQ(to_string(*six), "[::1]:80");
  EXPECT_FALSE(from_sockaddr(storage, 23).has_value());

  storage.ss_family = AF_UNIX;
  EXPECT_FALSE(from_sockaddr(storage, sizeof storage).has_value());
}

}  // namespace
}  // namespace hermetic::address_policy

namespace hermetic::address_policy {
namespace {

TEST(AddressPolicy, AllowConnectIsThatAddressOnThatPortAlone) {
  const Rules rules(false, {}, {at("10.1.2.3", 443), at("::1", 8080)});
  EXPECT_TRUE(rules.decide(Operation::connect, at("10.1.2.3", 443)).allowed);
  EXPECT_TRUE(rules.decide(Operation::send, at("10.1.2.3", 443)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("10.1.2.3", 80)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("10.1.2.4", 443)).allowed);
  EXPECT_TRUE(rules.decide(Operation::connect, at("::1", 8080)).allowed);
  EXPECT_FALSE(rules.decide(Operation::connect, at("127.0.0.1", 8080)).allowed);
  EXPECT_FALSE(rules.decide(Operation::bind, at("10.1.2.3", 443)).allowed);
  // Metadata and DNS stay refused whatever the list says.
  const Rules metadata(false, {}, {at("169.254.169.254", 80), at("127.0.0.53", 53)});
  EXPECT_FALSE(metadata.decide(Operation::connect, at("169.254.169.254", 80)).allowed);
  EXPECT_FALSE(metadata.decide(Operation::send, at("127.0.0.53", 53)).allowed);
}

TEST(AddressPolicy, HostPortForms) {
  auto v4 = address_class::split_host_port("10.0.0.1:80");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4.value().host, "10.0.0.1");
  EXPECT_EQ(v4.value().port, 80);
  auto v6 = address_class::split_host_port("[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.value().host, "::1");
  auto name = address_class::split_host_port("API.Test.:443");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name.value().host, "api.test");
  for (const char* bad : {"api.test", "api.test:", ":443", "api.test:0", "api.test:65536",
                          "api.test:44x", "::1:80", "[::1:80", "a b:1", "[]:1"}) {
    EXPECT_FALSE(address_class::split_host_port(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace hermetic::address_policy
