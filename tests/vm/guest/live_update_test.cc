// Changing the rules of a confined cgroup while its processes run (Enforcer::Apply with
// ApplyTo::kUpdate, SetPathRule, RemovePathRule).
// A confined opener probes two trees in a loop while the policy flips between "a allowed"
// and "b allowed" many times: every probe must see the old policy or the new one, never
// both trees allowed, never both refused (a window without rules), and the file outside
// both rules never opens.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "confinement/tier_choice.h"
#include "support/cli_runner.h"
#include "support/policy_calls.h"
#include "vm/guest/tier_expectations.h"

namespace cvlsm {
namespace {

using testing::Confine;
using testing::ExpectedTier;
using testing::LeftoverCgroups;
using testing::MachineRunsTheExpectedTier;
using testing::ScratchDir;
using testing::Update;

// Shared between the updating parent and the confined opener (MAP_SHARED).
struct OpenerReport {
  std::atomic<bool> stop{false};
  std::atomic<long> probes{0};
  std::atomic<long> saw_a_only{0};        // a allowed, b refused, a allowed: policy A
  std::atomic<long> saw_b_only{0};        // policy B
  std::atomic<long> both_allowed{0};      // a mix: must stay 0
  std::atomic<long> both_refused{0};      // a window without rules: must stay 0
  std::atomic<long> outside_opened{0};    // must stay 0
  std::atomic<long> unexpected_errno{0};  // a refusal that is not EACCES
};

bool Opens(const std::string& path, OpenerReport* report) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return true;
  }
  if (errno != EACCES) report->unexpected_errno++;
  return false;
}

// In the confined child: a, b, a per probe. A switch between two opens gives a legal
// pattern (1,1,0), (1,0,0), (0,0,1) or (0,1,1); (1,1,1) and (0,0,0) are not.
[[noreturn]] void OpenInALoop(const std::string& a, const std::string& b,
                              const std::string& outside, OpenerReport* report) {
  while (!report->stop.load()) {
    bool first_a = Opens(a, report), middle_b = Opens(b, report), last_a = Opens(a, report);
    if (first_a && middle_b && last_a) report->both_allowed++;
    if (!first_a && !middle_b && !last_a) report->both_refused++;
    if (first_a && !middle_b && last_a) report->saw_a_only++;
    if (!first_a && middle_b && !last_a) report->saw_b_only++;
    if (Opens(outside, report)) report->outside_opened++;
    report->probes++;
  }
  ::_exit(0);
}

class LiveUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u);
    ASSERT_TRUE(MachineRunsTheExpectedTier());
    file_a_ = tree_a_.WriteFile("a.txt", "a\n");
    file_b_ = tree_b_.WriteFile("b.txt", "b\n");
    outside_file_ = outside_.WriteFile("secret.txt", "secret\n");
  }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()); }

  // Each policy also allows a decoy tree, so flipping A and B changes more than one rule
  // and takes the generation switch, not the in-place path.
  Policy Allowing(const std::string& tree) {
    Policy policy = Policy::Preset(PolicyType::kCustom);
    EXPECT_TRUE(policy.AddPath(tree, kRead).ok());
    EXPECT_TRUE(
        policy.AddPath(decoy_.path(), tree == tree_a_.path() ? kRead : kRead | kWrite).ok());
    return policy;
  }

  // Which of file a (1) and file b (2) a process of the cgroup opens; 4 when a refusal was
  // not EACCES.
  int Verdicts(const OwnedCgroup& cgroup) {
    int procs = ::open(cgroup.procs_file().c_str(), O_WRONLY | O_CLOEXEC);
    pid_t child = ::fork();
    if (child == 0) {
      if (::write(procs, "0", 1) != 1) ::_exit(100);
      OpenerReport scratch;
      ::_exit((Opens(file_a_, &scratch) ? 1 : 0) | (Opens(file_b_, &scratch) ? 2 : 0) |
              (scratch.unexpected_errno.load() ? 4 : 0));
    }
    ::close(procs);
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  ScratchDir tree_a_{"/var/tmp"}, tree_b_{"/var/tmp"}, decoy_{"/var/tmp"}, outside_{"/var/tmp"};
  std::string file_a_, file_b_, outside_file_;
};

TEST_F(LiveUpdateTest, ConcurrentOpenersSeeTheOldPolicyOrTheNewNeverAMix) {
  if (ExpectedTier() != "bpf-lsm") {
    // Landlock rulesets are fixed once the process applied them: the tier says so.
    absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto);
    ASSERT_TRUE(choice.ok()) << choice.status();
    absl::Status update = Update(choice->enforcer(), 1, Allowing(tree_b_.path()));
    if (ExpectedTier() == "landlock") {
      EXPECT_EQ(update.code(), absl::StatusCode::kFailedPrecondition) << update;
      EXPECT_NE(update.message().find("use the bpf-lsm tier"), absl::string_view::npos);
    } else {
      EXPECT_TRUE(update.ok()) << update;  // seccomp: validated, nothing to enforce
    }
    return;
  }
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "live-update", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  ASSERT_TRUE(Confine(**enforcer, cgroup->id(), Allowing(tree_a_.path())).ok());

  void* shared = ::mmap(nullptr, sizeof(OpenerReport), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  auto* report = new (shared) OpenerReport();
  int procs = ::open(cgroup->procs_file().c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(procs, 0);
  pid_t opener = ::fork();
  ASSERT_GE(opener, 0);
  if (opener == 0) {
    if (::write(procs, "0", 1) != 1) ::_exit(100);
    OpenInALoop(file_a_, file_b_, outside_file_, report);
  }
  ::close(procs);

  constexpr int kUpdates = 200;
  for (int i = 1; i <= kUpdates; ++i) {
    const std::string& tree = i % 2 == 1 ? tree_b_.path() : tree_a_.path();
    absl::Status status = Update(**enforcer, cgroup->id(), Allowing(tree));
    ASSERT_TRUE(status.ok()) << "update " << i << ": " << status;
    // Two whole probes between updates: then no probe spans more than one switch, so a
    // pattern that is neither policy can only come from the switch itself.
    long seen = report->probes.load();
    while (report->probes.load() < seen + 2) ::usleep(200);
  }
  report->stop = true;
  int status = 0;
  ASSERT_EQ(::waitpid(opener, &status, 0), opener);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  EXPECT_EQ(report->both_allowed.load(), 0) << "a probe saw a mix of two policies";
  EXPECT_EQ(report->both_refused.load(), 0) << "a probe saw no rules in force";
  EXPECT_EQ(report->outside_opened.load(), 0);
  EXPECT_EQ(report->unexpected_errno.load(), 0);
  // The opener really saw both policies: the test can tell a switch from no switch.
  EXPECT_GT(report->saw_a_only.load(), 0);
  EXPECT_GT(report->saw_b_only.load(), 0);
  ::munmap(shared, sizeof(OpenerReport));
  EXPECT_TRUE((*enforcer)->Release(cgroup->id()).ok());
  EXPECT_TRUE(cgroup->Remove().ok());
}

TEST_F(LiveUpdateTest, OneRuleChangesInPlaceAndTheRemovedRuleStopsAllowing) {
  Policy missing = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(missing.AddPath("/nonexistent/cv-lsm-update", kRead).ok());
  if (ExpectedTier() != "bpf-lsm") {
    // The rule paths are resolved before any tier sees them: a missing one is named on
    // every tier (Landlock refusing the update itself is the test above).
    absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto);
    ASSERT_TRUE(choice.ok()) << choice.status();
    absl::Status update = Update(choice->enforcer(), 1, missing);
    EXPECT_EQ(update.code(), absl::StatusCode::kNotFound) << update;
    EXPECT_NE(update.message().find("/nonexistent/cv-lsm-update"), absl::string_view::npos);
    return;
  }
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "rule-update", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  Policy only_a = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(only_a.AddPath(tree_a_.path(), kRead).ok());
  Policy a_and_b = only_a;
  ASSERT_TRUE(a_and_b.AddPath(tree_b_.path(), kRead).ok());
  ASSERT_TRUE(Confine(**enforcer, cgroup->id(), only_a).ok());

  EXPECT_EQ(Verdicts(*cgroup), 1);  // a only
  ASSERT_TRUE(Update(**enforcer, cgroup->id(), a_and_b).ok());
  EXPECT_EQ(Verdicts(*cgroup), 3);  // a and b
  ASSERT_TRUE(Update(**enforcer, cgroup->id(), only_a).ok());
  EXPECT_EQ(Verdicts(*cgroup), 1);  // b's rule removed
  ASSERT_TRUE(missing.AddPath(tree_a_.path(), kRead).ok());
  absl::Status failed = Update(**enforcer, cgroup->id(), missing);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("/nonexistent/cv-lsm-update"), absl::string_view::npos) << failed;
  EXPECT_EQ(Verdicts(*cgroup), 1);  // the failed update left the policy as it was
  EXPECT_EQ(Update(**enforcer, cgroup->id() + 1000000, only_a).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*enforcer)->Release(cgroup->id()).ok());
  EXPECT_TRUE(cgroup->Remove().ok());
}

TEST_F(LiveUpdateTest, OneRuleIsSetAndRemovedWithoutTheRestOfThePolicy) {
  const PathModes read{.allow = kRead};
  if (ExpectedTier() != "bpf-lsm") {
    absl::StatusOr<EnforcerChoice> choice = ChooseEnforcer(TierRequest::kAuto);
    ASSERT_TRUE(choice.ok()) << choice.status();
    absl::Status set = choice->enforcer().SetPathRule(1, tree_b_.path(), read);
    if (ExpectedTier() == "landlock") {
      EXPECT_EQ(set.code(), absl::StatusCode::kFailedPrecondition) << set;
      EXPECT_EQ(choice->enforcer().RemovePathRule(1, tree_b_.path()).code(),
                absl::StatusCode::kFailedPrecondition);
    } else {  // seccomp: nothing to change, but the path is still checked
      EXPECT_TRUE(set.ok()) << set;
      absl::Status missing = choice->enforcer().SetPathRule(1, "/nonexistent/cv-lsm-set", read);
      EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
    }
    return;
  }
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "one-rule", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  Policy only_a = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(only_a.AddPath(tree_a_.path(), kRead).ok());
  ASSERT_TRUE(Confine(**enforcer, cgroup->id(), only_a).ok());
  BpfLsmEnforcer& lsm = **enforcer;
  EXPECT_EQ(Verdicts(*cgroup), 1);

  ASSERT_TRUE(lsm.SetPathRule(cgroup->id(), tree_b_.path(), read).ok());
  EXPECT_EQ(Verdicts(*cgroup), 3) << "b added";
  // A deny rule below an allowed tree: the walk must now go past the allowing ancestor.
  absl::Status deny = lsm.SetPathRule(cgroup->id(), file_a_, PathModes{.deny = kRead});
  ASSERT_TRUE(deny.ok()) << deny;
  EXPECT_EQ(Verdicts(*cgroup), 2) << "a's file denied";
  // b's rule is not the last one: removing it moves a's deny rule within the index.
  ASSERT_TRUE(lsm.RemovePathRule(cgroup->id(), tree_b_.path()).ok());
  EXPECT_EQ(Verdicts(*cgroup), 0) << "b removed, a's file still denied";
  // The deny rule replaced by an allow rule on the same object (the deny flag goes off).
  ASSERT_TRUE(lsm.SetPathRule(cgroup->id(), file_a_, read).ok());
  EXPECT_EQ(Verdicts(*cgroup), 1) << "a's file allowed again";
  ASSERT_TRUE(lsm.SetPathRule(cgroup->id(), file_a_, PathModes{.deny = kRead}).ok());
  EXPECT_EQ(Verdicts(*cgroup), 0) << "and denied again";
  ASSERT_TRUE(lsm.RemovePathRule(cgroup->id(), file_a_).ok());
  EXPECT_EQ(Verdicts(*cgroup), 1) << "the deny rule removed";

  // Errors change nothing and say what is wrong.
  EXPECT_EQ(lsm.RemovePathRule(cgroup->id(), tree_b_.path()).code(), absl::StatusCode::kNotFound);
  absl::Status missing = lsm.SetPathRule(cgroup->id(), "/nonexistent/cv-lsm-set", read);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_NE(missing.message().find("/nonexistent/cv-lsm-set"), absl::string_view::npos);
  EXPECT_EQ(lsm.SetPathRule(cgroup->id(), tree_b_.path(), PathModes{}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lsm.SetPathRule(cgroup->id(), "relative/path", read).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lsm.SetPathRule(cgroup->id() + 1000000, tree_b_.path(), read).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Verdicts(*cgroup), 1);

  // The rule on a directory that was removed since is still found by its name.
  std::string gone = tree_b_.path() + "/gone";
  ASSERT_EQ(::mkdir(gone.c_str(), 0755), 0);
  ASSERT_TRUE(lsm.SetPathRule(cgroup->id(), gone, read).ok());
  ASSERT_EQ(::rmdir(gone.c_str()), 0);
  absl::Status removed = lsm.RemovePathRule(cgroup->id(), gone);
  EXPECT_TRUE(removed.ok()) << removed;

  EXPECT_TRUE(lsm.Release(cgroup->id()).ok());
  EXPECT_TRUE(cgroup->Remove().ok());
}

}  // namespace
}  // namespace cvlsm
