#include "seccomp/audit_listener.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace cvlsm {
namespace {

constexpr char kModule[] = "audit";
constexpr absl::string_view kNeedsUserNotif =
    "audit mode needs seccomp user notification (Linux >= 5.0)";

long Seccomp(unsigned int operation, unsigned int flags, void* args) {
  return ::syscall(SYS_seccomp, operation, flags, args);
}

// Errors as a status rather than an exception: e.g. a thread that joined another pid
// namespace (setns) cannot start threads (EINVAL).
template <typename... Args>
absl::StatusOr<std::thread> StartThread(Args&&... args) {
  try {
    return std::thread(std::forward<Args>(args)...);
  } catch (const std::system_error& error) {
    return ErrnoError(error.code().value(), "start a thread");
  }
}

absl::StatusOr<seccomp_notif_sizes> NotifSizes() {
  seccomp_notif_sizes sizes{};
  if (Seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    return ErrnoError(errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)", kNeedsUserNotif);
  }
  return sizes;
}

// Run on a thread of its own, whose filter (allow everything) goes with it: an answer with
// SECCOMP_USER_NOTIF_FLAG_CONTINUE to a notification that does not exist is ENOENT where
// the flag is known and EINVAL where it is not.
// On a probe thread (the filter stays with the thread, which then ends): a filter with a
// listener installs here, which fails with EBUSY where one of the process's filters already
// has one (a runtime's own listener); and with `needs_continue`, the listener can let a call
// run, which Linux >= 5.5 accepts (ENOENT for the made-up id) and older kernels refuse
// (EINVAL).
absl::Status ProbeListenerOnThisThread(bool needs_continue) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return ErrnoError(errno, "probing seccomp: set no_new_privs on a probe thread");
  }
  sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog program{.len = 1, .filter = &allow};
  const long fd = Seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
  if (fd < 0) {
    const int err = errno;
    return ErrnoError(err,
                      "probing seccomp: install a filter with "
                      "SECCOMP_FILTER_FLAG_NEW_LISTENER",
                      err == EBUSY ? "a filter of this process already has a listener (the "
                                     "runtime's own): run cv-lsm outside it"
                                   : kNeedsUserNotif);
  }
  UniqueFd listener(static_cast<int>(fd));
  if (!needs_continue) return absl::OkStatus();
  seccomp_notif_resp response{};
  response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &response) == 0 || errno == ENOENT) {
    return absl::OkStatus();
  }
  const int err = errno;
  return ErrnoError(err,
                    "probing seccomp: SECCOMP_IOCTL_NOTIF_SEND with "
                    "SECCOMP_USER_NOTIF_FLAG_CONTINUE",
                    err == EINVAL ? "audit mode needs a kernel that lets a notified syscall "
                                    "continue (Linux >= 5.5)"
                                  : "");
}

absl::Status ProbeListenerSupport(bool needs_continue) {
  uint32_t action = SECCOMP_RET_USER_NOTIF;
  if (Seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
    return ErrnoError(errno, "seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_USER_NOTIF)",
                      kNeedsUserNotif);
  }
  if (absl::StatusOr<seccomp_notif_sizes> sizes = NotifSizes(); !sizes.ok()) {
    return sizes.status();
  }
  absl::Status result;
  absl::StatusOr<std::thread> probe =
      StartThread([&] { result = ProbeListenerOnThisThread(needs_continue); });
  if (!probe.ok()) return Annotate(probe.status(), "probing seccomp");
  probe->join();
  return result;
}

// Answers notifications until told to stop, or no task uses the filter any more.
void Serve(UniqueFd listener, int stop_fd, SyscallAuditSink& sink, seccomp_notif_sizes sizes,
           ListenerAnswer answer) {
  // The kernel's structs may be larger than the headers' (SECCOMP_GET_NOTIF_SIZES).
  std::vector<char> request_buffer(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
  std::vector<char> response_buffer(
      std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
  auto* request = reinterpret_cast<seccomp_notif*>(request_buffer.data());
  auto* response = reinterpret_cast<seccomp_notif_resp*>(response_buffer.data());
  for (;;) {
    pollfd fds[] = {{.fd = listener.get(), .events = POLLIN, .revents = 0},
                    {.fd = stop_fd, .events = POLLIN, .revents = 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      Log(LogLevel::kError, kModule,
          absl::StrCat("poll on the seccomp listener: ", std::strerror(errno)));
      break;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) {
      if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) return;  // No task left.
      continue;
    }
    // The kernel refuses a request buffer that is not zeroed.
    std::fill(request_buffer.begin(), request_buffer.end(), 0);
    if (::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, request) != 0) {
      // ENOENT: the task went away (or a signal interrupted its call) before we took it.
      if (errno == EINTR || errno == ENOENT) continue;
      Log(LogLevel::kError, kModule,
          absl::StrCat("SECCOMP_IOCTL_NOTIF_RECV: ", std::strerror(errno)));
      break;
    }
    sink.WouldBeDenied(static_cast<pid_t>(request->pid), request->data.nr);
    std::fill(response_buffer.begin(), response_buffer.end(), 0);
    response->id = request->id;
    if (answer == ListenerAnswer::kContinue) {
      response->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
      response->error = -EPERM;
    }
    int rc;
    while ((rc = ::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, response)) != 0 &&
           errno == EINTR) {
    }
    // ENOENT: the task died or its call was interrupted meanwhile; nothing left to answer.
    if (rc != 0 && errno != ENOENT) {
      Log(LogLevel::kError, kModule,
          absl::StrCat("SECCOMP_IOCTL_NOTIF_SEND: ", std::strerror(errno)));
      break;
    }
  }
  Log(LogLevel::kError, kModule,
      "the syscall listener stopped: calls the policy refuses now fail with ENOSYS");
}

}  // namespace

absl::Status CheckSyscallAuditSupport() {
  // Only success is remembered: a failure may be this thread's (see StartThread).
  static std::atomic<bool> supported = false;
  if (supported.load()) return absl::OkStatus();
  absl::Status status = ProbeListenerSupport(/*needs_continue=*/true);
  if (status.ok()) supported.store(true);
  return status;
}

absl::Status CheckRefusalReportSupport() {
  // Asked once per launch: a listener installed elsewhere in the process may come and go.
  return ProbeListenerSupport(/*needs_continue=*/false);
}

absl::StatusOr<std::unique_ptr<SyscallAuditListener>> SyscallAuditListener::Start(
    UniqueFd listener, SyscallAuditSink& sink, ListenerAnswer answer) {
  if (!listener.valid()) return absl::InvalidArgumentError("no seccomp listener to serve");
  ASSIGN_OR_RETURN(seccomp_notif_sizes sizes, NotifSizes());
  std::unique_ptr<SyscallAuditListener> self(new SyscallAuditListener());
  self->stop_.Reset(::eventfd(0, EFD_CLOEXEC));
  if (!self->stop_.valid()) return ErrnoError(errno, "eventfd for the audit listener");

  // The thread inherits the mask: signals are for the launcher's own threads to take.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  absl::StatusOr<std::thread> thread =
      StartThread(Serve, std::move(listener), self->stop_.get(), std::ref(sink), sizes, answer);
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (!thread.ok()) return Annotate(thread.status(), "the audit listener");
  self->thread_ = *std::move(thread);
  return self;
}

void SyscallAuditListener::Stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  while (::write(stop_.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  thread_.join();
}

}  // namespace cvlsm
