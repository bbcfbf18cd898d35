#include "runtime/listener_handoff.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/errors.h"

namespace cvlsm {

absl::StatusOr<std::unique_ptr<ListenerHandoff>> ListenerHandoff::Create() {
  std::unique_ptr<ListenerHandoff> handoff(new ListenerHandoff());
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoError(errno, "socketpair for handing over the seccomp listener");
  }
  handoff->parent_.Reset(fds[0]);
  handoff->child_.Reset(fds[1]);
  handoff->payload_ = {.iov_base = &handoff->byte_, .iov_len = 1};
  handoff->message_.msg_iov = &handoff->payload_;
  handoff->message_.msg_iovlen = 1;
  handoff->message_.msg_control = handoff->control_;
  handoff->message_.msg_controllen = sizeof(handoff->control_);
  cmsghdr* header = CMSG_FIRSTHDR(&handoff->message_);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  return handoff;
}

int ListenerHandoff::SendFromChild(int listener_fd) noexcept {
  std::memcpy(CMSG_DATA(CMSG_FIRSTHDR(&message_)), &listener_fd, sizeof(int));
  // MSG_NOSIGNAL: should the launcher be gone, an error rather than SIGPIPE.
  if (::sendmsg(child_.get(), &message_, MSG_NOSIGNAL) != 1) return errno;
  return 0;
}

absl::StatusOr<UniqueFd> ListenerHandoff::Receive() {
  child_.Reset();  // Else the parent's own copy would keep the end of the stream away.
  char byte = 0;
  iovec payload{.iov_base = &byte, .iov_len = 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &payload;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t n;
  while ((n = ::recvmsg(parent_.get(), &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return ErrnoError(errno, "receive the seccomp listener from the confined command");
  if (n == 0) return UniqueFd();
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if ((message.msg_flags & MSG_CTRUNC) != 0 || header == nullptr ||
      header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
      header->cmsg_len != CMSG_LEN(sizeof(int))) {
    return ErrnoError(EPROTO, "receive the seccomp listener: the message carried no single fd");
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
  return UniqueFd(fd);
}

}  // namespace cvlsm
