// Path enforcement, run as root inside a booted Debian kernel (tests/vm/), in the tier that
// kernel must offer (CVLSM_EXPECT_TIER, see tier_expectations.h): each case asserts what the
// tier must enforce and, under seccomp, that the access goes through with the warning. Every
// verdict is the errno the confined process itself saw (the access probe's exit status), and
// each denial has its allowed control case next to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "support/cli_runner.h"
#include "support/policy_calls.h"
#include "vm/guest/tier_expectations.h"

namespace cvlsm {
namespace {

using testing::AccessProbeDir;
using testing::AccessProbePath;
using testing::Contains;
using testing::ExpectedTier;
using testing::IsAllowed;
using testing::IsDenied;
using testing::IsDeniedByDenyRule;
using testing::kLauncherFailed;
using testing::LeftoverCgroups;
using testing::MachineRunsTheExpectedTier;
using testing::PathsEnforced;
using testing::ProcessResult;
using testing::RunCli;
using testing::ScratchDir;
using testing::StrictIfEnforced;

constexpr int kAllowed = 0;

// `cv-lsm run [--strict] OPTIONS... -- COMMAND...`, --strict where the tier enforces all.
ProcessResult RunConfined(const std::vector<std::string>& options,
                          const std::vector<std::string>& command) {
  std::vector<std::string> args = {"run"};
  for (const std::string& strict : StrictIfEnforced()) args.push_back(strict);
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return RunCli(args);
}

// `cv-lsm run --policy P RULES... -- access_probe ARGS...`, returning the probe's verdict.
ProcessResult Probe(const std::string& policy, const std::vector<std::string>& rules,
                    const std::vector<std::string>& probe_args) {
  std::vector<std::string> options = {"--policy", policy, "--allow", AccessProbeDir() + ":rx"};
  options.insert(options.end(), rules.begin(), rules.end());
  std::vector<std::string> command = {AccessProbePath()};
  command.insert(command.end(), probe_args.begin(), probe_args.end());
  return RunConfined(options, command);
}

// A change of times or extended attributes: BPF LSM checks it, Landlock has no right for it
// and the seccomp tier no path rule, so there it goes through.
::testing::AssertionResult IsDeniedWhereMetadataIsChecked(const ProcessResult& result) {
  return ExpectedTier() == "bpf-lsm" ? IsDenied(result) : IsAllowed(result);
}

class LsmEnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u);
    ASSERT_TRUE(MachineRunsTheExpectedTier());
    allowed_file_ = allowed_.WriteFile("data.txt", "allowed\n");
    secret_ = outside_.WriteFile("secret.txt", "secret\n");
  }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()); }

  std::string Allow(const std::string& path, const std::string& modes) {
    return "--allow=" + path + ":" + modes;
  }

  // The access probe opening `path` for reading from a shell the confined command started:
  // policy build, the allowed tree readable.
  ProcessResult ProbeFromAChildOfTheCommand(const std::string& path) {
    return RunConfined(
        {"--policy", "build", Allow(AccessProbeDir(), "rx"), Allow(allowed_.path(), "r")},
        {"/bin/sh", "-c", AccessProbePath() + " open " + path + " r"});
  }

  // Not under /tmp: the build preset allows /tmp, and these trees must be ours alone.
  ScratchDir allowed_{"/var/tmp"}, outside_{"/var/tmp"};
  std::string allowed_file_, secret_;
};

TEST_F(LsmEnforcementTest, AllowedPathIsReadable) {
  EXPECT_TRUE(
      IsAllowed(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", allowed_file_, "r"})));
}

TEST_F(LsmEnforcementTest, PathOutsideTheRulesIsEacces) {
  EXPECT_TRUE(IsDenied(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", secret_, "r"})));
  // Control: the file is readable without the policy.
  EXPECT_EQ(testing::RunProcess({AccessProbePath(), "open", secret_, "r"}).exit_code, kAllowed);
}

TEST_F(LsmEnforcementTest, ReadOnlyPathCannotBeOpenedForWrite) {
  EXPECT_TRUE(
      IsDenied(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", allowed_file_, "w"})));
  EXPECT_TRUE(
      IsDenied(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", allowed_file_, "rw"})));
  EXPECT_TRUE(
      IsDenied(Probe("minimal", {Allow(allowed_.path(), "w")}, {"open", allowed_file_, "rw"})));
  EXPECT_TRUE(
      IsAllowed(Probe("minimal", {Allow(allowed_.path(), "rw")}, {"open", allowed_file_, "rw"})));
  EXPECT_TRUE(
      IsAllowed(Probe("minimal", {Allow(allowed_.path(), "w")}, {"open", allowed_file_, "w"})));
}

TEST_F(LsmEnforcementTest, BinaryOutsideTheExecRulesCannotBeExecuted) {
  std::filesystem::copy_file("/bin/true", allowed_.path() + "/true");
  ::chmod((allowed_.path() + "/true").c_str(), 0755);
  std::string binary = allowed_.path() + "/true";
  EXPECT_TRUE(IsDenied(Probe("build", {Allow(allowed_.path(), "r")}, {"exec", binary})));
  EXPECT_TRUE(IsAllowed(Probe("build", {Allow(allowed_.path(), "rx")}, {"exec", binary})));
}

TEST_F(LsmEnforcementTest, TheConfinedCommandItselfNeedsExec) {
  std::filesystem::copy_file("/bin/true", allowed_.path() + "/true");
  ::chmod((allowed_.path() + "/true").c_str(), 0755);
  constexpr int kCannotExecute = 126;
  EXPECT_TRUE(IsDenied(RunConfined({Allow(allowed_.path(), "r")}, {allowed_.path() + "/true"}),
                       kCannotExecute));
  EXPECT_TRUE(IsAllowed(RunConfined({Allow(allowed_.path(), "rx")}, {allowed_.path() + "/true"})));
}

TEST_F(LsmEnforcementTest, StrictRefusesToRunWherePathsAreNotEnforced) {
  ProcessResult strict = RunCli({"run", "--strict", "--", "true"});
  if (PathsEnforced()) {
    EXPECT_EQ(strict.exit_code, 0) << strict.err;
  } else {
    EXPECT_EQ(strict.exit_code, kLauncherFailed) << strict.err;
    EXPECT_TRUE(Contains(strict.err, "--strict")) << strict.err;
  }
}

TEST_F(LsmEnforcementTest, SymlinkInAllowedDirectoryPointingOutsideIsDenied) {
  std::string escape = allowed_.path() + "/escape";
  ASSERT_EQ(::symlink(secret_.c_str(), escape.c_str()), 0);
  std::string inside = allowed_.path() + "/inside";
  ASSERT_EQ(::symlink(allowed_file_.c_str(), inside.c_str()), 0);
  EXPECT_TRUE(IsDenied(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", escape, "r"})));
  EXPECT_TRUE(IsAllowed(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", inside, "r"})));
}

TEST_F(LsmEnforcementTest, DotDotAndRelativePathsReachTheRealObject) {
  std::string dotdot = allowed_.path() + "/../" +
                       std::filesystem::path(outside_.path()).filename().string() + "/secret.txt";
  EXPECT_TRUE(IsDenied(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", dotdot, "r"})));
  // A relative path resolved from a working directory inside the allowed tree.
  ProcessResult relative = RunConfined(
      {"--policy", "build", Allow(allowed_.path(), "r"), Allow(AccessProbeDir(), "rx")},
      {"/bin/sh", "-c",
       "cd " + allowed_.path() + " && " + AccessProbePath() + " open ./data.txt r && " +
           AccessProbePath() + " open ../" +
           std::filesystem::path(outside_.path()).filename().string() + "/secret.txt r"});
  EXPECT_TRUE(IsDenied(relative));
  EXPECT_TRUE(Contains(relative.out, "open: allowed")) << relative.out;
}

TEST_F(LsmEnforcementTest, DenyRuleFollowsTheObjectThroughAHardLink) {
  std::string hidden = allowed_.WriteFile("hidden.txt", "hidden\n");
  std::string alias = allowed_.path() + "/sub/alias.txt";
  std::filesystem::create_directories(allowed_.path() + "/sub");
  ASSERT_EQ(::link(hidden.c_str(), alias.c_str()), 0);
  std::vector<std::string> rules = {Allow(allowed_.path(), "r"), "--deny=" + hidden + ":r"};
  EXPECT_TRUE(IsDeniedByDenyRule(Probe("minimal", rules, {"open", hidden, "r"}), hidden));
  EXPECT_TRUE(IsDeniedByDenyRule(Probe("minimal", rules, {"open", alias, "r"}), hidden));
  // Control: what the deny rule does not name stays allowed. Landlock refuses this deny rule
  // (the allowed tree holds the file), so there the control runs without it.
  if (ExpectedTier() == "landlock") rules.pop_back();
  EXPECT_TRUE(IsAllowed(Probe("minimal", rules, {"open", allowed_file_, "r"})));
}

TEST_F(LsmEnforcementTest, BindMountAliasGetsTheVerdictOfTheObject) {
  std::string mountpoint = allowed_.path() + "/bound";
  std::filesystem::create_directories(mountpoint);
  ASSERT_EQ(::mount(outside_.path().c_str(), mountpoint.c_str(), nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  std::string via_bind = mountpoint + "/secret.txt";
  // The object is under the outside tree: denied by its deny rule whatever name reaches it...
  std::vector<std::string> rules = {Allow(allowed_.path(), "r"), "--deny=" + secret_ + ":r"};
  EXPECT_TRUE(IsDeniedByDenyRule(Probe("minimal", rules, {"open", via_bind, "r"}), secret_));
  // ...and allowed by a rule on its real directory, through the alias too.
  EXPECT_TRUE(IsAllowed(Probe("minimal", {Allow(outside_.path(), "r")}, {"open", via_bind, "r"})));
  ::umount2(mountpoint.c_str(), MNT_DETACH);
}

TEST_F(LsmEnforcementTest, RuleAboveAMountPointCoversTheMountedTree) {
  // /dev/shm is a tmpfs mounted below / in the guest: a rule on / reaches it by crossing the
  // mount point.
  ScratchDir on_tmpfs("/dev/shm");
  std::string file = on_tmpfs.WriteFile("file.txt", "x");
  EXPECT_TRUE(IsAllowed(Probe("minimal", {"--allow=/:r"}, {"open", file, "r"})));
  EXPECT_TRUE(IsDenied(Probe("minimal", {"--allow=/:r"}, {"open", file, "w"})));
  EXPECT_TRUE(IsDenied(Probe("minimal", {}, {"open", file, "r"})));
}

// Times and extended attributes reach hooks that get no mount: they are judged by the rules
// within the file's own filesystem, so a rule above its mount point grants nothing there.
TEST_F(LsmEnforcementTest, TimesNeedWriteWithinTheFilesOwnFilesystem) {
  std::string file = allowed_.WriteFile("times.txt", "x");
  EXPECT_TRUE(IsAllowed(Probe("build", {Allow(allowed_.path(), "rw")}, {"touch", file})));
  EXPECT_TRUE(IsDeniedWhereMetadataIsChecked(
      Probe("build", {Allow(allowed_.path(), "r")}, {"touch", file})));
  // A deny rule inside the filesystem holds below an allow.
  EXPECT_TRUE(IsDeniedByDenyRule(
      Probe("build", {Allow(allowed_.path(), "rw"), "--deny=" + file + ":w"}, {"touch", file}),
      file));
  // /dev/shm is a tmpfs of its own: a w rule on / does not reach into it for times, as it
  // does for opens.
  ScratchDir on_tmpfs("/dev/shm");
  std::string shm_file = on_tmpfs.WriteFile("times.txt", "x");
  EXPECT_TRUE(IsAllowed(Probe("build", {"--allow=/:rw"}, {"open", shm_file, "w"})));
  EXPECT_TRUE(
      IsDeniedWhereMetadataIsChecked(Probe("build", {"--allow=/:rw"}, {"touch", shm_file})));
  EXPECT_TRUE(IsAllowed(Probe("build", {Allow(on_tmpfs.path(), "rw")}, {"touch", shm_file})));
}

// Overlayfs copies a lower file up with credentials of its own, setting the copy's times and
// attributes: that is not the process's change, and a w rule on the merged tree is enough.
TEST_F(LsmEnforcementTest, OverlayCopyUpUnderAWriteRuleSucceeds) {
  ScratchDir layers("/dev/shm");
  for (const char* dir : {"/lower", "/upper", "/work", "/merged"}) {
    std::filesystem::create_directories(layers.path() + dir);
  }
  layers.WriteFile("lower/old.txt", "from the lower layer\n");
  std::string options = "lowerdir=" + layers.path() + "/lower,upperdir=" + layers.path() +
                        "/upper,workdir=" + layers.path() + "/work";
  std::string merged = layers.path() + "/merged";
  ASSERT_EQ(::mount("overlay", merged.c_str(), "overlay", 0, options.c_str()), 0)
      << std::strerror(errno);
  std::string file = merged + "/old.txt";
  EXPECT_TRUE(
      IsDeniedWhereMetadataIsChecked(Probe("build", {Allow(merged, "r")}, {"touch", file})));
  EXPECT_TRUE(IsAllowed(Probe("build", {Allow(merged, "rw")}, {"open", file, "w"})));
  EXPECT_TRUE(IsAllowed(Probe("build", {Allow(merged, "rw")}, {"touch", file})));
  ::umount2(merged.c_str(), MNT_DETACH);
}

TEST_F(LsmEnforcementTest, ProcSelfMeansTheConfinedProcess) {
  EXPECT_TRUE(IsAllowed(Probe("minimal", {}, {"open", "/proc/self/status", "r"})));
  // The manager's (or anyone else's) /proc entry is not the confined process's own.
  EXPECT_TRUE(IsDenied(Probe("minimal", {}, {"open", "/proc/1/status", "r"})));
}

TEST_F(LsmEnforcementTest, ProcessOutsideTheCgroupIsUnaffected) {
  std::vector<std::string> args = {CVLSM_CLI_PATH, "run"};
  for (const std::string& strict : StrictIfEnforced()) args.push_back(strict);
  for (const char* arg : {"--", "sleep", "20"}) args.push_back(arg);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t confined = ::fork();
  if (confined == 0) {
    ::execv(CVLSM_CLI_PATH, argv.data());
    ::_exit(127);
  }
  // Wait until the confined sleep is in place, then act from outside its cgroup.
  auto running = [] {
    for (const std::string& dir : LeftoverCgroups()) {
      if (dir.find("/run-") != std::string::npos) return true;
    }
    return false;
  };
  for (int i = 0; i < 600 && !running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(running());
  EXPECT_EQ(testing::RunProcess({AccessProbePath(), "open", secret_, "r"}).exit_code, kAllowed);
  EXPECT_EQ(testing::RunProcess({AccessProbePath(), "open", secret_, "w"}).exit_code, kAllowed);
  ::kill(confined, SIGTERM);
  int status = 0;
  ::waitpid(confined, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
}

TEST_F(LsmEnforcementTest, ChildCgroupOfTheEnforcedOneIsStillConfined) {
  if (ExpectedTier() != "bpf-lsm") {
    // Landlock confines the process tree rather than the cgroup: a process the confined
    // command starts is confined too. Seccomp enforces no path (the same command reaches
    // the file, with the warning).
    EXPECT_TRUE(IsDenied(ProbeFromAChildOfTheCommand(secret_)));
    EXPECT_TRUE(IsAllowed(ProbeFromAChildOfTheCommand(allowed_file_)));
    return;
  }
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "child-test", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath(allowed_.path(), kRead).ok());
  ASSERT_TRUE(testing::Confine(**enforcer, cgroup->id(), policy).ok());

  // Two levels below the enforced cgroup, as a container's own sub-cgroups would be.
  std::string nested = cgroup->path() + "/a/b";
  std::filesystem::create_directories(nested);
  int procs = ::open((nested + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(procs, 0);
  pid_t child = ::fork();
  if (child == 0) {
    if (::write(procs, "0", 1) != 1) ::_exit(100);
    int denied = ::open(secret_.c_str(), O_RDONLY);
    int denied_errno = errno;
    int allowed = ::open(allowed_file_.c_str(), O_RDONLY);
    ::_exit(denied < 0 && denied_errno == EACCES && allowed >= 0 ? 0 : 101);
  }
  ::close(procs);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_TRUE((*enforcer)->Release(cgroup->id()).ok());
  EXPECT_TRUE(cgroup->Remove().ok());
}

TEST_F(LsmEnforcementTest, ReleasedCgroupIsNoLongerConfined) {
  if (ExpectedTier() != "bpf-lsm") {
    // Landlock's confinement is the process tree's: a child of the confined command is
    // confined (seccomp: not, with the warning), and once that tree is gone nothing is left.
    EXPECT_TRUE(IsDenied(ProbeFromAChildOfTheCommand(secret_)));
    EXPECT_EQ(testing::RunProcess({AccessProbePath(), "open", secret_, "r"}).exit_code, kAllowed);
    return;
  }
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "release-test", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok());
  Policy empty = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(testing::Confine(**enforcer, cgroup->id(), empty).ok());
  EXPECT_EQ(testing::Confine(**enforcer, cgroup->id(), empty).code(),
            absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE((*enforcer)->Release(cgroup->id()).ok());
  int procs = ::open(cgroup->procs_file().c_str(), O_WRONLY | O_CLOEXEC);
  pid_t child = ::fork();
  if (child == 0) {
    if (::write(procs, "0", 1) != 1) ::_exit(100);
    ::_exit(::open(secret_.c_str(), O_RDONLY) >= 0 ? 0 : 101);
  }
  ::close(procs);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace cvlsm
