#include "host_rules.hpp"

#include <gtest/gtest.h>

namespace hermetic::inproc::host_rules {
namespace {

TEST(HostRules, NormalizesNames) {
  EXPECT_EQ(classify("  API.Example.TEST. ").text, "api.example.test");
  EXPECT_FALSE(classify("api.test").is_ip);
}

TEST(HostRules, Loopback) {
  EXPECT_TRUE(classify("127.0.0.1").loopback);
  EXPECT_TRUE(classify("127.255.0.9").loopback);
  EXPECT_TRUE(classify("::1").loopback);
  EXPECT_TRUE(classify("[::1]").loopback);
  EXPECT_TRUE(classify("::ffff:127.0.0.1").loopback);
  EXPECT_TRUE(classify("localhost").loopback);
  EXPECT_TRUE(classify("LOCALHOST.").loopback);
  EXPECT_FALSE(classify("128.0.0.1").loopback);
  EXPECT_FALSE(classify("localhost.evil.test").loopback);
}

TEST(HostRules, Wildcard) {
  EXPECT_TRUE(classify("0.0.0.0").wildcard);
  EXPECT_TRUE(classify("::").wildcard);
  EXPECT_TRUE(classify("").wildcard);
  EXPECT_FALSE(classify("127.0.0.1").wildcard);
}

TEST(HostRules, MetadataInEveryForm) {
  EXPECT_TRUE(classify("169.254.169.254").metadata);
  EXPECT_TRUE(classify("::ffff:169.254.169.254").metadata);
  EXPECT_TRUE(classify("fd00:ec2::254").metadata);
  EXPECT_TRUE(classify("fd00:ec2:0:0:0:0:0:254").metadata);
  EXPECT_TRUE(classify("FD00:EC2::254").metadata);
  EXPECT_TRUE(classify("fe80::a9fe:a9fe%eth0").metadata);
  EXPECT_TRUE(classify("100.100.100.200").metadata);
  EXPECT_TRUE(classify("metadata.google.internal.").metadata);
  EXPECT_FALSE(classify("169.254.169.253").metadata);
}

TEST(HostRules, MetadataAsTheKernelLayerSeesIt) {
  // The kernel layer's list (tests/core/address_policy_test.cpp): one classification for both.
  for (const char* text : {"169.254.170.2", "169.254.170.23", "fd00:ec2::23",
                           "::ffff:169.254.170.2", "64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:aa02",
                           "64:ff9b::6464:64c8", "metadata.goog", "Metadata"}) {
    EXPECT_TRUE(classify(text).metadata) << text;
  }
  EXPECT_FALSE(classify("169.254.170.3").metadata);
  EXPECT_FALSE(classify("metadata.test").metadata);
}

TEST(HostRules, DomainSuffix) {
  EXPECT_TRUE(domain_matches("api.test", "api.test"));
  EXPECT_TRUE(domain_matches("a.b.api.test", "api.test"));
  EXPECT_FALSE(domain_matches("notapi.test", "api.test"));
  EXPECT_FALSE(domain_matches("api.test.evil", "api.test"));
  EXPECT_FALSE(domain_matches("test", "api.test"));
  EXPECT_FALSE(domain_matches("api.test", ""));
}

}  // namespace
}  // namespace hermetic::inproc::host_rules
