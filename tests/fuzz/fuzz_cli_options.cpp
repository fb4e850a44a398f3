// The command line parser on argument vectors built from the input: each NUL ends an argument.
// parse() must return an action or a one-line error with exit code 1 or 2, never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli_options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\0') {
      args.emplace_back();
    } else {
      args.back().push_back(static_cast<char>(data[i]));
    }
  }
  const auto action = hermetic::cli::parse(args);
  if (!action) {
    const auto& error = action.error();
    const bool one_line = !error.message.empty() && error.message.find('\n') == std::string::npos;
    if (!one_line || (error.exit_code != 1 && error.exit_code != 2)) __builtin_trap();
  }
  return 0;
}
