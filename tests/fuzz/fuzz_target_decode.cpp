// Every entry point of target_decode on bytes a target could pass. The first byte picks the
// entry point, the rest are its bytes. Beyond "no crash, no sanitizer report", each result is
// checked against what the supervisor relies on: offsets inside the buffer, lengths as given.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "supervisor/target_decode.hpp"

namespace td = hermetic::target_decode;

namespace {

void check(bool holds) {
  if (!holds) __builtin_trap();
}

void addresses(td::Bytes bytes) {
  const auto decoded = td::decode_sockaddr(bytes);
  [[maybe_unused]] const auto length = td::address_length(bytes.size());
  if (!decoded.ok()) {
    check(decoded.error == EINVAL);
    return;
  }
  const auto& a = decoded.value;
  check(a.length == bytes.size() && bytes.size() <= td::kMaxSockaddr);
  check(std::memcmp(&a.storage, bytes.data(), bytes.size()) == 0);
  check(a.unix_name.size() + 2 <= bytes.size() || a.unix_name.empty());
  check(!td::describe(a).empty());
}

void headers(td::Bytes bytes) {
  const auto plan = td::decode_msghdr(bytes);
  if (!plan.ok()) return;
  check(plan.value.name_length <= td::kMaxSockaddr);
  check(plan.value.iov_count <= td::kMaxIov);
  check(plan.value.control_length <= td::kMaxControl);
}

void header_arrays(td::Bytes bytes) {
  const auto headers = td::decode_mmsghdrs(bytes);
  check(headers.size() == bytes.size() / sizeof(td::KernelMmsghdr));
  for (const auto& header : headers) {
    [[maybe_unused]] const auto plan = td::plan_message(header);
  }
  check(td::message_count(bytes.size()) <= td::kMaxMessages);
}

void iovec_arrays(td::Bytes bytes) {
  const auto decoded = td::decode_iovecs(bytes);
  if (!decoded.ok()) return;
  std::uint64_t total = 0;
  for (const auto& part : decoded.value) total += part.len;
  check(total <= 0x7ffff000U);  // MAX_RW_COUNT
}

void controls(td::Bytes bytes) {
  const auto messages = td::walk_control(bytes);
  const auto facts = td::inspect_control(bytes);
  check(messages.error == facts.error);
  if (!messages.ok()) return;
  for (const auto& m : messages.value) {
    check(m.data >= sizeof(td::KernelCmsghdr) && m.data <= bytes.size());
    check(m.size <= bytes.size() - m.data);
  }
  for (const std::size_t at : facts.value.rights) check(at + sizeof(int) <= bytes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // A copy of exactly the payload's size, so that a read past its end is a heap overflow.
  const std::vector<std::byte> copy(reinterpret_cast<const std::byte*>(data) + 1,
                                    reinterpret_cast<const std::byte*>(data) + size);
  const td::Bytes bytes(copy);
  switch (data[0] % 5) {
    case 0:
      addresses(bytes.first(std::min(bytes.size(), td::kMaxSockaddr)));
      break;
    case 1:
      headers(bytes);
      break;
    case 2:
      header_arrays(bytes);
      break;
    case 3:
      iovec_arrays(bytes);
      break;
    default:
      controls(bytes);
      break;
  }
  return 0;
}
