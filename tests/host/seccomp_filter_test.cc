// Installs compiled filters in forked children on the host (root) and checks what the kernel
// answers. Each case runs a probe in a child that sets no_new_privs and installs the filter;
// the probe's return value becomes the child's exit code, and the parent asserts on the wait
// status. Refusals are checked against an unconfined run of the same probe, so an EPERM
// that the kernel would have returned anyway does not count as the filter's work.
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/unique_fd.h"
#include "gtest/gtest.h"
#include "policy/policy.h"
#include "seccomp/syscall_filter.h"

extern char** environ;

namespace cvlsm {
namespace {

// Exit codes of the child harness itself, above any errno a probe returns.
constexpr int kSetupFailed = 250;
constexpr int kProbeFailed = 251;

struct ChildResult {
  int status = 0;      // Raw wait status.
  std::string output;  // What the probe wrote to its fd.
};

std::string Describe(int status) {
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    std::string text = "exited " + std::to_string(code);
    if (code > 0 && code < 200) text += std::string(" (") + strerrorname_np(code) + ")";
    return text;
  }
  if (WIFSIGNALED(status)) return std::string("killed by ") + sigabbrev_np(WTERMSIG(status));
  return "status " + std::to_string(status);
}

::testing::AssertionResult ExitedWith(const ChildResult& result, int code) {
  if (WIFEXITED(result.status) && WEXITSTATUS(result.status) == code) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "child " << Describe(result.status) << ", expected exit " << code
         << (code > 0 && code < 200 ? std::string(" (") + strerrorname_np(code) + ")" : "");
}

// Runs `probe(out_fd)` in a forked child, confined by `filter` unless it is null, and
// returns how the child ended. The probe's return value is the exit code.
ChildResult RunInChild(const SyscallFilter* filter, const std::function<int(int)>& probe) {
  ChildResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    // Between fork and _exit: no gtest, no allocation after the filter is in.
    ::close(read_end.Release());
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(kSetupFailed);
    if (filter != nullptr && filter->InstallInCurrentThread() != 0) _exit(kSetupFailed);
    _exit(probe(write_end.get()));
  }
  write_end.Reset();
  char buffer[256];
  for (;;) {
    const ssize_t n = read(read_end.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

ChildResult RunConfined(const SyscallFilter& filter, const std::function<int(int)>& probe) {
  return RunInChild(&filter, probe);
}

ChildResult RunUnconfined(const std::function<int(int)>& probe) {
  return RunInChild(nullptr, probe);
}

// The errno of a failed raw syscall, 0 on success.
int ErrnoOf(long rc) { return rc == -1 ? errno : 0; }

// A Custom policy with exit_group (the child must be able to end) and `names`.
Policy CustomPolicy(std::initializer_list<absl::string_view> names) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  EXPECT_TRUE(policy.AddSyscall("exit_group").ok());
  for (absl::string_view name : names) {
    absl::Status status = policy.AddSyscall(name);
    EXPECT_TRUE(status.ok()) << status;
  }
  return policy;
}

SyscallFilter MustBuild(const Policy& policy, const SyscallFilterOptions& options = {}) {
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy, options);
  if (!filter.ok()) {
    ADD_FAILURE() << filter.status();
    return *SyscallFilter::Build(Policy::Preset(PolicyType::kCustom));
  }
  return *std::move(filter);
}

TEST(SeccompFilterHostTest, DeniedSyscallGetsEperm) {
  const SyscallFilter filter = MustBuild(CustomPolicy({}));
  EXPECT_TRUE(ExitedWith(RunUnconfined([](int) { return ErrnoOf(syscall(SYS_getpid)); }), 0));
  EXPECT_TRUE(
      ExitedWith(RunConfined(filter, [](int) { return ErrnoOf(syscall(SYS_getpid)); }), EPERM));
}

TEST(SeccompFilterHostTest, AllowedSyscallsWork) {
  const SyscallFilter filter = MustBuild(CustomPolicy({"getpid", "write"}));
  const ChildResult result = RunConfined(filter, [](int out) {
    if (syscall(SYS_getpid) <= 0) return errno;
    return write(out, "ok", 2) == 2 ? 0 : errno;
  });
  EXPECT_TRUE(ExitedWith(result, 0));
  EXPECT_EQ(result.output, "ok");
}

// Calls with arguments that fail early and harmlessly when nothing blocks them (bad fd,
// NULL pointer, invalid flags), so the unconfined run shows the kernel's own answer.
struct BlockedProbe {
  absl::string_view name;
  long (*call)();
};

const BlockedProbe kBlockedProbes[] = {
    {"ptrace", [] { return ptrace(PTRACE_TRACEME, 0, nullptr, nullptr); }},
    {"perf_event_open", [] { return syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }},
    {"userfaultfd", [] { return syscall(SYS_userfaultfd, O_CLOEXEC); }},
    {"add_key", [] { return syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0); }},
    {"keyctl", [] { return syscall(SYS_keyctl, -1L, 0, 0, 0, 0); }},
    {"request_key", [] { return syscall(SYS_request_key, nullptr, nullptr, nullptr, 0); }},
    {"mbind", [] { return syscall(SYS_mbind, 0L, 0L, 0, nullptr, 0L, 0U); }},
    {"set_mempolicy", [] { return syscall(SYS_set_mempolicy, 0, nullptr, 0); }},
    {"migrate_pages", [] { return syscall(SYS_migrate_pages, 0, 0, nullptr, nullptr); }},
    {"move_pages", [] { return syscall(SYS_move_pages, 0, 0, nullptr, nullptr, nullptr, 0); }},
    {"bpf", [] { return syscall(SYS_bpf, -1, nullptr, 0); }},
    // More segments than KEXEC_SEGMENT_MAX: refused before anything is loaded or unloaded.
    {"kexec_load", [] { return syscall(SYS_kexec_load, 0, 1000, nullptr, 0); }},
    {"kexec_file_load", [] { return syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, ~0UL); }},
    {"init_module", [] { return syscall(SYS_init_module, nullptr, 0, ""); }},
    {"finit_module", [] { return syscall(SYS_finit_module, -1, "", 0); }},
    {"delete_module", [] { return syscall(SYS_delete_module, nullptr, 0); }},
    {"open_by_handle_at", [] { return syscall(SYS_open_by_handle_at, -1, nullptr, 0); }},
    {"pivot_root", [] { return syscall(SYS_pivot_root, nullptr, nullptr); }},
    {"setns", [] { return syscall(SYS_setns, -1, 0); }},
    {"mount", [] { return syscall(SYS_mount, nullptr, nullptr, nullptr, 0, nullptr); }},
    {"umount2", [] { return syscall(SYS_umount2, nullptr, 0); }},
    {"fsopen", [] { return syscall(SYS_fsopen, nullptr, 0); }},
    {"fsmount", [] { return syscall(SYS_fsmount, -1, 0, 0); }},
    {"fsconfig", [] { return syscall(SYS_fsconfig, -1, 0, nullptr, nullptr, 0); }},
    {"move_mount", [] { return syscall(SYS_move_mount, -1, nullptr, -1, nullptr, 0); }},
    {"open_tree", [] { return syscall(SYS_open_tree, -1, nullptr, 0); }},
    {"io_uring_setup", [] { return syscall(SYS_io_uring_setup, 0, nullptr); }},
    {"io_uring_enter", [] { return syscall(SYS_io_uring_enter, -1, 0, 0, 0, nullptr, 0); }},
    {"io_uring_register", [] { return syscall(SYS_io_uring_register, -1, 0, nullptr, 0); }},
};

TEST(SeccompFilterHostTest, EveryAlwaysBlockedSyscallHasAProbe) {
  std::set<absl::string_view> probed;
  for (const BlockedProbe& probe : kBlockedProbes) probed.insert(probe.name);
  for (const AlwaysBlocked& entry : AlwaysBlockedSyscalls()) {
    EXPECT_TRUE(probed.contains(entry.name)) << entry.name;
  }
}

class AlwaysBlockedTest : public ::testing::TestWithParam<BlockedProbe> {};

TEST_P(AlwaysBlockedTest, RefusedEvenWhenThePolicyAllowsIt) {
  const BlockedProbe& blocked = GetParam();
  const auto probe = [&](int) { return ErrnoOf(blocked.call()); };
  const ChildResult unconfined = RunUnconfined(probe);
  ASSERT_FALSE(ExitedWith(unconfined, EPERM))
      << blocked.name << " already fails with EPERM unconfined: the probe proves nothing here";
  const SyscallFilter filter = MustBuild(CustomPolicy({blocked.name}));
  ASSERT_EQ(filter.overridden_syscalls(), std::vector<std::string>{std::string(blocked.name)});
  EXPECT_TRUE(ExitedWith(RunConfined(filter, probe), EPERM))
      << blocked.name << " (unconfined: " << Describe(unconfined.status) << ")";
}

INSTANTIATE_TEST_SUITE_P(AllProbes, AlwaysBlockedTest, ::testing::ValuesIn(kBlockedProbes),
                         [](const ::testing::TestParamInfo<BlockedProbe>& info) {
                           return std::string(info.param.name);
                         });

// Raw clone(flags) like fork; the new child exits at once and is reaped. 0 on success.
int CloneAndReap(unsigned long flags) {
  const long pid = syscall(SYS_clone, flags | SIGCHLD, 0, nullptr, nullptr, 0);
  if (pid == 0) _exit(0);
  if (pid < 0) return errno;
  int status = 0;
  if (syscall(SYS_wait4, pid, &status, 0, nullptr) != pid) return kProbeFailed;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : kProbeFailed;
}

constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
                                             CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
                                             CLONE_NEWNET};

TEST(SeccompFilterHostTest, CloneRefusesNamespacesButForks) {
  const SyscallFilter filter = MustBuild(CustomPolicy({"clone", "wait4"}));
  EXPECT_TRUE(ExitedWith(RunConfined(filter, [](int) { return CloneAndReap(0); }), 0));
  // Root could create all of these unconfined.
  EXPECT_TRUE(ExitedWith(RunUnconfined([](int) { return CloneAndReap(CLONE_NEWUSER); }), 0));
  for (unsigned long flag : kNamespaceFlags) {
    EXPECT_TRUE(ExitedWith(RunConfined(filter, [&](int) { return CloneAndReap(flag); }), EPERM))
        << "clone flag 0x" << std::hex << flag;
    // Hidden among other flags, and with the upper 32 bits set.
    const unsigned long noisy = flag | CLONE_FILES | 0xffff000000000000UL;
    EXPECT_TRUE(ExitedWith(RunConfined(filter, [&](int) { return CloneAndReap(noisy); }), EPERM))
        << "clone flags 0x" << std::hex << noisy;
  }
}

TEST(SeccompFilterHostTest, UnshareRefusesNamespaces) {
  const SyscallFilter filter = MustBuild(CustomPolicy({"unshare"}));
  EXPECT_TRUE(ExitedWith(RunUnconfined([](int) { return ErrnoOf(unshare(CLONE_NEWUSER)); }), 0));
  EXPECT_TRUE(
      ExitedWith(RunConfined(filter, [](int) { return ErrnoOf(unshare(CLONE_NEWUSER)); }), EPERM));
  EXPECT_TRUE(
      ExitedWith(RunConfined(filter, [](int) { return ErrnoOf(unshare(CLONE_NEWTIME)); }), EPERM));
  for (unsigned long flag : kNamespaceFlags) {
    EXPECT_TRUE(ExitedWith(
        RunConfined(filter, [&](int) { return ErrnoOf(syscall(SYS_unshare, flag)); }), EPERM))
        << "unshare flag 0x" << std::hex << flag;
  }
  // Flags that create no namespace stay allowed.
  EXPECT_TRUE(ExitedWith(
      RunConfined(filter, [](int) { return ErrnoOf(unshare(CLONE_FILES | CLONE_FS)); }), 0));
}

int Clone3AndReap() {
  clone_args args{};
  args.exit_signal = SIGCHLD;
  const long pid = syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) _exit(0);
  if (pid < 0) return errno;
  syscall(SYS_wait4, pid, nullptr, 0, nullptr);
  return 0;
}

TEST(SeccompFilterHostTest, Clone3ReturnsEnosysWhenCloneIsAllowed) {
  EXPECT_TRUE(ExitedWith(RunUnconfined([](int) { return Clone3AndReap(); }), 0));
  for (absl::string_view name : {"clone", "clone3"}) {
    const SyscallFilter filter = MustBuild(CustomPolicy({name, "wait4"}));
    EXPECT_TRUE(ExitedWith(RunConfined(filter, [](int) { return Clone3AndReap(); }), ENOSYS))
        << name;
    // What glibc falls back to (also granted when the policy names clone3 only).
    EXPECT_TRUE(ExitedWith(RunConfined(filter, [](int) { return CloneAndReap(0); }), 0)) << name;
  }
  const SyscallFilter without = MustBuild(CustomPolicy({"wait4"}));
  EXPECT_TRUE(ExitedWith(RunConfined(without, [](int) { return Clone3AndReap(); }), EPERM));
  EXPECT_TRUE(ExitedWith(RunConfined(without, [](int) { return CloneAndReap(0); }), EPERM));
}

TEST(SeccompFilterHostTest, ThreadsWorkUnderNetworkPreset) {
  // glibc's pthread_create tries clone3 first and falls back to clone on ENOSYS.
  const SyscallFilter filter = MustBuild(Policy::Preset(PolicyType::kNetwork));
  const ChildResult result = RunConfined(filter, [](int) {
    pthread_t thread;
    static int value = 0;
    const int rc = pthread_create(
        &thread, nullptr,
        [](void*) -> void* {
          value = 42;
          return nullptr;
        },
        nullptr);
    if (rc != 0) return rc;
    if (pthread_join(thread, nullptr) != 0) return kProbeFailed;
    return value == 42 ? 0 : kProbeFailed;
  });
  EXPECT_TRUE(ExitedWith(result, 0));
}

TEST(SeccompFilterHostTest, ForkWorksUnderBuildPreset) {
  const SyscallFilter filter = MustBuild(Policy::Preset(PolicyType::kBuild));
  const ChildResult result = RunConfined(filter, [](int) {
    const pid_t pid = fork();
    if (pid == 0) _exit(7);
    if (pid < 0) return errno;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : kProbeFailed;
  });
  EXPECT_TRUE(ExitedWith(result, 0));
}

int IoctlErrno(int fd, uint64_t cmd) {
  int dummy = 0;
  return ErrnoOf(syscall(SYS_ioctl, fd, cmd, &dummy));
}

TEST(SeccompFilterHostTest, IoctlRefusesTerminalInjectionHoweverUpperBitsAreSet) {
  const SyscallFilter filter = MustBuild(CustomPolicy({"ioctl", "write"}));
  // On fd -1 the kernel answers EBADF for whatever the filter lets through.
  for (uint64_t cmd : {uint64_t{TIOCSTI}, uint64_t{0x100005412}, uint64_t{0xffffffff00005412},
                       uint64_t{TIOCLINUX}, uint64_t{0x10000541c}, uint64_t{0x800000000000541c},
                       uint64_t{FIOSETOWN}, uint64_t{0xffffffff00008902}}) {
    EXPECT_TRUE(ExitedWith(RunUnconfined([&](int) { return IoctlErrno(-1, cmd); }), EBADF))
        << std::hex << cmd;
    EXPECT_TRUE(ExitedWith(RunConfined(filter, [&](int) { return IoctlErrno(-1, cmd); }), EPERM))
        << "cmd 0x" << std::hex << cmd;
  }
  // Everything else gets through: every low 16-bit value and a pseudo-random sample of full
  // 64-bit values, with assorted upper halves. The child writes the commands it got wrong.
  const ChildResult sweep = RunConfined(filter, [](int out) {
    int mismatches = 0;
    auto check = [&](uint64_t cmd) {
      const uint32_t low = static_cast<uint32_t>(cmd);
      const std::span<const uint32_t> refused = RefusedIoctlCommands();
      const int expected =
          std::find(refused.begin(), refused.end(), low) != refused.end() ? EPERM : EBADF;
      if (IoctlErrno(-1, cmd) != expected && ++mismatches <= 16) {
        if (write(out, &cmd, sizeof(cmd)) != sizeof(cmd)) mismatches = 1000;
      }
    };
    for (uint64_t upper : {uint64_t{0}, uint64_t{1}, uint64_t{0xffffffff}, uint64_t{0x80000000}}) {
      for (uint64_t low = 0; low <= 0xffff; ++low) check(upper << 32 | low);
      for (uint64_t low : {0x7fffffffULL, 0x80000000ULL, 0xfffffffeULL, 0xffffffffULL}) {
        check(upper << 32 | low);
      }
    }
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64
      check(x);
    }
    return mismatches == 0 ? 0 : kProbeFailed;
  });
  EXPECT_TRUE(ExitedWith(sweep, 0));
  for (size_t i = 0; i + sizeof(uint64_t) <= sweep.output.size(); i += sizeof(uint64_t)) {
    uint64_t cmd;
    std::memcpy(&cmd, sweep.output.data() + i, sizeof(cmd));
    ADD_FAILURE() << "ioctl cmd 0x" << std::hex << cmd << " got the wrong answer";
  }
}

TEST(SeccompFilterHostTest, IoctlOnRealFdWorks) {
  const SyscallFilter filter = MustBuild(CustomPolicy({"ioctl", "write"}));
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  const ChildResult result = RunConfined(filter, [&](int) {
    int queued = 0;
    if (ioctl(read_end.get(), FIONREAD, &queued) != 0) return errno;
    return queued == 3 ? 0 : kProbeFailed;
  });
  EXPECT_TRUE(ExitedWith(result, 0));
}

// The i386 entry and x32 numbers are ABIs an x86_64 process can reach without an exec. An
// arm64 process has no such second entry (AArch32 calls need a 32-bit program), so these
// tests exist on x86_64 only.
#if defined(__x86_64__)
::testing::AssertionResult KilledBy(const ChildResult& result, int signal) {
  if (WIFSIGNALED(result.status) && WTERMSIG(result.status) == signal) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "child " << Describe(result.status) << ", expected death by " << sigabbrev_np(signal);
}

// getpid through the i386 entry point; returns the raw result.
long Int80Getpid() {
  long ret;
  asm volatile("int $0x80"
               : "=a"(ret)
               : "a"(20)  // __NR_getpid on i386
               : "memory", "cc", "r8", "r9", "r10", "r11");
  return ret;
}

TEST(SeccompFilterHostTest, I386EntryKillsTheProcess) {
  const ChildResult probe =
      RunUnconfined([](int) { return Int80Getpid() == syscall(SYS_getpid) ? 0 : kProbeFailed; });
  if (!ExitedWith(probe, 0)) {
    // No IA32 emulation: there is no i386 entry to get around the filter with. The same
    // suite runs in the VM matrix, whose Debian kernels have it on, and checks it there.
    RecordProperty("ia32_entry", "absent: " + Describe(probe.status));
    std::cout << "note: this kernel has no i386 syscall entry (" << Describe(probe.status)
              << "); nothing to bypass here, checked in the VM suite\n";
    EXPECT_FALSE(ExitedWith(probe, 0));
    return;
  }
  const SyscallFilter filter = MustBuild(CustomPolicy({"getpid"}));
  EXPECT_TRUE(ExitedWith(RunConfined(filter, [](int) { return ErrnoOf(syscall(SYS_getpid)); }), 0));
  EXPECT_TRUE(
      KilledBy(RunConfined(filter, [](int) { return static_cast<int>(Int80Getpid()); }), SIGSYS));
}

TEST(SeccompFilterHostTest, X32NumbersKillTheProcess) {
  constexpr long kX32SyscallBit = 0x40000000;
  const ChildResult unconfined =
      RunUnconfined([](int) { return ErrnoOf(syscall(kX32SyscallBit | SYS_getpid)); });
  // For the record: 0 if the kernel has x32 enabled, ENOSYS otherwise.
  RecordProperty("x32_unconfined", Describe(unconfined.status));
  const SyscallFilter filter = MustBuild(CustomPolicy({"getpid"}));
  const ChildResult confined =
      RunConfined(filter, [](int) { return ErrnoOf(syscall(kX32SyscallBit | SYS_getpid)); });
  EXPECT_FALSE(ExitedWith(confined, 0)) << "an x32 getpid went through the filter";
  // libseccomp sends x32 numbers to the bad-arch action (see syscall_filter.cc).
  EXPECT_TRUE(KilledBy(confined, SIGSYS));
}

#endif  // defined(__x86_64__)

TEST(SeccompFilterHostTest, LaunchExecExceptionAllowsOnlyThatPointer) {
  static const char kTrue[] = "/bin/true";
  ASSERT_EQ(access(kTrue, X_OK), 0) << kTrue << " is needed for this test";
  const Policy minimal = Policy::Preset(PolicyType::kMinimal);
  ASSERT_FALSE(minimal.syscalls().contains("execve"));
  const SyscallFilter filter =
      MustBuild(minimal, {.launch_exec_path = reinterpret_cast<uint64_t>(kTrue)});
  constexpr int kCopyNotRefused = 201;
  const ChildResult result = RunConfined(filter, [](int) {
    char copy[sizeof(kTrue)];
    std::memcpy(copy, kTrue, sizeof(kTrue));
    char* argv[] = {copy, nullptr};
    // Same string, other address: refused.
    if (execve(copy, argv, environ) == 0 || errno != EPERM) return kCopyNotRefused;
    execve(kTrue, argv, environ);
    return errno;  // Only reached if the exec failed.
  });
  // /bin/true ran (and could start under the minimal preset).
  EXPECT_TRUE(ExitedWith(result, 0));

  // Without the option, the same exec is refused.
  const SyscallFilter no_launch = MustBuild(minimal);
  EXPECT_TRUE(ExitedWith(RunConfined(no_launch,
                                     [](int) {
                                       char* argv[] = {const_cast<char*>(kTrue), nullptr};
                                       execve(kTrue, argv, environ);
                                       return errno;
                                     }),
                         EPERM));
}

TEST(SeccompFilterHostTest, LaunchExecOptionDoesNotNarrowAnAllowedExecve) {
  static const char kTrue[] = "/bin/true";
  const SyscallFilter filter = MustBuild(Policy::Preset(PolicyType::kBuild),
                                         {.launch_exec_path = reinterpret_cast<uint64_t>(kTrue)});
  const ChildResult result = RunConfined(filter, [](int) {
    char copy[sizeof(kTrue)];
    std::memcpy(copy, kTrue, sizeof(kTrue));
    char* argv[] = {copy, nullptr};
    execve(copy, argv, environ);
    return errno;
  });
  EXPECT_TRUE(ExitedWith(result, 0));
}

}  // namespace
}  // namespace cvlsm
