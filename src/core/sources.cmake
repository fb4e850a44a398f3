# The core's sources, by mechanism, in one place: each folder becomes one static library
# (src/core/CMakeLists.txt) whose dependencies point one way, down this list; the extension and
# the C++ tests link them through hermetic_core, and the hermetic executable is compiled from
# HERMETIC_CORE_SOURCES again against musl (src/cli/musl). Paths are relative to src/core.
#
#   base        fds, PATH search, real paths                          (no dependencies)
#   policy      the Policy model, its JSON, profiles, address classes  -> base
#   seccomp     the syscall rule table and its compiled BPF filter     -> policy
#   landlock    Landlock rulesets and the filesystem layers            -> base
#   supervisor  the seccomp user-notify supervisor (network, metadata) -> seccomp, landlock, policy
#   target      what the target is: exec chain, Python, what it reads  -> landlock, policy
#   launch      a run: plan, kernel layer, fork/exec, TMPDIR, signals  -> all of the above
#   learn       `hermetic learn`: an observed run, events -> policy    -> all of the above
set(HERMETIC_BASE_SOURCES
  base/real_path.cpp)
set(HERMETIC_POLICY_SOURCES
  policy/policy.cpp
  policy/policy_fields.cpp
  policy/policy_file.cpp
  policy/policy_json.cpp
  policy/profiles.cpp
  policy/address_class.cpp
  policy/address_policy.cpp)
set(HERMETIC_SECCOMP_SOURCES
  seccomp/syscall_rules.cpp
  seccomp/seccomp_filter.cpp)
set(HERMETIC_LANDLOCK_SOURCES
  landlock/landlock.cpp
  landlock/fs_layers.cpp
  landlock/fs_judge.cpp)
set(HERMETIC_SUPERVISOR_SOURCES
  supervisor/unotify.cpp
  supervisor/target_decode.cpp
  supervisor/supervisor_calls.cpp
  supervisor/supervisor_metadata.cpp
  supervisor/call_uses.cpp
  supervisor/observer.cpp
  supervisor/landlock_report.cpp
  supervisor/listener_handoff.cpp
  supervisor/refusal_report.cpp
  supervisor/supervisor.cpp)
set(HERMETIC_TARGET_SOURCES
  target/exec_chain.cpp
  target/exec_allow.cpp
  target/pyenv_shim.cpp
  target/python_layout.cpp
  target/python_targets.cpp
  target/runtime_reads.cpp
  target/inprocess_injection.cpp
  target/sanitizer_runtime.cpp
  target/target.cpp)
set(HERMETIC_LAUNCH_SOURCES
  launch/probe.cpp
  launch/environment.cpp
  launch/private_tmpdir.cpp
  launch/tmpdir_cleaner.cpp
  launch/kernel_layer.cpp
  launch/run_plan.cpp
  launch/explain.cpp
  launch/name_pins.cpp
  launch/hosts_overlay.cpp
  launch/inherited_sockets.cpp
  launch/report_file.cpp
  launch/signal_relay.cpp
  launch/launch.cpp
  launch/spawn.cpp
  launch/forked_isolation.cpp)
set(HERMETIC_LEARN_SOURCES
  learn/learn_run.cpp
  learn/synthesize.cpp
  learn/grants.cpp
  learn/policy_writer.cpp)
set(HERMETIC_CORE_PARTS base policy seccomp landlock supervisor target launch learn)
set(HERMETIC_CORE_SOURCES
  ${HERMETIC_BASE_SOURCES} ${HERMETIC_POLICY_SOURCES} ${HERMETIC_SECCOMP_SOURCES}
  ${HERMETIC_LANDLOCK_SOURCES} ${HERMETIC_SUPERVISOR_SOURCES} ${HERMETIC_TARGET_SOURCES}
  ${HERMETIC_LAUNCH_SOURCES} ${HERMETIC_LEARN_SOURCES})
