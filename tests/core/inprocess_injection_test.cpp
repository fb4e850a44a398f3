// Which policies let the in-process layer wait for its first event (HERMETIC_INPROC_DEFER).
#include "target/inprocess_injection.hpp"

#include <gtest/gtest.h>

#include "hermetic/policy.hpp"

namespace hermetic::inprocess_injection {
namespace {

Policy built(const PolicyBuilder& builder) { return builder.build().value(); }

TEST(InprocessInjection, NetworkAndSubprocessGuardsMayWaitForTheirFirstEvent) {
  EXPECT_TRUE(may_defer(built(PolicyBuilder().block_network())));
  EXPECT_TRUE(may_defer(built(PolicyBuilder().block_network().allow_localhost())));
  EXPECT_TRUE(may_defer(built(PolicyBuilder().block_network().allow_domain("pypi.org"))));
  EXPECT_TRUE(may_defer(built(PolicyBuilder().block_subprocess())));
  EXPECT_TRUE(may_defer(built(PolicyBuilder().block_network().block_subprocess())));
}

TEST(InprocessInjection, GuardsThatWatchTheStartUpLoadAtOnce) {
  EXPECT_FALSE(may_defer(built(PolicyBuilder().block_network().trace())));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().fs_readonly())));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().fs_readonly().fs_root("/srv"))));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().block_environment())));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().block_code_exec())));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().deny_import("json"))));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().block_native())));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().block_interpreter_mutation())));
  EXPECT_FALSE(may_defer(built(PolicyBuilder().block_network().sealed())));
}

}  // namespace
}  // namespace hermetic::inprocess_injection
