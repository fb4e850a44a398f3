// policy_from_json on any text: a policy or a one-line error (what Error promises, and what
// the executable prints after "hermetic: error: "), never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hermetic/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto policy = hermetic::policy_from_json(text);
  if (!policy) {
    const std::string& message = policy.error().message;
    if (message.empty() || message.find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  // A parsed policy must survive its own union, which every face applies.
  [[maybe_unused]] const auto doubled = policy.value().united_with(policy.value());
  return 0;
}
