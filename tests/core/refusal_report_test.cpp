// The supervisor's refusals in the report's words (docs/report.md), without the kernel.
#include "supervisor/refusal_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace hermetic::supervisor::refusal_report {
namespace {

syscall_rules::Rule rule(syscall_rules::Capability capability, std::string_view syscall) {
  for (const auto& r : syscall_rules::all_rules()) {
    if (r.capability == capability && r.syscall == syscall) return r;
  }
  ADD_FAILURE() << "no rule for " << syscall;
  return {};
}

TEST(RefusalReport, AddressesAndPorts) {
  const auto net = rule(syscall_rules::Capability::network, "connect");
  auto parts = parts_of(net, "connect(127.0.0.1:8765)");
  EXPECT_EQ(parts.capability, "network");
  EXPECT_EQ(parts.operation, "connect");
  EXPECT_EQ(parts.address, "127.0.0.1");
  EXPECT_EQ(parts.port, 8765);
  EXPECT_EQ(parts.flag, "--no-network");
  parts = parts_of(net, "sendmsg([::1]:53)");
  EXPECT_EQ(parts.operation, "sendto");
  EXPECT_EQ(parts.address, "::1");
  EXPECT_EQ(parts.port, 53);
  parts = parts_of(net, "connect(@abstract:name)");  // a unix name: no port, however it reads
  EXPECT_EQ(parts.address, "@abstract:name");
  EXPECT_EQ(parts.port, -1);
  parts = parts_of(net, "connect(/run/a (b).sock)");
  EXPECT_EQ(parts.address, "/run/a (b).sock");
  parts = parts_of(net, "listen(10.0.0.1:80)");
  EXPECT_EQ(parts.operation, "listen");
}

TEST(RefusalReport, TracedCallsAndMetadata) {
  auto parts = parts_of(rule(syscall_rules::Capability::network, "socket"), "socket(AF_INET6)");
  EXPECT_EQ(parts.operation, "socket");
  EXPECT_EQ(parts.name, "AF_INET6");
  parts = parts_of(rule(syscall_rules::Capability::network, "io_uring_setup"), "io_uring_setup()");
  EXPECT_EQ(parts.operation, "syscall");
  EXPECT_EQ(parts.name, "io_uring_setup");
  const auto chmod = rule(syscall_rules::Capability::fs_write, "fchmodat");
  parts = parts_of(chmod, "chmod(/etc/x)");
  EXPECT_EQ(parts.capability, "fs_write");
  EXPECT_EQ(parts.operation, "chmod");
  EXPECT_EQ(parts.path, "/etc/x");
  EXPECT_EQ(parts.flag, "--fs-readonly");
  EXPECT_EQ(parts_of(chmod, "utime(/a)").operation, "utime");
  EXPECT_EQ(parts_of(chmod, "removexattr(/a)").operation, "xattr");
}

}  // namespace
}  // namespace hermetic::supervisor::refusal_report
