// JSON form of a Policy. Field names are the Python API's parameter names, so the same document
// can come from the CLI, from Python, or from a file.
#include <nlohmann/json.hpp>

#include "hermetic/policy.hpp"

namespace hermetic {

std::string to_json(const Policy& p) {
  nlohmann::json resolve = nlohmann::json::array();
  for (const auto& pin : p.resolve)
    resolve.push_back({{"name", pin.name}, {"address", pin.address}});
  const nlohmann::json j = {
      {"block_network", p.block_network},
      {"allow_localhost", p.allow_localhost},
      {"allow_domains", p.allow_domains},
      {"resolve", resolve},
      {"block_subprocess", p.block_subprocess},
      {"fs_readonly", p.fs_readonly},
      {"fs_root", p.fs_root ? nlohmann::json(*p.fs_root) : nlohmann::json(nullptr)},
      {"allow_write", p.allow_write},
      {"allow_read", p.allow_read},
      {"block_environment", p.block_environment},
      {"keep_env", p.keep_env},
      {"block_code_exec", p.block_code_exec},
      {"deny_imports", p.deny_imports},
      {"block_native", p.block_native},
      {"block_interpreter_mutation", p.block_interpreter_mutation},
      {"trace", p.trace},
      {"sealed", p.sealed},
  };
  return j.dump();
}

Result<Policy> policy_from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error{"policy JSON is not an object"};
  PolicyBuilder b;
  try {
    for (const auto& [key, value] : j.items()) {
      if (key == "block_network")
        b.block_network(value.get<bool>());
      else if (key == "allow_localhost")
        b.allow_localhost(value.get<bool>());
      else if (key == "allow_domains")
        for (const auto& d : value) b.allow_domain(d.get<std::string>());
      else if (key == "resolve")
        for (const auto& pin : value)
          b.resolve(pin.at("name").get<std::string>() + ":" + pin.at("address").get<std::string>());
      else if (key == "block_subprocess")
        b.block_subprocess(value.get<bool>());
      else if (key == "fs_readonly")
        b.fs_readonly(value.get<bool>());
      else if (key == "fs_root") {
        if (!value.is_null()) b.fs_root(value.get<std::string>());
      } else if (key == "allow_write")
        for (const auto& w : value) b.allow_write(w.get<std::string>());
      else if (key == "allow_read")
        for (const auto& r : value) b.allow_read(r.get<std::string>());
      else if (key == "block_environment")
        b.block_environment(value.get<bool>());
      else if (key == "keep_env")
        for (const auto& name : value) b.keep_env(name.get<std::string>());
      else if (key == "block_code_exec")
        b.block_code_exec(value.get<bool>());
      else if (key == "deny_imports")
        for (const auto& m : value) b.deny_import(m.get<std::string>());
      else if (key == "block_native")
        b.block_native(value.get<bool>());
      else if (key == "block_interpreter_mutation")
        b.block_interpreter_mutation(value.get<bool>());
      else if (key == "trace")
        b.trace(value.get<bool>());
      else if (key == "sealed")
        b.sealed(value.get<bool>());
      else
        return Error{"unknown policy field '" + one_line(key) + "'"};
    }
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("malformed policy JSON: ") + e.what()};
  }
  return b.build();
}

}  // namespace hermetic
