// parse_policy_file on any text, as hermetic.toml and as pyproject.toml: a policy or a one-line
// error that names the file (what the executable prints after "hermetic: error: "), never a
// crash; a parsed policy round-trips through the JSON form every face hands around.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hermetic/policy.hpp"
#include "hermetic/policy_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* file : {"/fuzz/hermetic.toml", "/fuzz/pyproject.toml"}) {
    const auto loaded = hermetic::parse_policy_file(text, file, "", /*check_paths=*/false);
    if (!loaded) {
      const std::string& message = loaded.error().message;
      if (!message.starts_with(file) || message.find('\n') != std::string::npos) {
        __builtin_trap();
      }
      continue;
    }
    const auto again = hermetic::policy_from_json(hermetic::to_json(loaded.value().policy));
    if (!again || !(again.value() == loaded.value().policy)) __builtin_trap();
  }
  return 0;
}
