// Audit mode end to end (root): real commands under a policy that lacks a syscall they make,
// launched like `cv-lsm run` does. In audit mode the call runs and the sink hears of it; in
// enforce mode, the control, the command sees EPERM.
#include "seccomp/syscall_audit.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "policy/policy.h"
#include "policy/syscall_names.h"
#include "runtime/confined_process.h"
#include "seccomp/audit_listener.h"
#include "support/cli_runner.h"

namespace cvlsm {
namespace {

// Every report, in order, with the thread that made the call.
class RecordingSink : public SyscallAuditSink {
 public:
  void WouldBeDenied(pid_t pid, int syscall_nr) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.emplace_back(pid, syscall_nr);
  }
  std::vector<std::pair<pid_t, int>> calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  // The threads that made `syscall_nr`.
  std::vector<pid_t> CallersOf(int syscall_nr) const {
    std::vector<pid_t> pids;
    for (const auto& [pid, nr] : calls()) {
      if (nr == syscall_nr) pids.push_back(pid);
    }
    return pids;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<pid_t, int>> calls_;
};

class FailingSetup : public ChildRestriction {
 public:
  int ApplyInChild() const noexcept override { return EACCES; }
};

struct LaunchResult {
  pid_t pid = -1;
  ExitResult exit;
};

class SyscallAuditHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<OwnedCgroup> cgroup =
        OwnedCgroup::Create("cv-lsm-test", absl::StrCat("audit-", ::getpid()), 3);
    ASSERT_TRUE(cgroup.ok()) << cgroup.status();
    cgroup_.emplace(*std::move(cgroup));
    ASSERT_TRUE(CheckSyscallAuditSupport().ok()) << CheckSyscallAuditSupport();
  }

  LaunchSpec Spec(std::vector<std::string> probe_args, SyscallAuditSink* audit) {
    LaunchSpec spec;
    spec.argv = {testing::AccessProbePath()};
    spec.argv.insert(spec.argv.end(), probe_args.begin(), probe_args.end());
    spec.cgroup_procs_file = cgroup_->procs_file();
    spec.policy = &minimal_;
    spec.cli_process_control = false;
    spec.audit = audit;
    return spec;
  }

  absl::StatusOr<LaunchResult> Launch(const LaunchSpec& spec) {
    absl::StatusOr<std::unique_ptr<ConfinedProcess>> process = ConfinedProcess::Start(spec);
    if (!process.ok()) return process.status();
    LaunchResult run;
    run.pid = (*process)->pid();
    absl::StatusOr<ExitResult> exit = (*process)->Wait();
    if (!exit.ok()) return exit.status();
    run.exit = *exit;
    return run;
  }

  // The minimal preset has no socket: the probes' call is one the policy refuses.
  const Policy minimal_ = Policy::Preset(PolicyType::kMinimal);
  std::optional<OwnedCgroup> cgroup_;
};

TEST_F(SyscallAuditHostTest, ReportsAndRunsWhatThePolicyLacks) {
  ASSERT_FALSE(minimal_.syscalls().contains("socket"));
  CollectingSyscallAudit sink;
  absl::StatusOr<LaunchResult> run = Launch(Spec({"socket"}, &sink));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit.exit_code, 0) << "the socket call was refused in audit mode";
  const std::map<int, uint64_t> seen = sink.Snapshot();
  EXPECT_EQ(seen.count(SYS_socket), 1u);
  EXPECT_EQ(sink.first_pid(), run->pid);
  for (const auto& [nr, count] : seen) {
    EXPECT_FALSE(minimal_.syscalls().contains(NativeSyscallName(nr))) << NativeSyscallName(nr);
  }
}

TEST_F(SyscallAuditHostTest, EnforceModeRefusesTheSameCall) {
  absl::StatusOr<LaunchResult> run = Launch(Spec({"socket"}, nullptr));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit.exit_code, EPERM);
}

TEST_F(SyscallAuditHostTest, ReportsCallsOfOtherThreads) {
  RecordingSink sink;
  absl::StatusOr<LaunchResult> run = Launch(Spec({"socket-thread"}, &sink));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit.exit_code, 0);
  const std::vector<pid_t> callers = sink.CallersOf(SYS_socket);
  ASSERT_EQ(callers.size(), 1u);
  EXPECT_NE(callers[0], run->pid) << "reported for the main thread, not the second one";
  EXPECT_GT(callers[0], 0);
}

TEST_F(SyscallAuditHostTest, ReportsCallsOfForkedChildren) {
  RecordingSink sink;
  absl::StatusOr<LaunchResult> run = Launch(Spec({"socket-child"}, &sink));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit.exit_code, 0);
  const std::vector<pid_t> callers = sink.CallersOf(SYS_socket);
  ASSERT_EQ(callers.size(), 1u);
  EXPECT_NE(callers[0], run->pid);
  // The fork itself is outside the minimal preset too.
  EXPECT_FALSE(sink.CallersOf(SYS_clone).empty() && sink.CallersOf(SYS_clone3).empty());
}

TEST_F(SyscallAuditHostTest, CommandHoldsNoListener) {
  CollectingSyscallAudit sink;
  absl::StatusOr<LaunchResult> run = Launch(Spec({"seccomp-listeners"}, &sink));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit.exit_code, 0) << "the command inherited the seccomp listener";
}

TEST_F(SyscallAuditHostTest, FailedSetupIsReportedAndNothingHangs) {
  CollectingSyscallAudit sink;
  FailingSetup setup;
  LaunchSpec spec = Spec({"socket"}, &sink);
  spec.setup = &setup;
  absl::StatusOr<LaunchResult> run = Launch(spec);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("enter the container"), std::string::npos) << run.status();
  EXPECT_TRUE(sink.Snapshot().empty());
}

TEST_F(SyscallAuditHostTest, FailedExecAfterTheHandoffEnds) {
  CollectingSyscallAudit sink;
  LaunchSpec spec = Spec({}, &sink);
  spec.argv = {"/nonexistent/cv-lsm-audit-test"};
  // The failed exec is Start's error (reaped, nothing left waiting on the listener).
  absl::StatusOr<LaunchResult> run = Launch(spec);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(KindOf(run.status()), ErrorKind::kCommandNotFound) << run.status();
  EXPECT_NE(run.status().message().find("cannot execute /nonexistent/cv-lsm-audit-test"),
            absl::string_view::npos)
      << run.status();
}

}  // namespace
}  // namespace cvlsm
