// apply_to_self cannot host a supervisor: allow-lists are refused before anything is applied.
#include <gtest/gtest.h>

#include "hermetic/launch.hpp"

namespace hermetic {
namespace {

TEST(ApplyToSelf, RefusesAddressAllowListsWithAReason) {
  Policy p;
  p.block_network = true;
  p.allow_localhost = true;
  const auto status = apply_to_self(p);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("supervisor"), std::string::npos);
}

TEST(CheckEnforceable, NetworkFlagsAreEnforced) {
  Policy p;
  p.block_network = true;
  p.allow_localhost = true;
  p.allow_domains = {"api.test"};
  p.resolve = {{"api.test", "127.0.0.1"}};
  p.trace = true;
  EXPECT_TRUE(check_enforceable(p).ok());
}

}  // namespace
}  // namespace hermetic
