// Which Landlock layers a policy gets on kernels of each ABI.
#include "kernel_layer.hpp"

#include <gtest/gtest.h>

#include "landlock_abi.hpp"

namespace hermetic {
namespace {

namespace ll = landlock::uapi;

std::vector<landlock::Layer> layers_on(const Policy& policy, int abi) {
  KernelFeatures features;
  features.landlock_abi = abi;
  fs_layers::Inputs fs;
  fs.landlock_abi = abi;
  return plan_kernel_layer(policy, {"/usr/bin/true"}, fs, features,
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
  Policy policy = no_network();
  policy.fs_readonly = true;
  const auto layers = layers_on(policy, 6);
  ASSERT_FALSE(layers.empty());
  EXPECT_EQ(layers.back().scoped, ll::scope::kAbstractUnixSocket | ll::scope::kSignal);
  expect_refer_everywhere(layers.back());
  for (const auto& layer : layers_on(policy, 5)) EXPECT_EQ(layer.scoped, 0U) << layer.purpose;
}

// Any domain confines ptrace to the sandbox (/proc/PID/mem of an outside process, pidfd_getfd):
// below ABI 6 --no-network alone still gets one, restricting nothing else.
TEST(KernelLayer, NoNetworkAloneStillGetsADomainBelowAbi6) {
  for (int abi = 2; abi < 6; ++abi) {
    const auto layers = layers_on(no_network(), abi);
    ASSERT_EQ(layers.size(), 1U) << abi;
    EXPECT_EQ(layers[0].handled_access_fs, ll::fs::kRefer) << abi;
    ASSERT_EQ(layers[0].rules.size(), 1U) << abi;
    EXPECT_EQ(layers[0].rules[0].path, "/");
    EXPECT_EQ(layers[0].rules[0].allowed_access, ll::fs::kRefer);
  }
  const auto abi1 = layers_on(no_network(), 1);
  ASSERT_EQ(abi1.size(), 1U);
  EXPECT_EQ(abi1[0].handled_access_fs, ll::fs::kMakeBlock);
  EXPECT_TRUE(abi1[0].rules.empty());
}

// No Landlock: the layer is still planned, so that building it fails closed (a --no-network
// target could otherwise drive an outside process of its user), unless Yama forbids every
// attach already.
TEST(KernelLayer, NoLandlockFailsClosedUnlessYamaForbidsAttaching) {
  const auto layers = layers_on(no_network(), 0);
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].purpose, "ptrace confinement");
  EXPECT_EQ(layers[0].min_abi, 1);

  KernelFeatures yama;
  yama.yama_forbids_attach = true;
  fs_layers::Inputs fs;
  EXPECT_TRUE(plan_kernel_layer(no_network(), {"/usr/bin/true"}, fs, yama,
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

TEST(KernelLayer, AnotherLayerIsDomainEnough) {
  Policy policy = no_network();
  policy.block_subprocess = true;
  const auto layers = layers_on(policy, 3);
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].purpose, "exec limit of --no-subprocess");
}

}  // namespace
}  // namespace hermetic
