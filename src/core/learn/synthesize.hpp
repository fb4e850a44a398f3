// From what a learn run observed (report lines, docs/report.md) to the smallest policy under which
// the same run passes. Pure: the filesystem is consulted only through the callback given, so every
// rule is unit-tested (tests/core/learn_synthesize_test.cpp).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic::learn {

// One observed use, as a report line has it.
struct Observed {
  std::string capability;
  std::string operation;
  std::string path;
  std::string path2;
  std::string address;
  long port = -1;
  std::string name{};  // a variable, a module, a library
  long pid = 0;
};

// The lines of a report (format version 1) with `decision` ("observed": learn mode's; "refused":
// an enforced run's); other decisions and blank lines are skipped. An error names the line that is
// not a report line.
[[nodiscard]] Result<std::vector<Observed>> read_report(std::string_view text,
                                                        std::string_view decision = "observed");

// What an enforced run of the target has without asking: reads under the working directory and
// the runtime's reads, writes to the private TMPDIR and the standard devices, the files of the
// target's own exec chain. Paths are absolute and canonical.
struct Grants {
  std::string root;                 // the working directory: the read root
  std::string home;                 // $HOME: never widened to
  std::vector<std::string> reads;   // readable under any read root (subtrees)
  std::vector<std::string> writes;  // writable under --fs-readonly (subtrees)
  std::vector<std::string> execs;   // the target and its interpreters
  // The learn run's target process: the Python-only fields are learned only when the in-process
  // layer watched it (its `interpreter watch` line, src/python/learn_view.hpp).
  long target_pid = 0;
};

// A policy as learn mode writes it: every capability blocked but what was used.
struct Learned {
  bool block_network = true;
  bool allow_localhost = false;
  std::set<std::string> connect;  // HOST:PORT
  std::set<std::string> domains;  // kept from a stored policy (learn itself sees addresses)
  std::set<std::string> bind;     // ports
  bool block_subprocess = true;
  std::set<std::string> exec;  // allow_exec: programs run (with block_subprocess)
  bool fs_readonly = true;
  std::optional<std::string> root;
  std::set<std::string> write;
  std::set<std::string> read;
  // The Python view: nullopt where nothing was judged (a target that is not a Python the
  // in-process layer watched), so that a stored value stays.
  std::optional<bool> block_environment;
  std::set<std::string> keep_env;  // with block_environment
  std::optional<bool> block_code_exec;
  std::optional<bool> block_native;
  std::vector<std::string> notes;  // what a policy cannot say, for the summary
  // Lines of a stored policy's fields that learn does not see (deny_imports, resolve,
  // block_interpreter_mutation): kept as they were when learn rewrites the table.
  std::vector<std::string> kept;
};

// `exists` answers whether a path exists now (after the run).
[[nodiscard]] Learned synthesize(const std::vector<Observed>& observed, const Grants& grants,
                                 const std::function<bool(const std::string&)>& exists);

// The union of what two policies allow (a second learn of the same name): `a` the stored policy,
// `b` what a new run used. A Python-only block `a` leaves unset allows already and stays unset; one
// `b` did not judge stays as `a` has it.
[[nodiscard]] Learned widen(const Learned& a, const Learned& b);

// A stored policy as a Learned (the fields learn writes, and the ones it keeps). `keys`: the keys
// its table sets, where known: a Python-only block a learn wrote as false (`block_native =
// false`) stays judged, so a later run cannot turn it back on.
[[nodiscard]] Learned from_policy(const Policy& policy, const std::set<std::string>& keys = {});

// The table's body, one value per line (so that a change is a set of added lines): paths under
// `base` relative to it (the policy file's directory), under `home` as ~/..., else absolute.
[[nodiscard]] std::vector<std::string> table_lines(const Learned& learned, const std::string& base,
                                                   const std::string& home);

// The lines of `after` that `before` lacks (what a widening added, what a check found missing),
// in `after`'s order.
[[nodiscard]] std::vector<std::string> added_lines(const std::vector<std::string>& before,
                                                   const std::vector<std::string>& after);

// One refusal of an enforced run, and the policy lines that would have allowed it (none when no
// line can: a name lookup, a refusal learn does not model).
struct Unexpected {
  std::string what;  // "network connect 127.0.0.1:8766", "fs_write create /x/y"
  std::vector<std::string> lines;
};

// For --report-unexpected: each distinct refusal with the lines `current` lacks to allow it,
// as table_lines and added_lines word them.
[[nodiscard]] std::vector<Unexpected> explain_refusals(
    const std::vector<Observed>& refused, const Learned& current, const Grants& grants,
    const std::function<bool(const std::string&)>& exists, const std::string& base,
    const std::string& home);

}  // namespace hermetic::learn
