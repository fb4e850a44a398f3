// --explain's text from a plan, without the kernel.
#include "launch/explain.hpp"

#include <gtest/gtest.h>

namespace hermetic {
namespace {

RunPlan sample_plan() {
  Policy policy;
  policy.fs_readonly = true;
  policy.fs_root = "/srv/app";
  RunPlan plan;
  plan.target = {"/usr/bin/python3", {"python3", "-c", "pass"}};
  plan.exec_files = {"/usr/bin/python3.11", "/usr/lib64/ld-linux-x86-64.so.2"};
  plan.fs.landlock_abi = 7;
  plan.fs.private_tmpdir = "/tmp/hermetic-XXXXXX";
  plan.fs.read_root = "/srv/app";
  plan.fs.exec_files = plan.exec_files;
  plan.kernel.landlock_layers = fs_layers::layers(plan.fs);
  plan.kernel.seccomp_rules = syscall_rules::rules_for(policy);
  plan.environment = {{"TMPDIR", "/tmp/hermetic-XXXXXX"}};
  return plan;
}

TEST(Explain, ShowsEveryLayerWithReasons) {
  KernelFeatures features;
  features.landlock_abi = 7;
  const std::string text = describe(sample_plan(), features);
  for (const char* needle :
       {"target: /usr/bin/python3", "/usr/bin/python3.11", "TMPDIR=/tmp/hermetic-XXXXXX",
        "landlock (this kernel: ABI 7)", "layer 1: read-only filesystem",
        "layer 2: reads confined to /srv/app", "(--fs-readonly=ROOT)", "(TLS certificates)",
        "(the run's private TMPDIR)", "chmod", "EROFS", "open_by_handle_at", "EACCES"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
  EXPECT_EQ(text.find("the run would fail"), std::string::npos);
}

TEST(Explain, SaysWhenTheKernelLacksLandlock) {
  const KernelFeatures no_landlock;
  const std::string text = describe(sample_plan(), no_landlock);
  EXPECT_NE(text.find("landlock (this kernel: none)"), std::string::npos);
  EXPECT_NE(text.find("needs ABI 1: the run would fail"), std::string::npos);
}

TEST(Explain, SaysWhetherTheTargetIsInADomain) {
  KernelFeatures features;
  features.landlock_abi = 7;
  EXPECT_NE(describe(sample_plan(), features).find("no ptrace or /proc/PID/mem"),
            std::string::npos);
  RunPlan bare = sample_plan();
  bare.kernel.landlock_layers.clear();
  EXPECT_NE(describe(bare, features).find("no domain"), std::string::npos);
}

}  // namespace
}  // namespace hermetic
