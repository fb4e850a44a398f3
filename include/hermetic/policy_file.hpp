// Policy files: named policies kept as data, in `hermetic.toml` or in `pyproject.toml` under
// `[tool.hermetic]` (docs/policy-files.md). Every key of a policy is a field key of the table
// (policy_fields.hpp), plus `profiles` and `extends` to start from presets or another policy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic {

struct LoadedPolicy {
  Policy policy;
  std::string file;  // the file it came from, as found or given
  std::string name;  // the policy's name in that file
};

// The policy file that governs `directory`: the nearest hermetic.toml, or pyproject.toml with a
// [tool.hermetic] table, in it or a parent. Nothing found is not an error (nullopt).
[[nodiscard]] Result<std::optional<std::string>> find_policy_file(const std::string& directory);

// Policy `name` of `file` (empty: the file's `default`, or its only policy). Relative paths in
// the file are relative to its directory; every error names the file, the line and the key.
[[nodiscard]] Result<LoadedPolicy> load_policy_file(const std::string& file, std::string_view name);

// The same from text (for tests and fuzzing): `file` names it in messages and anchors relative
// paths; `check_paths` false skips the existence check of paths.
[[nodiscard]] Result<LoadedPolicy> parse_policy_file(std::string_view text, const std::string& file,
                                                     std::string_view name, bool check_paths);

// Flags and keywords given beside a file's policy add to it and may only tighten it: an exception
// to a block the file's policy sets must be one that policy allows already.
[[nodiscard]] Status check_only_tightens(const LoadedPolicy& loaded, const Policy& extra);

}  // namespace hermetic
