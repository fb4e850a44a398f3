#include "hermetic/real_path.hpp"

#include <cerrno>
#include <cstdlib>
#include <memory>

namespace hermetic {

std::string real_path(const std::string& path, std::error_code& ec) {
  ec.clear();
  const std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                             &std::free);
  if (!resolved) {
    ec.assign(errno, std::generic_category());
    return {};
  }
  return resolved.get();
}

}  // namespace hermetic
