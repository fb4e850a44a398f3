// Writes one named policy into a policy file (docs/policy-files.md) and leaves every other byte of
// the file as it was: the table `[policies.NAME]` (`[tool.hermetic.policies.NAME]` in
// pyproject.toml) is replaced where it is, or added at the end.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hermetic/result.hpp"

namespace hermetic::learn {

// The table's header line for policy `name` in `file` (by its file name: pyproject.toml or
// another), or an error when the name is not a bare TOML key.
[[nodiscard]] Result<std::string> table_header(const std::string& file, std::string_view name);

// The byte range of the table under `header` in `text`: from its header line to its last line
// of content (blank lines and the comments of a following table stay outside). nullopt if absent.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};
[[nodiscard]] std::optional<Span> find_table(std::string_view text, std::string_view header);

// The keys the table under `header` sets (`KEY = ...` lines), empty when it is absent.
[[nodiscard]] std::set<std::string> table_keys(std::string_view text, std::string_view header);

// `text` with the table under `header` replaced by header + `body` lines (added at the end,
// after a blank line, when absent).
[[nodiscard]] std::string replace_table(std::string_view text, std::string_view header,
                                        const std::vector<std::string>& body);

}  // namespace hermetic::learn
