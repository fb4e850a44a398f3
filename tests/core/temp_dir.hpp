// TempDir: a fresh directory under the system temp dir (canonical path), removed with its
// contents when the test is done.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <string>

namespace hermetic::test_support {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "hermetic-test-XXXXXX").string();
    path_ = std::filesystem::canonical(mkdtemp(templ.data()));
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace hermetic::test_support
