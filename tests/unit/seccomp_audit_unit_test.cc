// Audit mode of the syscall filter, compiled without privileges and run in the user-space
// BPF evaluator: the policy's refusals become notifications, cv-lsm's own refusals stay.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "policy/policy.h"
#include "policy/syscall_names.h"
#include "seccomp/syscall_audit.h"
#include "seccomp/syscall_filter.h"
#include "support/seccomp_eval.h"
#include "testing/bpf_evaluator.h"

namespace cvlsm {
namespace {

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kNotify = SECCOMP_RET_USER_NOTIF;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kKill = SECCOMP_RET_KILL_PROCESS;

SyscallFilter BuildOrDie(const Policy& policy, SyscallFilterOptions options = {}) {
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(policy, options);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return *std::move(filter);
}

SyscallFilter Audit(const Policy& policy, SyscallFilterOptions options = {}) {
  options.audit = true;
  return BuildOrDie(policy, options);
}

TEST(SeccompAuditFilterTest, NotifiesWhatThePolicyLacksAndAllowsTheRest) {
  const Policy minimal = Policy::Preset(PolicyType::kMinimal);
  ASSERT_FALSE(minimal.syscalls().contains("socket"));
  const SyscallFilter filter = Audit(minimal);
  EXPECT_TRUE(filter.audit());
  for (int nr : {SYS_socket, SYS_execve, SYS_clone, SYS_wait4, 1000, -1}) {
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(nr)), kNotify) << nr;
  }
  for (int nr : {SYS_read, SYS_write, SYS_uname, SYS_exit_group}) {
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(nr)), kAllow) << nr;
  }
}

TEST(SeccompAuditFilterTest, InstallsWithANewListener) {
  const SyscallFilter audit = Audit(Policy::Preset(PolicyType::kMinimal));
  EXPECT_EQ(audit.program().install_flags(), SECCOMP_FILTER_FLAG_NEW_LISTENER);
  // Nobody could answer the notifications without the listener: refused before the kernel.
  EXPECT_EQ(audit.InstallInCurrentThread(), EINVAL);
  const SyscallFilter enforce = BuildOrDie(Policy::Preset(PolicyType::kMinimal));
  EXPECT_FALSE(enforce.audit());
  EXPECT_EQ(enforce.program().install_flags(), 0u);
}

TEST(SeccompAuditFilterTest, AlwaysBlockedStayRefused) {
  Policy listed = Policy::Preset(PolicyType::kMinimal);
  for (const AlwaysBlocked& entry : AlwaysBlockedSyscalls()) {
    ASSERT_TRUE(listed.AddSyscall(entry.name).ok()) << entry.name;
  }
  // Whether the policy names them or not.
  for (const Policy& policy : {Policy::Preset(PolicyType::kMinimal), listed}) {
    const SyscallFilter filter = Audit(policy);
    for (int nr : {SYS_ptrace, SYS_bpf, SYS_mount, SYS_io_uring_setup, SYS_setns, SYS_keyctl,
                   SYS_perf_event_open, SYS_open_by_handle_at, SYS_init_module}) {
      EXPECT_EQ(FilterVerdict(filter, SeccompCall(nr)), kEperm) << nr;
    }
  }
}

// Refusals by argument protect the launcher's terminal and keep the process in its
// namespaces: they stay refused in audit mode, whether or not the policy names the syscall.
TEST(SeccompAuditFilterTest, RefusedArgumentsStayRefusedClone3KeepsEnosys) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  for (const char* name : {"clone", "unshare", "ioctl"}) ASSERT_TRUE(policy.AddSyscall(name).ok());
  for (const SyscallFilter& filter : {Audit(policy), Audit(Policy::Preset(PolicyType::kCustom))}) {
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_clone, CLONE_NEWUSER | SIGCHLD)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_clone, CLONE_NEWNET | SIGCHLD)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_unshare, CLONE_NEWNS)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_unshare, CLONE_NEWUSER | CLONE_FILES)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_ioctl, 0, TIOCSTI)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_ioctl, 0, 0xffffffff00000000ull | TIOCLINUX)),
              kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_ioctl, 0, FIOSETOWN)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_ioctl, 0, SIOCSPGRP)), kEperm);
    EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_clone3)), kEnosys);
  }
  const SyscallFilter allowed = Audit(policy);
  EXPECT_EQ(FilterVerdict(allowed, SeccompCall(SYS_clone, SIGCHLD)), kAllow);
  EXPECT_EQ(FilterVerdict(allowed, SeccompCall(SYS_unshare, CLONE_FILES)), kAllow);
  EXPECT_EQ(FilterVerdict(allowed, SeccompCall(SYS_ioctl, 0, FIONREAD)), kAllow);
  // Without the policy's clone, a plain clone is a would-be refusal like any other.
  EXPECT_EQ(
      FilterVerdict(Audit(Policy::Preset(PolicyType::kCustom)), SeccompCall(SYS_clone, SIGCHLD)),
      kNotify);
}

#if defined(__x86_64__)
TEST(SeccompAuditFilterTest, OtherAbisAreStillKilled) {
  const SyscallFilter filter = Audit(Policy::Preset(PolicyType::kMinimal));
  seccomp_data i386 = SeccompCall(20);
  i386.arch = AUDIT_ARCH_I386;
  EXPECT_EQ(FilterVerdict(filter, i386), kKill);
  EXPECT_EQ(FilterVerdict(filter, SeccompCall(0x40000000 | SYS_socket)), kKill);
}
#endif

TEST(SeccompAuditFilterTest, ListenerHandoffIsTheOnlyUnreportedSendmsg) {
  const SyscallFilter filter =
      Audit(Policy::Preset(PolicyType::kMinimal),
            {.listener_handoff_socket = 7, .listener_handoff_message = 0x7ffd00001000});
  EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_sendmsg, 7, 0x7ffd00001000)), kAllow);
  // The kernel reads an int fd from the low half of the register.
  EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_sendmsg, 0xffffffff00000007, 0x7ffd00001000)),
            kAllow);
  EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_sendmsg, 8, 0x7ffd00001000)), kNotify);
  EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_sendmsg, 7, 0x7ffd00001008)), kNotify);
  EXPECT_EQ(FilterVerdict(filter, SeccompCall(SYS_sendto, 7, 0x7ffd00001000)), kNotify);
  // A policy that allows sendmsg keeps allowing all of it.
  const SyscallFilter network =
      Audit(Policy::Preset(PolicyType::kNetwork),
            {.listener_handoff_socket = 7, .listener_handoff_message = 0x7ffd00001000});
  EXPECT_EQ(FilterVerdict(network, SeccompCall(SYS_sendmsg, 3, 0x1000)), kAllow);
}

// Audit mode answers exactly where enforce mode refuses with the policy's EPERM, and
// nowhere else (but for clone3, below).
TEST(SeccompAuditFilterTest, EnforceModeIsUnchangedAndTheSameShape) {
  for (PolicyType type : {PolicyType::kMinimal, PolicyType::kBuild, PolicyType::kNetwork}) {
    const SyscallFilter enforce = BuildOrDie(Policy::Preset(type));
    const SyscallFilter audit = Audit(Policy::Preset(type));
    EXPECT_EQ(FilterVerdict(enforce, SeccompCall(SYS_socket, AF_INET, SOCK_STREAM)),
              type == PolicyType::kNetwork ? kAllow : kEperm);
    EXPECT_EQ(FilterVerdict(enforce, SeccompCall(SYS_ptrace)), kEperm);
    for (int nr = -1; nr < 600; ++nr) {
      for (uint64_t arg : {uint64_t{0}, uint64_t{CLONE_NEWUSER}, uint64_t{TIOCSTI}}) {
        uint32_t expected = FilterVerdict(enforce, SeccompCall(nr, arg, arg));
        // The one difference: clone3 sends glibc to clone, which is then reported.
        if (nr == SYS_clone3 && expected == kEperm) expected = kEnosys;
        const uint32_t got = FilterVerdict(audit, SeccompCall(nr, arg, arg));
        ASSERT_EQ(got == kNotify ? kEperm : got, expected)
            << PolicyTypeName(type) << " nr " << nr << " arg " << arg;
      }
    }
  }
}

TEST(SyscallAuditTest, NamesSyscalls) {
  EXPECT_EQ(NativeSyscallName(SYS_uname), "uname");
  EXPECT_EQ(NativeSyscallName(SYS_socket), "socket");
  EXPECT_EQ(NativeSyscallName(99999), "");
}

TEST(SyscallAuditTest, CollectingSinkCountsFromManyThreads) {
  CollectingSyscallAudit sink;
  EXPECT_TRUE(sink.Snapshot().empty());
  EXPECT_EQ(sink.first_pid(), 0);
  sink.WouldBeDenied(42, SYS_uname);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sink, t] {
      for (int i = 0; i < 1000; ++i) sink.WouldBeDenied(100 + t, i % 2 ? SYS_socket : SYS_uname);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::map<int, uint64_t> counts = sink.Snapshot();
  EXPECT_EQ(counts, (std::map<int, uint64_t>{{SYS_uname, 2001}, {SYS_socket, 2000}}));
  EXPECT_EQ(sink.first_pid(), 42);
}

}  // namespace
}  // namespace cvlsm
