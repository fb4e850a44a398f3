#include "launch/report_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fd.hpp"
#include "hermetic/real_path.hpp"
#include "hermetic/report_event.hpp"

namespace hermetic::report_file {

Result<std::string> open_for_run(const std::string& path) {
  const auto error = [&path](const std::string& why) {
    return Error{one_line("--report " + path + ": " + why)};
  };
  if (path.empty()) return error("no file named");
  // O_NONBLOCK: a FIFO given by mistake must not hang the start (it is refused below).
  const Fd fd(::open(path.c_str(),
                     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0666));
  if (!fd) return error(std::string("cannot open for appending: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    // Every process of the run reopens it by path: a terminal, pipe or device would not be the
    // same file for each, and the Landlock rule that lets the target append is for one file.
    return error("not a regular file");
  }
  std::error_code ec;
  std::string absolute = real_path(path, ec);
  if (ec) return error("cannot resolve: " + ec.message());
  return absolute;
}

void refused_before_start(const std::string& report_path, const CliRefusal& refusal) {
  if (report_path.empty()) return;
  const report::Event event{.capability = refusal.capability,
                            .operation = refusal.operation,
                            .layer = "cli",
                            .pid = static_cast<long>(::getpid()),
                            .program = refusal.program,
                            .name = refusal.name,
                            .flag = refusal.flag};
  (void)report::append(report_path.c_str(), event);
}

}  // namespace hermetic::report_file
