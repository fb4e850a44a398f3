// Which Landlock layers a policy gets on kernels of each ABI.
#include "launch/kernel_layer.hpp"

#include <gtest/gtest.h>

#include "landlock/landlock.hpp"
#include "landlock/landlock_abi.hpp"

namespace hermetic {
namespace {

namespace ll = landlock::uapi;

std::vector<landlock::Layer> layers_on(const Policy& policy, int abi) {
  KernelFeatures features;
  features.landlock_abi = abi;
  fs_layers::Inputs fs;
  fs.landlock_abi = abi;
  return plan_kernel_layer(policy, {"/usr/bin/true"}, {}, fs, features,
                           syscall_rules::Supervision::unavailable)
      .landlock_layers;
}

Policy no_network() {
  Policy policy;
  policy.block_network = true;
  return policy;
}

// A scope-only layer would refuse renames across directories next to a layer that handles a
// filesystem right: the scope layer handles REFER and grants it on "/".
void expect_refer_everywhere(const landlock::Layer& layer) {
  EXPECT_EQ(layer.handled_access_fs, ll::fs::kRefer);
  ASSERT_EQ(layer.rules.size(), 1U);
  EXPECT_EQ(layer.rules[0].path, "/");
  EXPECT_EQ(layer.rules[0].allowed_access, ll::fs::kRefer);
}

TEST(KernelLayer, NoNetworkAloneScopesAbstractSocketsFromAbi6) {
  const auto layers = layers_on(no_network(), 7);
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].scoped, ll::scope::kAbstractUnixSocket);
  expect_refer_everywhere(layers[0]);
}

TEST(KernelLayer, FsReadonlyScopesSignalsFromAbi6) {
  Policy policy;
  policy.fs_readonly = true;
  const auto layers = layers_on(policy, 6);
  ASSERT_FALSE(layers.empty());
  EXPECT_EQ(layers.back().scoped, ll::scope::kSignal);
  expect_refer_everywhere(layers.back());
  policy.block_network = true;
  EXPECT_EQ(layers_on(policy, 6).back().scoped,
            ll::scope::kAbstractUnixSocket | ll::scope::kSignal);
  // Below ABI 6 the signal scope, a hardening, is left out.
  policy.block_network = false;
  for (const auto& layer : layers_on(policy, 5)) EXPECT_EQ(layer.scoped, 0U) << layer.purpose;
}

// The abstract-unix scope is what keeps --no-network from reaching a service outside on an
// abstract socket; no other mechanism enforces it. Below ABI 6 (and without Landlock) the layer
// is planned all the same, so that building it fails closed with its name, never dropped.
TEST(KernelLayer, NoNetworkBelowAbi6PlansTheScopeItCannotHave) {
  for (int abi = 0; abi < 6; ++abi) {
    const auto layers = layers_on(no_network(), abi);
    ASSERT_EQ(layers.size(), 1U) << abi;
    EXPECT_EQ(layers[0].min_abi, 6) << abi;
    EXPECT_EQ(layers[0].scoped, ll::scope::kAbstractUnixSocket) << abi;
    EXPECT_EQ(layers[0].purpose, "abstract unix socket scope of --no-network");
  }
  KernelFeatures yama;  // Yama's attach rule confines ptrace, not abstract sockets
  yama.yama_forbids_attach = true;
  fs_layers::Inputs fs;
  ASSERT_EQ(plan_kernel_layer(no_network(), {"/usr/bin/true"}, {}, fs, yama,
                              syscall_rules::Supervision::unavailable)
                .landlock_layers.size(),
            1U);
  const auto build =
      landlock::build(plan_kernel_layer(no_network(), {"/usr/bin/true"}, {}, fs, yama,
                                        syscall_rules::Supervision::unavailable)
                          .landlock_layers[0],
                      5);
  ASSERT_FALSE(build.ok());
  EXPECT_EQ(build.error().message,
            "the abstract unix socket scope of --no-network needs Landlock ABI 6 and this kernel "
            "has ABI 5");
}

// Any domain confines ptrace to the sandbox (/proc/PID/mem of an outside process, pidfd_getfd):
// --no-environment alone gets one on every ABI (NoEnvironmentAloneGetsADomainToo); without
// Landlock the layer is still planned, so that building it fails closed, unless Yama forbids
// every attach already.
TEST(KernelLayer, NoLandlockFailsClosedUnlessYamaForbidsAttaching) {
  Policy no_environment;
  no_environment.block_environment = true;
  const auto layers = layers_on(no_environment, 0);
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].purpose, "ptrace confinement");
  EXPECT_EQ(layers[0].min_abi, 1);

  KernelFeatures yama;
  yama.yama_forbids_attach = true;
  fs_layers::Inputs fs;
  EXPECT_TRUE(plan_kernel_layer(no_environment, {"/usr/bin/true"}, {}, fs, yama,
                                syscall_rules::Supervision::unavailable)
                  .landlock_layers.empty());
}

TEST(KernelLayer, SignalsAreScopedWheneverHermeticOutlivesTheExec) {
  Policy traced = no_network();
  traced.trace = true;  // the supervisor logs network blocks: hermetic stays as the parent
  ASSERT_EQ(layers_on(traced, 6).size(), 1U);
  EXPECT_EQ(layers_on(traced, 6)[0].scoped, ll::scope::kAbstractUnixSocket | ll::scope::kSignal);
  EXPECT_EQ(layers_on(no_network(), 6)[0].scoped, ll::scope::kAbstractUnixSocket);
}

TEST(KernelLayer, NoEnvironmentAloneGetsADomainToo) {
  Policy policy;
  policy.block_environment = true;  // the caller's memory may hold the secret
  for (int abi = 1; abi <= 7; ++abi) {
    const auto layers = layers_on(policy, abi);
    ASSERT_EQ(layers.size(), 1U) << abi;
    EXPECT_EQ(layers[0].purpose, "ptrace confinement") << abi;
  }
}

// Flags without a kernel part of their own (the Python-only ones) still get a domain, where it
// restricts nothing they allow: from ABI 2 (an ABI 1 domain refuses renames across directories),
// and never as a reason to fail without Landlock. A run that restricts nothing gets none.
TEST(KernelLayer, EveryRunThatRestrictsSomethingGetsADomainFromAbi2) {
  Policy python_only;
  python_only.block_code_exec = true;
  for (int abi = 2; abi <= 7; ++abi) {
    const auto layers = layers_on(python_only, abi);
    ASSERT_EQ(layers.size(), 1U) << abi;
    EXPECT_EQ(layers[0].purpose, "ptrace confinement") << abi;
    expect_refer_everywhere(layers[0]);
  }
  EXPECT_TRUE(layers_on(python_only, 1).empty());
  EXPECT_TRUE(layers_on(python_only, 0).empty());
  EXPECT_TRUE(layers_on(Policy{}, 7).empty());
}

TEST(KernelLayer, AnotherLayerIsDomainEnough) {
  Policy policy;
  policy.block_environment = true;
  policy.block_subprocess = true;
  const auto layers = layers_on(policy, 3);
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].purpose, "exec limit of --no-subprocess");
}

}  // namespace
}  // namespace hermetic

namespace hermetic {
namespace {

// --allow-exec: the exec layer grants the target's chain, then each listed program and loader
// once, and the seccomp filter has no process or exec row left for Landlock to stand behind.
TEST(KernelLayer, AllowExecGrantsTheListOnTheExecLayerAlone) {
  Policy policy;
  policy.block_subprocess = true;
  policy.allow_exec = {"git"};
  KernelFeatures features;
  features.landlock_abi = 7;
  fs_layers::Inputs fs;
  const std::vector<exec_allow::Grant> grants{
      {"/usr/bin/git", false, true, "--allow-exec git"},
      {"/lib64/ld-linux-x86-64.so.2", false, false, "ELF loader of /usr/bin/git"}};
  const auto plan =
      plan_kernel_layer(policy, {"/usr/bin/true", "/lib64/ld-linux-x86-64.so.2"}, grants, fs,
                        features, syscall_rules::Supervision::unavailable);
  ASSERT_EQ(plan.landlock_layers.size(), 1U);
  const auto& rules = plan.landlock_layers[0].rules;
  std::vector<std::string> executable;
  for (const auto& rule : rules) {
    if ((rule.allowed_access & ll::fs::kExecute) != 0) executable.push_back(rule.path);
  }
  EXPECT_EQ(executable, (std::vector<std::string>{"/usr/bin/true", "/lib64/ld-linux-x86-64.so.2",
                                                  "/usr/bin/git"}));
  for (const auto& rule : plan.seccomp_rules) {
    EXPECT_NE(rule.syscall, "execve");
    EXPECT_NE(rule.syscall, "clone");
  }
}

}  // namespace
}  // namespace hermetic
