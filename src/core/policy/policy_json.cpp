// JSON form of a Policy, one key per field of the table (policy_fields.hpp): the Python API's
// parameter names, so the same document can come from the CLI, from Python, or from a file.
#include <nlohmann/json.hpp>

#include "hermetic/policy.hpp"
#include "hermetic/policy_fields.hpp"

namespace hermetic {
namespace {

nlohmann::json field_json(const PolicyField& field, const Policy& p) {
  return std::visit(
      [&p](auto member) -> nlohmann::json {
        const auto& value = p.*member;
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::optional<std::string>>) {
          return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
        } else if constexpr (std::is_same_v<T, std::vector<ResolvePin>>) {
          nlohmann::json pins = nlohmann::json::array();
          for (const auto& pin : value)
            pins.push_back({{"name", pin.name}, {"address", pin.address}});
          return pins;
        } else {
          return value;
        }
      },
      field.member);
}

void add_field(PolicyBuilder& b, const PolicyField& field, const nlohmann::json& value) {
  switch (field.type) {
    case FieldType::flag:
      b.set_flag(field.key, value.get<bool>());
      break;
    case FieldType::path:
      if (!value.is_null()) b.add_value(field.key, value.get<std::string>());
      break;
    case FieldType::pins:
      if (value.is_null()) break;
      for (const auto& pin : value) {
        b.add_value(field.key,
                    pin.at("name").get<std::string>() + ":" + pin.at("address").get<std::string>());
      }
      break;
    case FieldType::names:
    case FieldType::paths:
      if (value.is_null()) break;
      if (!value.is_array())
        throw nlohmann::json::type_error::create(302, "expected a list", &value);
      for (const auto& item : value) b.add_value(field.key, item.get<std::string>());
      break;
  }
}

}  // namespace

std::string to_json(const Policy& p) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& field : policy_fields()) j[std::string(field.key)] = field_json(field, p);
  return j.dump();
}

Result<Policy> policy_from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error{"policy JSON is not an object"};
  PolicyBuilder b;
  try {
    for (const auto& [key, value] : j.items()) {
      const PolicyField* field = find_policy_field(key);
      if (field == nullptr) return Error{"unknown policy field '" + one_line(key) + "'"};
      add_field(b, *field, value);
    }
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("malformed policy JSON: ") + e.what()};
  }
  return b.build();
}

}  // namespace hermetic
