#include "target/sanitizer_runtime.hpp"

#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>

extern "C" void __asan_init();  // NOLINT: the ASan runtime's entry point, found by address
#endif

namespace hermetic::sanitizer_runtime {

std::string preload_prefix() {
#if defined(__SANITIZE_ADDRESS__)
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&__asan_init), &info) != 0 &&  // NOLINT: a code address
      info.dli_fname != nullptr) {
    return std::string(info.dli_fname) + ":";
  }
#endif
  return {};
}

std::vector<std::string> options() {
  std::vector<std::string> out;
#if defined(__SANITIZE_ADDRESS__)
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name); value != nullptr) {
      out.push_back(std::string(name) + "=" + value);
    }
  }
#endif
  return out;
}

}  // namespace hermetic::sanitizer_runtime
