// Hands the seccomp listener fd of an audit filter from the forked child to the launcher
// (SCM_RIGHTS over a socketpair). The message is built before the fork, at an address that
// stays put, so the child only fills in the fd and makes one sendmsg: the one call its
// filter lets through unreported (SyscallFilterOptions::listener_handoff_*), since until it
// arrives nobody could answer a notification.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace cvlsm {

class ListenerHandoff {
 public:
  static absl::StatusOr<std::unique_ptr<ListenerHandoff>> Create();
  ListenerHandoff(const ListenerHandoff&) = delete;
  ListenerHandoff& operator=(const ListenerHandoff&) = delete;

  // What the child's sendmsg passes, for the filter's exception.
  int child_socket() const { return child_.get(); }
  uint64_t message_address() const { return reinterpret_cast<uint64_t>(&message_); }

  // In the child, between fork and exec: async-signal-safe. Returns 0 or an errno.
  int SendFromChild(int listener_fd) noexcept;

  // In the parent after the fork: closes its copy of the child's end, then waits for the
  // listener. An invalid fd when the child ended (or failed before its filter) without
  // sending one.
  absl::StatusOr<UniqueFd> Receive();

 private:
  ListenerHandoff() = default;

  UniqueFd parent_, child_;
  msghdr message_{};
  iovec payload_{};
  char byte_ = 0;  // A stream socket carries no ancillary data without a byte.
  alignas(cmsghdr) char control_[CMSG_SPACE(sizeof(int))] = {};
};

}  // namespace cvlsm
