// The supervised network calls: connect, bind, sendto, sendmsg, sendmmsg. Each copies what the
// caller passed (address, data, control messages) exactly once, takes the caller's socket with
// pidfd_getfd, checks that the call is still pending, decides on the copy and then performs the
// call itself on the copy. The caller's memory is never read again after the decision, so a
// thread that rewrites the address meanwhile changes nothing (no TOCTOU), and no call is ever
// answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE.
#pragma once

#include <linux/seccomp.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "policy/address_policy.hpp"

namespace hermetic::supervisor {

// Sockets the supervisor is working on, so that shutting down can abort a blocking call
// (shutdown(2) wakes a connect or send) instead of waiting for it.
class InFlight {
 public:
  void add(int fd);
  void remove(int fd);
  void abort_all();  // shutdown(SHUT_RDWR) on each; later add()s abort at once

 private:
  std::mutex mutex_;
  std::vector<int> fds_;
  bool aborting_ = false;
};

struct CallEnv {
  const address_policy::Rules& addresses;
  bool fs_readonly;  // unix sockets may not be created as files
  InFlight& in_flight;
};

struct Reply {
  std::int64_t value = 0;
  int error = 0;         // non-zero: the call fails with it
  std::string blocked;   // non-empty: a refusal by policy, "connect(10.0.0.1:80)", for --trace
  std::string_view why;  // the refusal's reason, for --trace
  bool stale = false;    // the caller no longer waits (killed, or its pid was reused): no answer
};

// Called once before a call that may block (its socket lacks O_NONBLOCK), so the pool can let
// another thread serve the next notifications meanwhile.
using MayBlock = std::function<void()>;

// Performs the call of `syscall` ("connect", "bind", "sendto", "sendmsg", "sendmmsg") that
// `notification` describes. Fails closed: a caller whose memory or fd cannot be read gets an
// error, never the call.
[[nodiscard]] Reply perform(std::string_view syscall, const seccomp_notif& notification,
                            int listener, const CallEnv& env, const MayBlock& may_block);

}  // namespace hermetic::supervisor
