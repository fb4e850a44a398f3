// The --report encoder on any bytes as any field (paths and names come from the target's
// memory): the line is one JSON object that parses, within one atomic write, and every value
// that was neither cut nor lossy comes back byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "hermetic/report_event.hpp"

namespace {

// Whether text is well-formed UTF-8 (then the encoder must give it back unchanged).
bool is_utf8(std::string_view text) {
  hermetic::report::Line probe;
  probe.string(text, text.size() * 6 + 8);
  return !probe.lossy();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  // Split the input at 0x00 bytes into the event's strings.
  std::string_view parts[8]{};
  std::size_t at = 0;
  for (auto& part : parts) {
    if (at > all.size()) break;
    const std::size_t end = std::min(all.find('\0', at), all.size());
    part = all.substr(at, end - at);
    at = end + 1;
  }
  const hermetic::report::Frame frame{
      .file = parts[6], .line = static_cast<long>(size), .function = parts[7]};
  const hermetic::report::Event event{.capability = parts[0],
                                      .operation = parts[1],
                                      .layer = "supervisor",
                                      .pid = 1,
                                      .program = parts[2],
                                      .path = parts[3],
                                      .path2 = parts[4],
                                      .address = parts[5],
                                      .port = static_cast<long>(size % 70000),
                                      .name = parts[3],
                                      .flag = parts[1],
                                      .frame = &frame};
  hermetic::report::Line line;
  hermetic::report::encode(event, timespec{.tv_sec = static_cast<time_t>(size), .tv_nsec = 0},
                           line);
  const std::string text(line.view());
  if (text.size() > hermetic::report::kMaxLine || text.empty() || text.back() != '\n' ||
      text.find('\n') != text.size() - 1) {
    __builtin_trap();
  }
  // Invalid UTF-8 in the parser's input would throw: the line must be valid JSON text.
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) __builtin_trap();
  if (!j.contains("truncated")) {
    const auto& detail = j["detail"];
    for (const auto& [key, value] : {std::pair{"path", parts[3]}, std::pair{"address", parts[5]}}) {
      if (value.empty() || !is_utf8(value)) continue;
      if (detail[key].get<std::string>() != std::string(value)) __builtin_trap();
    }
  }
  return 0;
}
