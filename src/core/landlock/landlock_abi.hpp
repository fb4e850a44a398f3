// Landlock UAPI, copied from the kernel's include/uapi/linux/landlock.h (Linux 6.15, ABI 7).
// Debian 12's headers stop at ABI 2; defining the constants here lets one build use every ABI
// the running kernel offers. Values are kernel ABI and never change.
#pragma once

#include <cstdint>

namespace hermetic::landlock::uapi {

struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;  // ABI 4
  std::uint64_t scoped;              // ABI 6
};
inline constexpr std::size_t kRulesetAttrSizeV1 = 8;
inline constexpr std::size_t kRulesetAttrSizeV4 = 16;
inline constexpr std::size_t kRulesetAttrSizeV6 = 24;

struct [[gnu::packed]] PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

inline constexpr int kRulePathBeneath = 1;
inline constexpr std::uint32_t kCreateRulesetVersion = 1U << 0U;

namespace fs {
inline constexpr std::uint64_t kExecute = 1ULL << 0U;
inline constexpr std::uint64_t kWriteFile = 1ULL << 1U;
inline constexpr std::uint64_t kReadFile = 1ULL << 2U;
inline constexpr std::uint64_t kReadDir = 1ULL << 3U;
inline constexpr std::uint64_t kRemoveDir = 1ULL << 4U;
inline constexpr std::uint64_t kRemoveFile = 1ULL << 5U;
inline constexpr std::uint64_t kMakeChar = 1ULL << 6U;
inline constexpr std::uint64_t kMakeDir = 1ULL << 7U;
inline constexpr std::uint64_t kMakeReg = 1ULL << 8U;
inline constexpr std::uint64_t kMakeSock = 1ULL << 9U;
inline constexpr std::uint64_t kMakeFifo = 1ULL << 10U;
inline constexpr std::uint64_t kMakeBlock = 1ULL << 11U;
inline constexpr std::uint64_t kMakeSym = 1ULL << 12U;
inline constexpr std::uint64_t kRefer = 1ULL << 13U;     // ABI 2
inline constexpr std::uint64_t kTruncate = 1ULL << 14U;  // ABI 3
inline constexpr std::uint64_t kIoctlDev = 1ULL << 15U;  // ABI 5
// The rights that apply to a file (ACCESS_FILE in the kernel); the others need a directory.
inline constexpr std::uint64_t kFileRights =
    kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
}  // namespace fs

namespace scope {
inline constexpr std::uint64_t kAbstractUnixSocket = 1ULL << 0U;  // ABI 6
inline constexpr std::uint64_t kSignal = 1ULL << 1U;              // ABI 6
}  // namespace scope

}  // namespace hermetic::landlock::uapi
