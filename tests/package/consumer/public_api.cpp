// Uses every public entry point, through <hermetic/hermetic.hpp> alone, so that the program links
// against the installed libhermetic.a and its dependencies (hermeticConfig.cmake's libseccomp).
// Built, not run: examples/run_sandboxed runs the library.
#include <hermetic/hermetic.hpp>

int main(int argc, char** /*argv*/) {
  auto policy = hermetic::PolicyBuilder().block_network().fs_readonly().build();
  if (!policy) return 1;
  const auto parsed = hermetic::policy_from_json(hermetic::to_json(policy.value()));
  if (!parsed || !(parsed.value() == policy.value())) return 1;
  (void)hermetic::check_enforceable(policy.value());
  (void)hermetic::explain(policy.value(), {"true"});
  (void)hermetic::probe_kernel().report();
  if (argc > 100) {  // linked, not called: they would sandbox this process or start children
    (void)hermetic::apply_to_self(policy.value());
    (void)hermetic::deny_native_code_in_self();
    (void)hermetic::run(policy.value(), {"true"});
    auto child = hermetic::spawn(policy.value(), {"true"}, {"PATH=/usr/bin:/bin"});
    if (child) (void)child.value().wait();
  }
  return 0;
}
