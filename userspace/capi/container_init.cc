#include "capi/container_init.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "runtime/capabilities.h"

namespace cvlsm::capi {
namespace {

enum class InitStep : int { kJoinCgroup, kMounts, kRoot, kProc, kHostname, kFds, kCaps, kReady };

const char* InitStepName(InitStep step) {
  switch (step) {
    case InitStep::kJoinCgroup:
      return "join the container's cgroup";
    case InitStep::kMounts:
      return "make its mounts private";
    case InitStep::kRoot:
      return "switch to the root filesystem (pivot_root)";
    case InitStep::kProc:
      return "mount /proc";
    case InitStep::kHostname:
      return "set the hostname";
    case InitStep::kFds:
      return "close inherited descriptors";
    case InitStep::kCaps:
      return "drop its capabilities";
    case InitStep::kReady:
      return "start";
  }
  return "?";
}

struct InitReport {
  InitStep step;
  int err;
};

// Everything the init needs, prepared before clone: it runs in a copy of a possibly
// multithreaded process, so only raw syscalls from here on.
struct InitArgs {
  const char* root_fs;  // null: host root
  const char* hostname;
  size_t hostname_len;
  int procs_fd;
  int lifeline_fd;
  int report_fd;
  int last_capability;
  bool new_network;
};

[[noreturn]] void InitFail(const InitArgs& args, InitStep step, int err) {
  InitReport report{step, err};
  (void)!::write(args.report_fd, &report, sizeof(report));
  ::_exit(1);
}

int CloseRangeCloexec(unsigned first) {
  return static_cast<int>(::syscall(SYS_close_range, first, ~0u, CLOSE_RANGE_CLOEXEC));
}

// Closes every descriptor but 0-2 and the two the init keeps (a held copy of the host
// program's pipes or sockets would keep them open for the container's whole life).
int CloseInherited(int keep_a, int keep_b) {
  if (keep_a > keep_b) std::swap(keep_a, keep_b);
  unsigned ranges[3][2] = {{3, static_cast<unsigned>(keep_a) - 1},
                           {static_cast<unsigned>(keep_a) + 1, static_cast<unsigned>(keep_b) - 1},
                           {static_cast<unsigned>(keep_b) + 1, ~0u}};
  for (auto& range : ranges) {
    if (range[0] > range[1]) continue;
    if (::syscall(SYS_close_range, range[0], range[1], 0) != 0) {
      if (errno != ENOSYS) return errno;
      for (unsigned fd = range[0]; fd <= range[1] && fd < 65536; ++fd) ::close(fd);
    }
  }
  return 0;
}

void BringUpLoopback() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return;
  struct ifreq request {};
  std::memcpy(request.ifr_name, "lo", 3);
  if (::ioctl(sock, SIOCGIFFLAGS, &request) == 0) {
    request.ifr_flags |= IFF_UP;
    (void)::ioctl(sock, SIOCSIFFLAGS, &request);
  }
  ::close(sock);
}

int InitMain(void* raw) {
  const InitArgs& args = *static_cast<const InitArgs*>(raw);
  // In the cgroup first, so destroying the container kills the init whatever happens next.
  if (::write(args.procs_fd, "0", 1) != 1) InitFail(args, InitStep::kJoinCgroup, errno);
  ::close(args.procs_fd);
  // Nothing mounted in the container propagates to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    InitFail(args, InitStep::kMounts, errno);
  }
  if (args.root_fs) {
    // pivot_root (not chroot): the old root is detached, so no process of the container
    // can climb back to the host's tree, and setns into this mount namespace lands here.
    if (::mount(args.root_fs, args.root_fs, nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
        ::chdir(args.root_fs) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 ||
        ::umount2(".", MNT_DETACH) != 0 || ::chdir("/") != 0) {
      InitFail(args, InitStep::kRoot, errno);
    }
    // The container's own /proc (its pid namespace), where the root filesystem has one.
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 &&
        errno != ENOENT) {
      InitFail(args, InitStep::kProc, errno);
    }
  }
  if (::sethostname(args.hostname, args.hostname_len) != 0) {
    InitFail(args, InitStep::kHostname, errno);
  }
  if (args.new_network) BringUpLoopback();
  if (int err = CloseInherited(args.lifeline_fd, args.report_fd); err != 0) {
    InitFail(args, InitStep::kFds, err);
  }
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child, nullptr);
  int sigfd = ::signalfd(-1, &child, SFD_CLOEXEC);
  if (sigfd < 0) InitFail(args, InitStep::kFds, errno);
  // The init needs no privilege from here on: it only waits.
  if (int err = DropAllCapabilities(args.last_capability); err != 0) {
    InitFail(args, InitStep::kCaps, err);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) InitFail(args, InitStep::kCaps, errno);
  InitReport ready{InitStep::kReady, 0};
  if (::write(args.report_fd, &ready, sizeof(ready)) != sizeof(ready)) ::_exit(1);
  ::close(args.report_fd);

  struct pollfd fds[2] = {{args.lifeline_fd, POLLIN, 0}, {sigfd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) ::_exit(1);
    if (fds[0].revents != 0) ::_exit(0);  // the library process is gone (or destroyed us)
    if (fds[1].revents != 0) {
      struct signalfd_siginfo info;
      (void)!::read(sigfd, &info, sizeof(info));
      // Orphans of the container's processes are reparented to us.
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    }
  }
}

}  // namespace

int NamespaceEntry::ApplyInChild() const noexcept {
  // Mount last: the other descriptors were opened before, so the order does not matter to
  // them, but the mount namespace also moves the root.
  struct {
    int fd;
    int type;
  } entries[] = {{ipc_.get(), CLONE_NEWIPC},
                 {uts_.get(), CLONE_NEWUTS},
                 {net_.get(), CLONE_NEWNET},
                 {mnt_.get(), CLONE_NEWNS}};
  for (const auto& entry : entries) {
    if (::setns(entry.fd, entry.type) != 0) return errno;
  }
  // The caller's descriptors without O_CLOEXEC must not reach the container's program.
  if (CloseRangeCloexec(3) != 0 && errno != ENOSYS && errno != EINVAL) return errno;
  return 0;
}

absl::StatusOr<std::unique_ptr<ContainerInit>> ContainerInit::Start(const InitOptions& options) {
  std::unique_ptr<ContainerInit> init(new ContainerInit());
  UniqueFd procs(::open(options.cgroup_procs_file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs.valid()) return ErrnoError(errno, absl::StrCat("open ", options.cgroup_procs_file));
  int lifeline[2], report[2];
  if (::pipe2(lifeline, O_CLOEXEC) != 0) return ErrnoError(errno, "create the init's lifeline");
  UniqueFd lifeline_read(lifeline[0]);
  init->lifeline_.Reset(lifeline[1]);
  if (::pipe2(report, O_CLOEXEC) != 0) return ErrnoError(errno, "create the init's report pipe");
  UniqueFd report_read(report[0]), report_write(report[1]);

  InitArgs args{};
  args.root_fs = options.root_fs.empty() ? nullptr : options.root_fs.c_str();
  args.hostname = options.hostname.c_str();
  args.hostname_len = std::min<size_t>(options.hostname.size(), 64);
  args.procs_fd = procs.get();
  args.lifeline_fd = lifeline_read.get();
  args.report_fd = report_write.get();
  args.last_capability = LastCapability();
  args.new_network = options.new_network;

  // The child gets a copy of this stack mapping (no CLONE_VM), so it is freed right after.
  constexpr size_t kStackSize = 256 * 1024;
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return ErrnoError(errno, "allocate the init's stack");
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
  if (options.new_network) flags |= CLONE_NEWNET;
  pid_t pid = ::clone(InitMain, static_cast<char*>(stack) + kStackSize, flags, &args);
  int clone_errno = errno;
  ::munmap(stack, kStackSize);
  if (pid < 0) {
    return ErrnoError(clone_errno, "create the container's namespaces (clone)",
                      "containers need root (CAP_SYS_ADMIN)");
  }
  init->pid_ = pid;  // from here the destructor kills and reaps it
  report_write.Reset();
  lifeline_read.Reset();

  InitReport result{InitStep::kReady, EIO};
  ssize_t n;
  while ((n = ::read(report_read.get(), &result, sizeof(result))) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof(result))) {
    return absl::InternalError("the container's init died while starting");
  }
  if (result.step != InitStep::kReady || result.err != 0) {
    return ErrnoError(result.err, absl::StrCat("container init: ", InitStepName(result.step)));
  }

  auto open_ns = [pid](const char* name, UniqueFd& fd) -> absl::Status {
    std::string path = absl::StrCat("/proc/", pid, "/ns/", name);
    fd.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    return fd.valid() ? absl::OkStatus() : ErrnoError(errno, absl::StrCat("open ", path));
  };
  for (auto [name, fd] : {std::pair<const char*, UniqueFd*>{"ipc", &init->entry_.ipc_},
                          {"uts", &init->entry_.uts_},
                          {"net", &init->entry_.net_},
                          {"mnt", &init->entry_.mnt_},
                          {"pid", &init->pid_ns_}}) {
    RETURN_IF_ERROR(open_ns(name, *fd));
  }
  return init;
}

void ContainerInit::Kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

ContainerInit::~ContainerInit() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

absl::StatusOr<std::unique_ptr<ScopedPidNamespace>> ScopedPidNamespace::Enter(int pid_ns_fd) {
  std::unique_ptr<ScopedPidNamespace> scope(new ScopedPidNamespace());
  scope->own_.Reset(::open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC));
  if (!scope->own_.valid()) return ErrnoError(errno, "open /proc/thread-self/ns/pid");
  if (::setns(pid_ns_fd, CLONE_NEWPID) != 0) {
    return ErrnoError(errno, "enter the container's pid namespace for the next fork");
  }
  return scope;
}

ScopedPidNamespace::~ScopedPidNamespace() {
  // Back to the thread's own namespace, so the host program's later forks stay on the host.
  if (::setns(own_.get(), CLONE_NEWPID) != 0) {
    Log(LogLevel::kError, "containerv",
        absl::StrCat("cannot leave the container's pid namespace: ", std::strerror(errno)));
  }
}

}  // namespace cvlsm::capi
