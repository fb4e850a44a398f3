// Result<T>: a value or a reason. Library code returns these; the caller decides how to report.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hermetic {

struct Error {
  std::string message;  // one line, fit to print after "hermetic: error: "
  int exit_code = 1;    // what the hermetic executable exits with when this ends the run
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const T& value() const& { return std::get<T>(state_); }
  [[nodiscard]] T& value() & { return std::get<T>(state_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(state_)); }
  [[nodiscard]] const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// `text` fit for an Error's one line: user text (a path, a flag's value, a JSON key) may hold
// line breaks and other control characters, which are written as \n, \r, \t or \xHH.
inline std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[byte >> 4U]);
      out.push_back(kHex[byte & 0xfU]);
    }
  }
  return out;
}

// Success without a value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace hermetic
