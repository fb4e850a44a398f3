#include "hermetic/policy.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "hermetic/policy_fields.hpp"

namespace hermetic {
namespace {

template <class T>
void append_unique(std::vector<T>& into, const std::vector<T>& from) {
  for (const auto& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

// Calls visit(member_of_a, member_of_b) with the field's typed members of two policies.
template <class A, class B, class Visit>
void visit_member(const PolicyField& field, A& a, B& b, Visit visit) {
  std::visit([&](auto member) { visit(a.*member, b.*member); }, field.member);
}

std::string option_of(const PolicyField& field) {
  return "--" + std::string(field.options.front());
}

}  // namespace

bool field_is_set(const PolicyField& field, const Policy& policy) {
  bool set = false;
  visit_member(field, policy, policy, [&set](const auto& value, const auto& /*same*/) {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, bool>) {
      set = value;
    } else if constexpr (std::is_same_v<std::decay_t<decltype(value)>,
                                        std::optional<std::string>>) {
      set = value.has_value();
    } else {
      set = !value.empty();
    }
  });
  return set;
}

Policy Policy::united_with(const Policy& other) const {
  Policy out = *this;
  for (const auto& field : policy_fields()) {
    visit_member(field, out, other, [](auto& into, const auto& from) {
      using T = std::decay_t<decltype(into)>;
      if constexpr (std::is_same_v<T, bool>) {
        into = into || from;
      } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
        auto root = unite_roots(into, from);
        if (root) into = std::move(root).value();  // a conflict keeps the first (see unite_roots)
      } else {
        append_unique(into, from);
      }
    });
  }
  return out;
}

bool Policy::empty() const {
  return std::none_of(policy_fields().begin(), policy_fields().end(), [this](const auto& field) {
    return field.role == FieldRole::block && field_is_set(field, *this);
  });
}

bool Policy::has_kernel_part() const {
  return std::any_of(policy_fields().begin(), policy_fields().end(), [this](const auto& field) {
    return field.role == FieldRole::block && field.layer != FieldLayer::in_process &&
           field_is_set(field, *this);
  });
}

bool Policy::has_network_exceptions() const {
  return std::any_of(policy_fields().begin(), policy_fields().end(), [this](const auto& field) {
    return field.exception_to == "block_network" && field_is_set(field, *this);
  });
}

bool Policy::has_supervisor() const {
  return has_network_exceptions() || (block_network && trace) || fs_readonly;
}

void PolicyBuilder::fail(std::string message) {
  if (first_error_) return;
  message = one_line(message);  // user text (a path, a name) may hold line breaks
  first_error_ = Error{std::move(message)};
}

PolicyBuilder& PolicyBuilder::set_flag(std::string_view key, bool on) {
  const PolicyField* field = find_policy_field(key);
  if (field == nullptr || field->type != FieldType::flag) {
    fail("unknown policy switch '" + std::string(key) + "'");
    return *this;
  }
  bool& value = policy_.*std::get<bool Policy::*>(field->member);
  value = value || on;
  return *this;
}

PolicyBuilder& PolicyBuilder::add_value(std::string_view key, std::string value) {
  const PolicyField* field = find_policy_field(key);
  if (field == nullptr || field->type == FieldType::flag) {
    fail("unknown policy list '" + std::string(key) + "'");
    return *this;
  }
  if (field->normalize != nullptr) {
    auto normal = field->normalize(std::move(value));
    if (!normal) {
      fail(normal.error().message);
      return *this;
    }
    value = std::move(normal).value();
  } else if (value.empty()) {
    fail(field->type == FieldType::path ? option_of(*field) + "=" + std::string(field->metavar) +
                                              " needs a non-empty " + std::string(field->metavar)
                                        : option_of(*field) + " needs a path");
    return *this;
  }
  if (!field->implies.empty()) set_flag(field->implies, true);
  std::visit(
      [&](auto member) {
        auto& into = policy_.*member;
        using T = std::decay_t<decltype(into)>;
        if constexpr (std::is_same_v<T, std::optional<std::string>>) {
          auto root = unite_roots(into, std::optional<std::string>(value));
          if (!root) return fail(root.error().message);
          into = std::move(root).value();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          append_unique(into, {value});
        } else if constexpr (std::is_same_v<T, std::vector<ResolvePin>>) {
          const auto colon = value.find(':');  // normalize_pin made it NAME:ADDRESS
          append_unique(into, {ResolvePin{value.substr(0, colon), value.substr(colon + 1)}});
        }
      },
      field->member);
  return *this;
}

PolicyBuilder& PolicyBuilder::block_network(bool on) { return set_flag("block_network", on); }
PolicyBuilder& PolicyBuilder::allow_localhost(bool on) { return set_flag("allow_localhost", on); }
PolicyBuilder& PolicyBuilder::allow_domain(std::string domain) {
  return add_value("allow_domains", std::move(domain));
}
PolicyBuilder& PolicyBuilder::allow_connect(std::string host_colon_port) {
  return add_value("allow_connect", std::move(host_colon_port));
}
PolicyBuilder& PolicyBuilder::resolve(std::string_view name_colon_address) {
  return add_value("resolve", std::string(name_colon_address));
}
PolicyBuilder& PolicyBuilder::block_subprocess(bool on) { return set_flag("block_subprocess", on); }
PolicyBuilder& PolicyBuilder::fs_readonly(bool on) { return set_flag("fs_readonly", on); }
PolicyBuilder& PolicyBuilder::fs_root(std::string root) {
  return add_value("fs_root", std::move(root));
}
PolicyBuilder& PolicyBuilder::allow_write(std::string path) {
  return add_value("allow_write", std::move(path));
}
PolicyBuilder& PolicyBuilder::allow_read(std::string path) {
  return add_value("allow_read", std::move(path));
}
PolicyBuilder& PolicyBuilder::block_environment(bool on) {
  return set_flag("block_environment", on);
}
PolicyBuilder& PolicyBuilder::keep_env(std::string name) {
  return add_value("keep_env", std::move(name));
}
PolicyBuilder& PolicyBuilder::block_code_exec(bool on) { return set_flag("block_code_exec", on); }
PolicyBuilder& PolicyBuilder::deny_import(std::string module) {
  return add_value("deny_imports", std::move(module));
}
PolicyBuilder& PolicyBuilder::block_native(bool on) { return set_flag("block_native", on); }
PolicyBuilder& PolicyBuilder::block_interpreter_mutation(bool on) {
  return set_flag("block_interpreter_mutation", on);
}
PolicyBuilder& PolicyBuilder::trace(bool on) { return set_flag("trace", on); }
PolicyBuilder& PolicyBuilder::sealed(bool on) { return set_flag("sealed", on); }
PolicyBuilder& PolicyBuilder::add_profile(std::string_view name) {
  auto preset = profile(name);
  if (!preset) {
    fail(preset.error().message);
    return *this;
  }
  return add(preset.value());
}
PolicyBuilder& PolicyBuilder::add(const Policy& other) {
  if (auto root = unite_roots(policy_.fs_root, other.fs_root); !root) {
    fail(root.error().message);
    return *this;
  }
  policy_ = policy_.united_with(other);
  return *this;
}

Result<Policy> PolicyBuilder::build() const {
  if (first_error_) return *first_error_;
  // Allow-lists only mean something as exceptions to a block; hermetic-seal ignored them
  // silently, which hides a mistaken command line.
  for (const auto& block : policy_fields()) {
    if (block.role != FieldRole::block || field_is_set(block, policy_)) continue;
    std::vector<const PolicyField*> exceptions;
    bool any_set = false;
    for (const auto& field : policy_fields()) {
      if (field.exception_to != block.key) continue;
      exceptions.push_back(&field);
      any_set = any_set || field_is_set(field, policy_);
    }
    if (!any_set) continue;
    std::string names;  // "--a", "--a and --b", "--a, --b and --c"
    for (std::size_t i = 0; i < exceptions.size(); ++i) {
      const char* separator = i == 0 ? "" : (i + 1 == exceptions.size() ? " and " : ", ");
      names += separator + option_of(*exceptions[i]);
    }
    return Error{names + (exceptions.size() > 1 ? " are exceptions to " : " is an exception to ") +
                 option_of(block) + "; add " + option_of(block)};
  }
  if (!policy_.fs_root && !policy_.allow_read.empty()) {
    return Error{"--allow-read widens --fs-readonly=ROOT; give a ROOT"};
  }
  return policy_;
}

}  // namespace hermetic
