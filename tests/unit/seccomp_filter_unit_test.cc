// Building a seccomp filter needs no privileges: these tests compile policies and run the
// resulting program in a small BPF interpreter instead of the kernel.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "policy/policy.h"
#include "seccomp/syscall_filter.h"
#include "support/seccomp_eval.h"
#include "testing/bpf_evaluator.h"

namespace cvlsm {

namespace {

using Names = std::vector<std::string>;

class PresetFilterTest : public ::testing::TestWithParam<PolicyType> {};

TEST_P(PresetFilterTest, Builds) {
  const Policy policy = Policy::Preset(GetParam());
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_GT(filter->instruction_count(), 0u);
  EXPECT_LE(filter->instruction_count(), static_cast<size_t>(BPF_MAXINSNS));
  // The presets leave the always-blocked syscalls out on purpose.
  EXPECT_EQ(filter->overridden_syscalls(), Names{});
}

TEST_P(PresetFilterTest, BuildsWithLaunchExecException) {
  static const char kPath[] = "/bin/true";
  const Policy policy = Policy::Preset(GetParam());
  absl::StatusOr<SyscallFilter> filter =
      SyscallFilter::Build(policy, {.launch_exec_path = reinterpret_cast<uint64_t>(kPath)});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_GT(filter->instruction_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllPresets, PresetFilterTest,
                         ::testing::Values(PolicyType::kMinimal, PolicyType::kBuild,
                                           PolicyType::kNetwork, PolicyType::kCustom),
                         [](const ::testing::TestParamInfo<PolicyType>& info) {
                           return std::string(PolicyTypeName(info.param));
                         });

TEST(SyscallFilterTest, EmptyCustomPolicyBuildsDenyAll) {
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(Policy::Preset(PolicyType::kCustom));
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_GT(filter->instruction_count(), 0u);
}

TEST(SyscallFilterTest, ReportsPtraceAsOverridden) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddSyscall("read").ok());
  ASSERT_TRUE(policy.AddSyscall("ptrace").ok());
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->overridden_syscalls(), Names{"ptrace"});
}

TEST(SyscallFilterTest, ReportsEveryOverriddenSyscallOnce) {
  Policy policy = Policy::Preset(PolicyType::kMinimal);
  for (absl::string_view name : {"bpf", "mount", "io_uring_setup", "bpf"}) {
    ASSERT_TRUE(policy.AddSyscall(name).ok()) << name;
  }
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->overridden_syscalls(), (Names{"bpf", "io_uring_setup", "mount"}));
}

TEST(SyscallFilterTest, AllAlwaysBlockedInPolicyAreOverridden) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  std::set<std::string> expected;
  for (const AlwaysBlocked& entry : AlwaysBlockedSyscalls()) {
    ASSERT_TRUE(policy.AddSyscall(entry.name).ok()) << entry.name;
    expected.emplace(entry.name);
  }
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy);
  ASSERT_TRUE(filter.ok()) << filter.status();
  const std::set<std::string> overridden(filter->overridden_syscalls().begin(),
                                         filter->overridden_syscalls().end());
  EXPECT_EQ(overridden, expected);
}

TEST(SyscallFilterTest, SkipsSyscallsOfOtherAbis) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  // "send" and "recv" exist on some ABIs only (not on x86_64).
  ASSERT_TRUE(policy.AddSyscall("send").ok());
  ASSERT_TRUE(policy.AddSyscall("recv").ok());
  ASSERT_TRUE(policy.AddSyscall("write").ok());
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->overridden_syscalls(), Names{});
}

TEST(SyscallFilterTest, SpecialCasedSyscallsBuild) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  for (absl::string_view name : {"clone", "clone3", "unshare", "ioctl", "execve"}) {
    ASSERT_TRUE(policy.AddSyscall(name).ok()) << name;
  }
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy, {.launch_exec_path = 0x1000});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_GT(filter->instruction_count(), 0u);
}

TEST(SyscallFilterTest, MovedFromFilterRefusesToInstall) {
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(Policy::Preset(PolicyType::kMinimal));
  ASSERT_TRUE(filter.ok()) << filter.status();
  SyscallFilter moved = *std::move(filter);
  EXPECT_GT(moved.instruction_count(), 0u);
  // An empty program would be EINVAL from the kernel too; refusing early keeps it explicit.
  EXPECT_EQ(filter->instruction_count(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(filter->InstallInCurrentThread(), EINVAL);
}

TEST(AlwaysBlockedSyscallsTest, ContainsTheDocumentedList) {
  std::set<absl::string_view> names;
  for (const AlwaysBlocked& entry : AlwaysBlockedSyscalls()) {
    EXPECT_FALSE(entry.reason.empty()) << entry.name;
    EXPECT_TRUE(names.insert(entry.name).second) << "duplicate " << entry.name;
  }
  const std::set<absl::string_view> expected = {
      "ptrace",
      "perf_event_open",
      "userfaultfd",
      "add_key",
      "keyctl",
      "request_key",
      "mbind",
      "set_mempolicy",
      "migrate_pages",
      "move_pages",
      "bpf",
      "kexec_load",
      "kexec_file_load",
      "init_module",
      "finit_module",
      "delete_module",
      "open_by_handle_at",
      "pivot_root",
      "setns",
      "mount",
      "umount2",
      "fsopen",
      "fsmount",
      "fsconfig",
      "move_mount",
      "open_tree",
      "io_uring_setup",
      "io_uring_enter",
      "io_uring_register",
  };
  EXPECT_EQ(names, expected);
}

TEST(AlwaysBlockedSyscallsTest, NamesAreKnownToLibseccomp) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  for (const AlwaysBlocked& entry : AlwaysBlockedSyscalls()) {
    EXPECT_TRUE(policy.AddSyscall(entry.name).ok()) << entry.name;
  }
}

// The program's verdicts are checked in the user-space evaluator, so inputs the host cannot
// produce (e.g. i386 without IA32 emulation) are covered too.
class FilterProgramTest : public ::testing::Test {
 protected:
  static seccomp_data Call(int nr, uint64_t arg0 = 0, uint64_t arg1 = 0,
                           uint32_t arch = AUDIT_ARCH_X86_64) {
    return SeccompCall(nr, arg0, arg1, arch);
  }
  uint32_t Verdict(const SyscallFilter& filter, const seccomp_data& data) {
    return FilterVerdict(filter, data);
  }

  static constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
  static constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
  static constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
  static constexpr uint32_t kKill = SECCOMP_RET_KILL_PROCESS;
};

SyscallFilter BuildOrDie(const Policy& policy, const SyscallFilterOptions& options = {}) {
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy, options);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return *std::move(filter);
}

#if defined(__x86_64__)
TEST_F(FilterProgramTest, OtherAbisAreKilled) {
  const SyscallFilter filter = BuildOrDie(Policy::Preset(PolicyType::kMinimal));
  EXPECT_EQ(Verdict(filter, Call(SYS_getpid)), kAllow);
  // i386 getpid (20) and the i386 number of an allowed x86_64 syscall.
  EXPECT_EQ(Verdict(filter, Call(20, 0, 0, AUDIT_ARCH_I386)), kKill);
  EXPECT_EQ(Verdict(filter, Call(SYS_getpid, 0, 0, AUDIT_ARCH_I386)), kKill);
  // x32 shares AUDIT_ARCH_X86_64 and is told apart by bit 30 of the number.
  EXPECT_EQ(Verdict(filter, Call(0x40000000 | SYS_getpid)), kKill);
  EXPECT_EQ(Verdict(filter, Call(0x40000000 | SYS_read)), kKill);
  EXPECT_EQ(Verdict(filter, Call(0x7fffffff)), kKill);
  // -1 (a tracer skipping the syscall) and unknown native numbers get the default.
  EXPECT_EQ(Verdict(filter, Call(-1)), kEperm);
  EXPECT_EQ(Verdict(filter, Call(1000)), kEperm);
}
#endif

TEST_F(FilterProgramTest, AllowListAndDefaultDeny) {
  const SyscallFilter filter = BuildOrDie(Policy::Preset(PolicyType::kMinimal));
  for (int nr : {SYS_read, SYS_write, SYS_exit_group, SYS_mmap}) {
    EXPECT_EQ(Verdict(filter, Call(nr)), kAllow) << nr;
  }
  for (int nr : {SYS_socket, SYS_execve, SYS_ptrace, SYS_clone, SYS_clone3, SYS_unshare}) {
    EXPECT_EQ(Verdict(filter, Call(nr)), kEperm) << nr;
  }
}

// Whatever the policy, the launcher's child can report a refused exec and end: exit and
// exit_group always, write only with the report's exact fd, buffer and size.
TEST_F(FilterProgramTest, EveryPolicyLetsTheLauncherReportAndExit) {
  const SyscallFilterOptions options{.launch_report = {.fd = 7, .buffer = 0x1000, .size = 8}};
  const SyscallFilter filter = BuildOrDie(Policy::Preset(PolicyType::kCustom), options);
  EXPECT_EQ(Verdict(filter, Call(SYS_exit_group)), kAllow);
  EXPECT_EQ(Verdict(filter, Call(SYS_exit)), kAllow);
  auto write_call = [](uint64_t fd, uint64_t buffer, uint64_t size) {
    seccomp_data data = Call(SYS_write, fd, buffer);
    data.args[2] = size;
    return data;
  };
  EXPECT_EQ(Verdict(filter, write_call(7, 0x1000, 8)), kAllow);
  EXPECT_EQ(Verdict(filter, write_call(uint64_t{1} << 32 | 7, 0x1000, 8)), kAllow);
  EXPECT_EQ(Verdict(filter, write_call(1, 0x1000, 8)), kEperm);
  EXPECT_EQ(Verdict(filter, write_call(7, 0x2000, 8)), kEperm);
  EXPECT_EQ(Verdict(filter, write_call(7, 0x1000, 4096)), kEperm);
  EXPECT_EQ(Verdict(filter, Call(SYS_getpid)), kEperm);
}

bool RefusedIoctl(uint32_t low) {
  const std::span<const uint32_t> refused = RefusedIoctlCommands();
  return std::find(refused.begin(), refused.end(), low) != refused.end();
}

TEST(RefusedIoctlsTest, TerminalInjectionAndOwnersThroughMemory) {
  for (uint32_t command :
       {uint32_t{TIOCSTI}, uint32_t{TIOCLINUX}, uint32_t{FIOSETOWN}, uint32_t{SIOCSPGRP}}) {
    EXPECT_TRUE(RefusedIoctl(command)) << std::hex << command;
  }
  EXPECT_EQ(RefusedIoctlCommands().size(), 4u);
}

TEST_F(FilterProgramTest, IoctlRefusesOnlyTheRefusedCommands) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddSyscall("ioctl").ok());
  const SyscallFilter filter = BuildOrDie(policy);
  for (uint64_t upper : {uint64_t{0}, uint64_t{1}, uint64_t{0x80000000}, uint64_t{0xffffffff}}) {
    for (uint64_t low = 0; low <= 0x1ffff; ++low) {
      const uint64_t cmd = upper << 32 | low;
      const uint32_t expected = RefusedIoctl(static_cast<uint32_t>(low)) ? kEperm : kAllow;
      ASSERT_EQ(Verdict(filter, Call(SYS_ioctl, 3, cmd)), expected) << std::hex << cmd;
    }
    for (uint64_t low = 0xffff0000; low <= 0xffffffff; ++low) {
      ASSERT_EQ(Verdict(filter, Call(SYS_ioctl, 3, upper << 32 | low)), kAllow) << std::hex << low;
    }
  }
}

TEST_F(FilterProgramTest, CloneUnshareAndClone3) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddSyscall("clone").ok());
  ASSERT_TRUE(policy.AddSyscall("unshare").ok());
  const SyscallFilter filter = BuildOrDie(policy);
  EXPECT_EQ(Verdict(filter, Call(SYS_clone, SIGCHLD)), kAllow);
  EXPECT_EQ(Verdict(filter, Call(SYS_clone, 0x003d0f00)), kAllow);  // pthread_create's flags
  EXPECT_EQ(Verdict(filter, Call(SYS_clone3)), kEnosys);
  EXPECT_EQ(Verdict(filter, Call(SYS_unshare, CLONE_FILES | CLONE_FS)), kAllow);
  for (uint64_t flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                        CLONE_NEWPID, CLONE_NEWNET}) {
    EXPECT_EQ(Verdict(filter, Call(SYS_clone, flag | SIGCHLD)), kEperm) << std::hex << flag;
    EXPECT_EQ(Verdict(filter, Call(SYS_unshare, flag)), kEperm) << std::hex << flag;
  }
  // CLONE_NEWTIME (0x80) is part of the exit signal for clone, a namespace for unshare.
  EXPECT_EQ(Verdict(filter, Call(SYS_unshare, 0x80)), kEperm);
}

TEST_F(FilterProgramTest, Clone3WithoutCloneIsRefused) {
  const SyscallFilter filter = BuildOrDie(Policy::Preset(PolicyType::kMinimal));
  EXPECT_EQ(Verdict(filter, Call(SYS_clone3)), kEperm);
}

TEST_F(FilterProgramTest, LaunchExecMatchesThePointerOnly) {
  const SyscallFilter filter =
      BuildOrDie(Policy::Preset(PolicyType::kMinimal), {.launch_exec_path = 0x7ffd12345678});
  EXPECT_EQ(Verdict(filter, Call(SYS_execve, 0x7ffd12345678)), kAllow);
  EXPECT_EQ(Verdict(filter, Call(SYS_execve, 0x7ffd12345679)), kEperm);
  EXPECT_EQ(Verdict(filter, Call(SYS_execve, 0x12345678)), kEperm);  // Same low half.
  EXPECT_EQ(Verdict(filter, Call(SYS_execveat, 0x7ffd12345678)), kEperm);
}

TEST_F(FilterProgramTest, AlwaysBlockedAreRefusedWhenListed) {
  Policy policy = Policy::Preset(PolicyType::kMinimal);
  for (const AlwaysBlocked& entry : AlwaysBlockedSyscalls()) {
    ASSERT_TRUE(policy.AddSyscall(entry.name).ok());
  }
  const SyscallFilter filter = BuildOrDie(policy);
  for (int nr : {SYS_ptrace, SYS_bpf, SYS_mount, SYS_io_uring_setup, SYS_setns, SYS_keyctl}) {
    EXPECT_EQ(Verdict(filter, Call(nr)), kEperm) << nr;
  }
}

TEST_F(FilterProgramTest, PriorityOrderAnswersLikeTheBinaryTree) {
  for (PolicyType type : {PolicyType::kMinimal, PolicyType::kBuild, PolicyType::kNetwork}) {
    const SyscallFilter tree = BuildOrDie(Policy::Preset(type));
    const SyscallFilter chain =
        BuildOrDie(Policy::Preset(type), {.optimize = SeccompOptimize::kPriority});
    EXPECT_NE(tree.instruction_count(), chain.instruction_count()) << PolicyTypeName(type);
    for (int nr = -1; nr < 600; ++nr) {
      for (uint64_t arg : {uint64_t{0}, uint64_t{CLONE_NEWUSER}, uint64_t{TIOCSTI}}) {
        ASSERT_EQ(Verdict(tree, Call(nr, arg, arg)), Verdict(chain, Call(nr, arg, arg)))
            << PolicyTypeName(type) << " nr " << nr << " arg " << arg;
      }
    }
    EXPECT_EQ(Verdict(chain, Call(SYS_getppid)), kAllow);
    EXPECT_EQ(Verdict(chain, Call(SYS_socket, AF_INET, SOCK_STREAM)),
              type == PolicyType::kNetwork ? kAllow : kEperm);
  }
}

// socket() by its arguments: the families, types and protocols the policy can use, whatever
// flags and upper register bits come with them.
TEST_F(FilterProgramTest, SocketsOnlyOfTheFamiliesAndProtocolsThePolicyCanUse) {
  auto socket = [](uint64_t family, uint64_t type, uint64_t protocol) {
    seccomp_data data = SeccompCall(SYS_socket, family, type);
    data.args[2] = protocol;
    return data;
  };
  const SyscallFilter network = BuildOrDie(Policy::Preset(PolicyType::kNetwork));
  EXPECT_EQ(Verdict(network, socket(AF_INET, SOCK_STREAM, 0)), kAllow);
  EXPECT_EQ(Verdict(network, socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 6)),
            kAllow);
  EXPECT_EQ(Verdict(network, socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)), kAllow);
  EXPECT_EQ(Verdict(network, socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)), kAllow);
  EXPECT_EQ(Verdict(network, socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6)), kAllow);
  EXPECT_EQ(Verdict(network, socket(AF_UNIX, SOCK_SEQPACKET, 0)), kAllow);
  EXPECT_EQ(Verdict(network, socket(AF_NETLINK, SOCK_RAW, 0)), kAllow);  // NETLINK_ROUTE
  // The kernel reads ints: upper bits change nothing.
  EXPECT_EQ(Verdict(network, socket((1ull << 32) | AF_INET, SOCK_STREAM, 0)), kAllow);
  EXPECT_EQ(Verdict(network, socket((1ull << 32) | AF_PACKET, SOCK_RAW, 0)), kEperm);
  for (auto [family, type, protocol] :
       std::vector<std::tuple<int, int, int>>{{AF_PACKET, SOCK_RAW, 0},
                                              {AF_INET, SOCK_RAW, IPPROTO_ICMP},
                                              {AF_INET, SOCK_STREAM, IPPROTO_SCTP},
                                              {AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP},
                                              {AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE},
                                              {AF_INET, SOCK_DGRAM, IPPROTO_ICMPV6},
                                              {AF_VSOCK, SOCK_STREAM, 0},
                                              {AF_ALG, SOCK_SEQPACKET, 0},
                                              {AF_NETLINK, SOCK_RAW, 16},  // NETLINK_GENERIC
                                              {AF_KEY, SOCK_RAW, 2},
                                              {45, SOCK_STREAM, 0}}) {
    EXPECT_EQ(Verdict(network, socket(family, type, protocol)), kEperm)
        << family << " " << type << " " << protocol;
  }
  // MPTCP is TCP to the kernel's network rules (bpf-lsm); Landlock's do not cover it.
  EXPECT_EQ(Verdict(network, socket(AF_INET, SOCK_STREAM, 262)), kAllow);
  Policy with_rules = Policy::Preset(PolicyType::kNetwork);
  with_rules.AddNetRule(*NetRule::Parse(NetDirection::kConnect, false, "tcp:10.0.0.0/8:443"));
  EXPECT_EQ(Verdict(BuildOrDie(with_rules), socket(AF_INET, SOCK_STREAM, 262)), kEperm);
  EXPECT_EQ(Verdict(BuildOrDie(with_rules, {.kernel_sees_network = true}),
                    socket(AF_INET, SOCK_STREAM, 262)),
            kAllow);
  // Connect rules that allow only TCP leave UDP and ICMP no use: those sockets are refused.
  const SyscallFilter tcp_only = BuildOrDie(with_rules, {.kernel_sees_network = true});
  EXPECT_EQ(Verdict(tcp_only, socket(AF_INET, SOCK_DGRAM, 0)), kAllow)
      << "a UDP server may still bind: no bind rule";
  EXPECT_EQ(Verdict(tcp_only, socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)), kEperm);
  with_rules.AddNetRule(*NetRule::Parse(NetDirection::kBind, false, "tcp:127.0.0.1:8080"));
  EXPECT_EQ(Verdict(BuildOrDie(with_rules), socket(AF_INET, SOCK_DGRAM, 0)), kEperm);
  EXPECT_EQ(Verdict(BuildOrDie(with_rules), socket(AF_INET6, SOCK_STREAM, 0)), kAllow);

  // socketpair: AF_UNIX only; the build preset has no socket() at all.
  const SyscallFilter build = BuildOrDie(Policy::Preset(PolicyType::kBuild));
  EXPECT_EQ(Verdict(build, Call(SYS_socketpair, AF_UNIX, SOCK_STREAM)), kAllow);
  EXPECT_EQ(Verdict(build, Call(SYS_socketpair, AF_INET, SOCK_STREAM)), kEperm);
  EXPECT_EQ(Verdict(build, socket(AF_UNIX, SOCK_STREAM, 0)), kEperm);
}

}  // namespace
}  // namespace cvlsm
