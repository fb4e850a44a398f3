// Policy files (include/hermetic/policy_file.hpp), parsed by toml++. Keys are checked against
// the field table, so a field described there is a key here too; every error carries the
// file, the line and the key, and nothing runs after one.
#include "hermetic/policy_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <variant>
#include <vector>

// toml++ compiled into this file alone (its functions are inline), without its writers.
#define TOML_HEADER_ONLY 1        // NOLINT(cppcoreguidelines-macro-usage)
#define TOML_ENABLE_FORMATTERS 0  // NOLINT(cppcoreguidelines-macro-usage)
#include <toml++/impl/preprocessor.h>
// toml++ 3.3 asserts things of its input that malformed input breaks (a key that starts with
// '!', found by tests/fuzz/fuzz_policy_file); with NDEBUG it turns them into
// __builtin_assume under clang (the musl executable's compiler): undefined behaviour on a bad
// file. Its parser goes on safely without the assumption (what GCC builds do, and what the
// fuzzer checks under ASan), and reports the error.
// Its "unreachable" points are reachable too (a non-ASCII byte, U+FEFD, in a key): an abort
// there is defined behaviour, and parse_policy_file lets no such byte reach the parser.
#undef TOML_ASSERT_ASSUME
#define TOML_ASSERT_ASSUME(expr) static_assert(true)  // NOLINT(cppcoreguidelines-macro-usage)
#undef TOML_UNREACHABLE
#define TOML_UNREACHABLE std::abort()  // NOLINT(cppcoreguidelines-macro-usage)
#include <toml++/toml.h>

#include "hermetic/policy_fields.hpp"

namespace hermetic {
namespace {

std::string directory_of(const std::string& file) {
  const auto slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : file.substr(0, slash);
}

std::string base_name(const std::string& file) {
  const auto slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{one_line(file + ": cannot read the policy file")};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One policy file being read: where it is, its text's tables, and how errors are worded.
class Reader {
 public:
  Reader(std::string file, bool check_paths)
      : file_(std::move(file)), dir_(directory_of(file_)), check_paths_(check_paths) {}

  // User text (a key, a value, the file's name) may hold line breaks: one_line keeps one line.
  [[nodiscard]] Error error_at(const toml::node& node, const std::string& key,
                               const std::string& what) const {
    return Error{one_line(file_ + ":" + std::to_string(node.source().begin.line) + ": " + key +
                          ": " + what)};
  }
  [[nodiscard]] Error error(const std::string& what) const {
    return Error{one_line(file_ + ": " + what)};
  }

  // The [tool.hermetic] table of a pyproject.toml, or the whole hermetic.toml.
  Result<const toml::table*> root(const toml::table& document, std::string* prefix) const {
    if (base_name(file_) != "pyproject.toml") return &document;
    *prefix = "tool.hermetic.";
    const auto* hermetic = document["tool"]["hermetic"].as_table();
    if (hermetic == nullptr) return error("no [tool.hermetic] table");
    return hermetic;
  }

  Result<Policy> policy(const toml::table& policies, const std::string& prefix,
                        const std::string& name, std::vector<std::string>& chain) const {
    const auto* table = policies[name].as_table();
    if (table == nullptr) {
      std::string known;
      for (const auto& [key, value] : policies)
        known += (known.empty() ? "" : ", ") + std::string(key.str());
      return error("no policy '" + name + "' (its policies: " + known + ")");
    }
    if (std::find(chain.begin(), chain.end(), name) != chain.end()) {
      return error("policy '" + name + "' extends itself (" + name + " in " + join(chain) + ")");
    }
    chain.push_back(name);
    const std::string where = prefix + "policies." + name + ".";
    PolicyBuilder builder;
    for (const auto& [key, value] : *table) {
      auto added = add(builder, policies, prefix, where, std::string(key.str()), value, chain);
      if (!added) return added.error();
    }
    chain.pop_back();
    auto built = exceptions_have_blocks(builder, *table, where);
    if (!built) return built.error();
    return built;
  }

 private:
  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : " -> ") + n;
    return out;
  }

  // A key of the table that is not a field: say which key was meant when it is recognisable.
  static std::string unknown_key(const std::string& key) {
    for (const auto& field : policy_fields()) {
      if (key + "s" == field.key)
        return "unknown key (did you mean " + std::string(field.key) + "?)";
      for (auto option : field.options) {
        std::string spelled(option);
        std::replace(spelled.begin(), spelled.end(), '-', '_');
        if (spelled == key) return "unknown key (the policy key is " + std::string(field.key) + ")";
      }
    }
    return "unknown key (keys: the fields of docs/policy.md, profiles, extends)";
  }

  // A path value as the policy means it: ~ is $HOME, a relative path is the file's directory's.
  Result<std::string> path_value(const toml::node& node, const std::string& key,
                                 std::string path) const {
    if (path.empty()) return error_at(node, key, "an empty path");
    if (path == "~" || path.starts_with("~/")) {
      const char* home = std::getenv("HOME");
      if (home == nullptr || *home == '\0')
        return error_at(node, key, "~ used but HOME is not set");
      path = std::string(home) + path.substr(1);
    } else if (path.front() != '/') {
      path = dir_ == "." ? path : dir_ + "/" + path;
    }
    if (check_paths_ && !exists(path)) return error_at(node, key, "no such path: " + path);
    return path;
  }

  Result<std::vector<std::string>> strings(const toml::node& value, const std::string& key) const {
    const auto* array = value.as_array();
    if (array == nullptr) return error_at(value, key, "expected a list of strings");
    std::vector<std::string> out;
    for (const auto& item : *array) {
      const auto text = item.value<std::string>();
      if (!item.is_string() || !text) return error_at(item, key, "expected a list of strings");
      out.push_back(*text);
    }
    return out;
  }

  Status add(PolicyBuilder& builder, const toml::table& policies, const std::string& prefix,
             const std::string& where, const std::string& key, const toml::node& value,
             std::vector<std::string>& chain) const {
    const std::string name = where + key;
    if (key == "extends") {
      const auto base = value.value<std::string>();
      if (!value.is_string() || !base) return error_at(value, name, "expected a policy name");
      auto inherited = policy(policies, prefix, *base, chain);
      if (!inherited) return inherited.error();
      if (auto root = unite_roots(builder.current().fs_root, inherited.value().fs_root); !root) {
        return error_at(value, name, root.error().message);
      }
      builder.add(inherited.value());
      return Ok{};
    }
    if (key == "profiles") {
      auto names = strings(value, name);
      if (!names) return names.error();
      for (const auto& profile_name : names.value()) {
        if (!profile(profile_name))
          return error_at(value, name, "unknown profile: " + profile_name);
        builder.add_profile(profile_name);
      }
      return Ok{};
    }
    const PolicyField* field = find_policy_field(key);
    if (field == nullptr) return error_at(value, name, unknown_key(key));
    switch (field->type) {
      case FieldType::flag:
        if (!value.is_boolean()) return error_at(value, name, "expected true or false");
        builder.set_flag(field->key, *value.value<bool>());
        return Ok{};
      case FieldType::path: {
        const auto text = value.value<std::string>();
        if (!value.is_string() || !text) return error_at(value, name, "expected a path");
        auto path = path_value(value, name, *text);
        if (!path) return path.error();
        if (auto root = unite_roots(builder.current().fs_root, path.value()); !root) {
          return error_at(value, name, root.error().message);
        }
        builder.add_value(field->key, std::move(path).value());
        return Ok{};
      }
      case FieldType::names:
      case FieldType::paths:
      case FieldType::pins: {
        auto items = strings(value, name);
        if (!items) return items.error();
        for (auto& item : items.value()) {
          // A bare program name stays a name, found on PATH when the run is planned.
          const bool program_name =
              field->program_names && !item.empty() && item.find('/') == std::string::npos;
          if (field->type == FieldType::paths && !program_name) {
            auto path = path_value(value, name, item);
            if (!path) return path.error();
            item = std::move(path).value();
          } else if (field->normalize != nullptr) {
            // The CLI's wording names its option; here the key and line say where.
            if (auto normal = field->normalize(item); !normal) {
              return error_at(value, name, "invalid value '" + item + "'");
            }
          }
          builder.add_value(field->key, std::move(item));
        }
        return Ok{};
      }
    }
    return Ok{};
  }

  // An exception whose block the policy (with what it extends) leaves off means nothing: say so
  // at the exception's line, in the file's terms.
  Result<Policy> exceptions_have_blocks(const PolicyBuilder& builder, const toml::table& table,
                                        const std::string& where) const {
    auto built = builder.build();
    if (built) return built;
    for (const auto& [key, value] : table) {
      const PolicyField* field = find_policy_field(key.str());
      if (field == nullptr || field->exception_to.empty()) continue;
      if (!field_is_set(*find_policy_field(field->exception_to), builder.current())) {
        return error_at(value, where + std::string(key.str()),
                        "an exception to " + std::string(field->exception_to) +
                            ", which this policy does not set");
      }
    }
    if (const auto* read = table.get("allow_read"); read != nullptr) {
      return error_at(*read, where + "allow_read", "needs a read root: set fs_root");
    }
    return error(built.error().message);  // an exception inherited through `extends`
  }

  std::string file_;
  std::string dir_;
  bool check_paths_;
};

}  // namespace

Result<std::optional<std::string>> find_policy_file(const std::string& directory) {
  std::string dir = directory.empty() ? "." : directory;
  for (;;) {
    const std::string own = (dir == "/" ? "" : dir) + "/hermetic.toml";
    if (exists(own)) return std::optional<std::string>(own);
    const std::string pyproject = (dir == "/" ? "" : dir) + "/pyproject.toml";
    if (exists(pyproject)) {
      auto text = read_file(pyproject);
      if (!text) return text.error();
      if (text.value().find("[tool.hermetic") != std::string::npos) {
        return std::optional<std::string>(pyproject);
      }
    }
    if (dir == "/" || dir == ".") return std::optional<std::string>();
    dir = directory_of(dir);
  }
}

Result<LoadedPolicy> parse_policy_file(std::string_view text, const std::string& file,
                                       std::string_view name, bool check_paths) {
  const Reader reader(file, check_paths);
  // A policy file is ASCII text: TOML allows no NUL byte at all, and toml++ 3.3 misbehaves on
  // some non-ASCII bytes (tests/fuzz/fuzz_policy_file found two); refused before it parses, at
  // their line. (Other characters can still be written in quoted strings as \uXXXX.)
  const auto* bad = std::find_if(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80 || byte == 0x7f || (byte < 0x20 && c != '\t' && c != '\n' && c != '\r');
  });
  if (bad != text.end()) {
    const auto line = 1 + std::count(text.begin(), bad, '\n');
    return Error{one_line(file + ":" + std::to_string(line) +
                          ": a byte that is not printable ASCII (write other characters in "
                          "quoted strings as \\uXXXX)")};
  }
  toml::table document;
  try {
    document = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Error{one_line(file + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()))};
  }
  std::string prefix;
  auto root = reader.root(document, &prefix);
  if (!root) return root.error();
  const toml::table* policies = nullptr;
  std::optional<std::string> default_name;
  for (const auto& [key, value] : *root.value()) {
    if (key == "policies" && value.is_table()) {
      policies = value.as_table();
    } else if (key == "default" && value.is_string()) {
      default_name = *value.value<std::string>();
    } else {
      return reader.error_at(
          value, prefix + std::string(key.str()),
          key == "policies" || key == "default"
              ? "expected " + std::string(key == "policies" ? "a table" : "a policy name")
              : "unknown key (a policy file has `default` and [policies.NAME])");
    }
  }
  if (policies == nullptr || policies->empty())
    return reader.error("no [" + prefix + "policies.NAME] table");
  std::string chosen(name);
  if (chosen.empty()) {
    if (default_name) {
      chosen = *default_name;
    } else if (policies->size() == 1) {
      chosen = std::string(policies->begin()->first.str());
    } else {
      return reader.error("several policies and no `default`: name one (--policy NAME)");
    }
  }
  std::vector<std::string> chain;
  auto policy = reader.policy(*policies, prefix, chosen, chain);
  if (!policy) return policy.error();
  return LoadedPolicy{std::move(policy).value(), file, chosen};
}

Status check_only_tightens(const LoadedPolicy& loaded, const Policy& extra) {
  for (const auto& field : policy_fields()) {
    if (field.exception_to.empty() || !field_is_set(field, extra)) continue;
    if (!field_is_set(*find_policy_field(field.exception_to), loaded.policy)) continue;
    // What `extra` adds beyond the file's own exception widens the file's block.
    const Policy joined = loaded.policy.united_with(extra);
    const Policy only_file = loaded.policy;
    bool widens = false;
    std::visit([&](auto member) { widens = !(joined.*member == only_file.*member); }, field.member);
    if (widens) {
      return Error{one_line(std::string(field.key) + " would widen policy '" + loaded.name +
                            "' of " + loaded.file + ", which sets " +
                            std::string(field.exception_to) +
                            ": flags and keywords can only tighten a policy file's policy (add "
                            "it there)")};
    }
  }
  return Ok{};
}

Result<LoadedPolicy> load_policy_file(const std::string& file, std::string_view name) {
  auto text = read_file(file);
  if (!text) return text.error();
  return parse_policy_file(text.value(), file, name, /*check_paths=*/true);
}

}  // namespace hermetic
