// The one description of the Policy's fields. Every face is derived from (or checked against)
// this table: the JSON form, the command line's options and --help, the Python API's keywords
// and union, PolicyBuilder's by-name setters, and the README's flag table (a test compares).
// Adding a field is a row here, a member in Policy, and its enforcement.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hermetic/policy.hpp"
#include "hermetic/result.hpp"

namespace hermetic {

// The value a field holds, which decides its JSON form, its CLI option and how two unite.
enum class FieldType {
  flag,   // bool; a CLI switch; unites by "or"
  names,  // list of words (domains, modules, variable names); repeatable option; joined
  paths,  // list of paths; repeatable option; joined
  path,   // one optional path; two different ones cannot be united
  pins,   // list of NAME:ADDRESS; repeatable option; joined
};

// What setting the field does to a run.
enum class FieldRole {
  block,      // restricts a capability (Policy::empty() is "no block set")
  exception,  // widens a block (meaningless without it: PolicyBuilder::build refuses)
  setting,    // changes how the run reports or holds (trace, sealed, resolve pins)
};

// Which layer enforces a block: the kernel (for every program) and/or the in-process layer
// (Python targets and the Python API).
enum class FieldLayer { kernel, in_process, both };

struct PolicyField {
  std::string_view key;  // Python API keyword, JSON key, policy-file key
  FieldType type;
  FieldRole role;
  FieldLayer layer;
  // CLI long options without "--", first the one --help shows. A `path` field may share its
  // option with a `flag` field: the option then takes an optional value (--fs-readonly[=ROOT]).
  std::vector<std::string_view> options{};
  std::string_view metavar{};       // the value's name in --help (DOMAIN, PATH...)
  std::string_view help{};          // one sentence for --help, the README and the docs
  std::string_view exception_to{};  // role exception: the block field it widens
  std::string_view implies{};       // a flag field that setting this one sets too (fs_root)
  std::variant<bool Policy::*, std::vector<std::string> Policy::*,
               std::optional<std::string> Policy::*, std::vector<ResolvePin> Policy::*>
      member;
  // Checks one value of a names/pins field and brings it to its one spelling (domains in lower
  // case); the error names the CLI option. Null: any non-empty value.
  Result<std::string> (*normalize)(std::string value) = nullptr;
  // A `paths` field whose value without a '/' is a program name, looked up on PATH when the run
  // is planned (allow_exec), not a path relative to the policy file or the working directory.
  bool program_names = false;
};

// Every field, in --help order.
[[nodiscard]] std::span<const PolicyField> policy_fields();
// The field named `key` (its JSON key), or null.
[[nodiscard]] const PolicyField* find_policy_field(std::string_view key);

// Whether `policy` sets the field: a switch on, a list not empty, a read root given.
[[nodiscard]] bool field_is_set(const PolicyField& field, const Policy& policy);

// The one union rule for a read root: either side's root, and an error when both sides name a
// different one (confining reads to two roots at once would mean their intersection, which no
// single root expresses). Policy::united_with keeps the first and leaves the refusal to
// PolicyBuilder::add and the Python API's merge.
[[nodiscard]] Result<std::optional<std::string>> unite_roots(const std::optional<std::string>& a,
                                                             const std::optional<std::string>& b);

}  // namespace hermetic
