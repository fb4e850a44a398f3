// The one audit hook: registered with PySys_AddAuditHook on first import of hermetic._hermetic.
// It is runtime-wide (all threads, all subinterpreters) and cannot be removed from Python.
#pragma once

#include "guards.hpp"

namespace hermetic::inproc::audit_hook {

// Registers the hook once per process; later calls do nothing. Returns -1 with an error set
// when registration failed.
int install();

// The guarded event an audit event name stands for, or Event::kNone. Exposed for tests of the
// dispatch table.
[[nodiscard]] Event classify(const char* name) noexcept;

}  // namespace hermetic::inproc::audit_hook
