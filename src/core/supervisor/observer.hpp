// Learn mode's observer (`hermetic learn`): a seccomp filter whose rows notify, for every process
// of the run, each use of a capability the policy model can grant or refuse (connect, addressed
// sends, bind, listen, fork, exec, file writes, opens), and one thread in hermetic that records
// each use as a report line (decision "observed", layer "supervisor"; docs/report.md) and lets
// the call go on unchanged.
//
// Observation only: the answer is SECCOMP_USER_NOTIF_FLAG_CONTINUE, which lets the kernel run the
// call as the target made it. That is unsafe for a decision (the target may change the memory
// after it was read here: TOCTOU) and fine here, because nothing is decided: learn mode enforces
// nothing and says so, and what it records is a proposal a person reviews. The enforcing
// supervisor (supervisor.hpp) never continues.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "hermetic/result.hpp"
#include "seccomp/syscall_rules.hpp"

namespace hermetic::observer {

// The filter's rows: every observed call notifies (Action::supervise). One table
// (call_uses.cpp) says which calls, with which arguments, and what each records.
[[nodiscard]] std::vector<syscall_rules::Rule> filter_rules();

struct Config {
  std::string report_path;  // lines are appended here (the file exists)
  pid_t target = 0;         // hermetic's own exec of the target, this child's first, is not a use
};

class Observer {
 public:
  // Starts the thread that serves `listener` (a SECCOMP_FILTER_FLAG_NEW_LISTENER fd of a filter
  // made of filter_rules()).
  [[nodiscard]] static Result<std::unique_ptr<Observer>> start(Fd listener, Config config);

  // Stops the thread. Calls still trapped afterwards fail with ENOSYS (the filter's listener is
  // gone): stop only once the run's processes are gone.
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;
  Observer(Observer&&) = delete;
  Observer& operator=(Observer&&) = delete;

 private:
  Observer(Fd listener, Fd wake, Config config);
  void serve();

  Fd listener_;
  Fd wake_;  // eventfd: readable once stopping
  Config config_;
  std::thread thread_;
};

}  // namespace hermetic::observer
