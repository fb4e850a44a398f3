#include "launch/environment.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX global

namespace hermetic::environment {
namespace {

// Names kept by convention of what they carry: the search path, the home directory, where
// temporary files go (a program that loses TMPDIR writes to the machine's shared /tmp instead
// of the caller's choice), the terminal and its colours, the time zone, and the locale: LANG,
// LANGUAGE and the categories of POSIX and glibc (locale(7)). Not every LC_ name: LC_API_TOKEN is a
// secret like any other, and ssh's `AcceptEnv LC_*` passes whatever a client sends under that
// prefix. hermetic's own variables are not kept by name: the CLI sets them as overrides, so a user
// variable that merely starts with HERMETIC_ is scrubbed like any other.
constexpr std::array<std::string_view, 24> kKeptNames{
    "PATH",     "HOME",       "TMPDIR",     "TMP",          "TEMP",           "TERM",
    "TZ",       "COLORTERM",  "NO_COLOR",   "LANG",         "LANGUAGE",       "LC_ALL",
    "LC_CTYPE", "LC_NUMERIC", "LC_TIME",    "LC_COLLATE",   "LC_MONETARY",    "LC_MESSAGES",
    "LC_PAPER", "LC_NAME",    "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION"};

std::string name_of(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

bool kept_when_scrubbed(const std::string& name) {
  return std::find(kKeptNames.begin(), kKeptNames.end(), name) != kKeptNames.end();
}

bool passes(const Policy& policy, const std::string& name) {
  return !policy.block_environment || kept_when_scrubbed(name) ||
         std::find(policy.keep_env.begin(), policy.keep_env.end(), name) != policy.keep_env.end();
}

std::vector<std::string> passing_names(const Policy& policy) {
  if (!policy.block_environment) return {};
  std::vector<std::string> out(kKeptNames.begin(), kKeptNames.end());
  for (const auto& name : policy.keep_env) {
    if (!kept_when_scrubbed(name)) out.push_back(name);
  }
  return out;
}

std::vector<std::string> current() {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    out.emplace_back(*entry);
  }
  return out;
}

std::vector<std::string> for_target(const Policy& policy, const std::vector<std::string>& current,
                                    const std::vector<std::string>& overrides) {
  std::vector<std::string> out;
  for (const auto& entry : current) {
    const std::string name = name_of(entry);
    if (!passes(policy, name)) continue;
    bool overridden = false;
    for (const auto& o : overrides) overridden = overridden || name_of(o) == name;
    if (!overridden) out.push_back(entry);
  }
  out.insert(out.end(), overrides.begin(), overrides.end());
  return out;
}

void wipe_own_block() {
  // /proc/PID/environ reads the memory between env_start and env_end (fields 50 and 51 of
  // /proc/self/stat), the block the kernel laid out at exec. Clearing `environ` is not enough.
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto after_comm = text.rfind(')');  // the command name may contain spaces
  if (after_comm == std::string::npos) return;
  std::istringstream fields(text.substr(after_comm + 2));
  std::string field;
  unsigned long long env_start = 0;
  unsigned long long env_end = 0;
  // Field 3 (state) is the first after the name; env_start and env_end are fields 50 and 51.
  for (int index = 3; index <= 51 && (fields >> field); ++index) {
    if (index == 50) env_start = std::stoull(field);
    if (index == 51) env_end = std::stoull(field);
  }
  (void)clearenv();
  if (env_start != 0 && env_end > env_start) {
    std::memset(reinterpret_cast<void*>(env_start), 0, env_end - env_start);  // NOLINT
  }
}

}  // namespace hermetic::environment
