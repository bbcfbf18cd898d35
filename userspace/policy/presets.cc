// The predefined policies. Each starts from the containerv seed lists and adds what its
// use case needs to actually run on a current glibc (checked by the VM preset tests).
#include <initializer_list>
#include <string_view>

#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/log.h"
#include "policy/policy.h"

namespace cvlsm {
namespace {

using Names = std::initializer_list<absl::string_view>;

// Minimal: basic CLI and data tools.
constexpr Names kMinimalSyscalls = {
    // file I/O
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "open",
    "openat",
    "openat2",
    "close",
    "close_range",
    "lseek",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "flock",
    "fsync",
    "fdatasync",
    "sendfile",
    "copy_file_range",
    "splice",
    "tee",
    "fadvise64",
    "readahead",
    "ftruncate",
    // file information (reading extended attributes included: ls asks for ACLs)
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "fstatfs",
    "statfs",
    // directories
    "getdents",
    "getdents64",
    "getcwd",
    "chdir",
    "fchdir",
    // memory
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "msync",
    "mincore",
    "membarrier",
    // process identity and limits
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getgroups",
    "getresuid",
    "getresgid",
    "getpgrp",
    "getpgid",
    "getsid",
    "uname",
    "arch_prctl",
    "set_tid_address",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "prlimit64",
    "getrlimit",
    "getrusage",
    "sched_getaffinity",
    "sched_yield",
    "sysinfo",
    "umask",
    "getcpu",
    // time
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "nanosleep",
    "clock_nanosleep",
    "times",
    // waiting for events
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    // devices, locks, randomness
    "ioctl",
    "futex",
    "getrandom",
    // signals and exit
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigpending",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "sigaltstack",
    "restart_syscall",
    "tgkill",
    "exit",
    "exit_group",
};

// Build: compilers and build systems, on top of Minimal. mount/umount2 from the seed list
// are left out on purpose: a build needs no mounts, the confined process has no
// capabilities so they could only fail, and allowing them only widens the kernel surface.
constexpr Names kBuildSyscalls = {
    "fork",
    "vfork",
    "clone",
    "clone3",
    "execve",
    "execveat",
    "wait4",
    "waitid",
    "kill",
    "setpgid",
    "setsid",
    "prctl",
    "getpriority",
    "setpriority",
    "sched_setaffinity",
    // posix_spawn with POSIX_SPAWN_RESETIDS (make) resets the effective ids; without
    // capabilities these can only move between the process's own ids.
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "pipe",
    "pipe2",
    "socketpair",
    "eventfd2",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "mkdir",
    "mkdirat",
    "rmdir",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "truncate",
    "fallocate",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "sync",
    "syncfs",
    "sync_file_range",
    "memfd_create",
};

// Network: servers and API clients, on top of Minimal. Threads (clone without namespace
// flags) and the event primitives of common event loops are part of serving.
constexpr Names kNetworkSyscalls = {
    "socket",
    "bind",
    "connect",
    "listen",
    "accept",
    "accept4",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "send",
    "recv",
    "setsockopt",
    "getsockopt",
    "getsockname",
    "getpeername",
    "shutdown",
    "socketpair",
    "clone",
    "clone3",
    "wait4",
    "eventfd2",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_gettime",
    "signalfd4",
    "pipe2",
    "kill",
};

using Paths = std::initializer_list<PresetPath>;

constexpr Paths kMinimalPaths = {
    {"/lib", kRead | kExec},
    {"/lib64", kRead | kExec},
    {"/usr/lib", kRead | kExec},
    {"/bin", kRead | kExec},
    {"/usr/bin", kRead | kExec},
    {"/dev/null", kRead | kWrite},
    {"/dev/zero", kRead | kWrite},
    {"/dev/urandom", kRead | kWrite},
    {"/proc/self", kRead},
    {"/sys/devices/system/cpu", kRead},
    // What glibc and coreutils read at start and to print names and times.
    {"/etc/ld.so.cache", kRead},
    {"/etc/localtime", kRead},
    {"/etc/nsswitch.conf", kRead},
    {"/etc/passwd", kRead},
    {"/etc/group", kRead},
    {"/usr/share/zoneinfo", kRead},
    {"/usr/share/locale", kRead},
};

constexpr Paths kBuildPaths = {
    {"/usr/include", kRead},
    {"/usr/libexec", kRead | kExec},
    {"/usr/share/make", kRead},
    {"/tmp", kRead | kWrite},
};

constexpr Paths kNetworkPaths = {
    {"/etc/hosts", kRead},     {"/etc/host.conf", kRead}, {"/etc/resolv.conf", kRead},
    {"/etc/services", kRead},  {"/etc/protocols", kRead}, {"/etc/gai.conf", kRead},
    {"/etc/ssl/certs", kRead},
};

void AddPresetSyscalls(Policy& policy, Names names) {
  for (absl::string_view name : names) {
    // The lists are ours: a name libseccomp rejects is a bug in this file, not user input.
    if (absl::Status status = policy.AddSyscall(name); !status.ok()) {
      LogWarning("policy", ErrorText(status));
    }
  }
}

}  // namespace

// Preset paths that do not exist on a machine (e.g. /lib64 off x86_64) are optional.
void Policy::AddPresetPaths(std::initializer_list<PresetPath> paths) {
  for (const PresetPath& entry : paths) {
    PathModes& modes = paths_[std::string(entry.path)];
    modes.allow |= entry.modes;
    modes.required = false;
  }
}

Policy Policy::Preset(PolicyType type) {
  Policy policy(type);
  if (type == PolicyType::kCustom) return policy;
  AddPresetSyscalls(policy, kMinimalSyscalls);
  policy.AddPresetPaths(kMinimalPaths);
  if (type == PolicyType::kBuild) {
    AddPresetSyscalls(policy, kBuildSyscalls);
    policy.AddPresetPaths(kBuildPaths);
  } else if (type == PolicyType::kNetwork) {
    AddPresetSyscalls(policy, kNetworkSyscalls);
    policy.AddPresetPaths(kNetworkPaths);
  }
  return policy;
}

}  // namespace cvlsm
