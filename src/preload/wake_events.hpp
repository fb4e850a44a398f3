// The audit events that wake a deferred in-process layer (preload.cpp, HERMETIC_INPROC_DEFER):
// what the network and subprocess guards check, and a subinterpreter's creation. In a header of
// their own so that the extension's event table (src/python/audit_hook.cpp) checks at compile
// time that the two lists agree. No libstdc++ beyond headers: the preload library links none.
#pragma once

#include <string_view>

namespace hermetic::wake_events {

// Every event of the network guard.
inline constexpr std::string_view kNetworkPrefix = "socket.";

// Every event of the subprocess guard, and a subinterpreter's creation.
inline constexpr std::string_view kOtherEvents[] = {
    "subprocess.Popen", "os.system",  "os.exec",   "os.spawn",     "os.posix_spawn",
    "os.fork",          "os.forkpty", "pty.spawn", "os.startfile", "cpython.PyInterpreterState_New",
};

// Imports that wake it: the package (its finder is the extension's), and the standard library's
// routes to a subinterpreter (3.9-3.12, 3.13+, and the test modules).
inline constexpr std::string_view kPackage = "hermetic";
inline constexpr std::string_view kInterpreterModules[] = {"_xxsubinterpreters", "_interpreters",
                                                           "_testcapi", "_testinternalcapi"};

// What a subinterpreter is told when it raises one of these events before the layer woke: the
// extension's own refusal (kSubinterpretersDisabled, src/python/violation.hpp; audit_hook.cpp
// checks that the two agree).
inline constexpr const char* kSubinterpreterRefusal =
    "hermetic: subinterpreters disabled: hermetic's in-process layer guards the main interpreter "
    "only";

}  // namespace hermetic::wake_events
