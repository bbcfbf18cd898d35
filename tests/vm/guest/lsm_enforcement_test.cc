// BPF LSM enforcement, run as root inside a booted Debian kernel (tests/vm/). Every verdict
// is the errno the confined process itself saw (the access probe's exit status), and each
// denial has its allowed control case next to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "support/cli_runner.h"

namespace cvlsm {
namespace {

using testing::AccessProbeDir;
using testing::AccessProbePath;
using testing::LeftoverCgroups;
using testing::ProcessResult;
using testing::RunCli;
using testing::ScratchDir;

constexpr int kAllowed = 0;
constexpr int kEacces = EACCES;

// `cv-lsm run --policy P RULES... -- access_probe ARGS...`, returning the probe's verdict.
ProcessResult Probe(const std::string& policy, std::vector<std::string> rules,
                    std::vector<std::string> probe_args) {
  std::vector<std::string> args = {"run",  "--strict", "--policy",
                                   policy, "--allow",  AccessProbeDir() + ":rx"};
  args.insert(args.end(), rules.begin(), rules.end());
  args.push_back("--");
  args.push_back(AccessProbePath());
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  return RunCli(args);
}

class LsmEnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u);
    ProcessResult status = RunCli({"status"});
    ASSERT_EQ(status.exit_code, 0) << "this kernel must run the bpf-lsm tier:\n" << status.out;
    allowed_file_ = allowed_.WriteFile("data.txt", "allowed\n");
    secret_ = outside_.WriteFile("secret.txt", "secret\n");
  }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()); }

  std::string Allow(const std::string& path, const std::string& modes) {
    return "--allow=" + path + ":" + modes;
  }

  // Not under /tmp: the build preset allows /tmp, and these trees must be ours alone.
  ScratchDir allowed_{"/var/tmp"}, outside_{"/var/tmp"};
  std::string allowed_file_, secret_;
};

TEST_F(LsmEnforcementTest, AllowedPathIsReadable) {
  ProcessResult result =
      Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", allowed_file_, "r"});
  EXPECT_EQ(result.exit_code, kAllowed) << result.out << result.err;
}

TEST_F(LsmEnforcementTest, PathOutsideTheRulesIsEacces) {
  ProcessResult result = Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", secret_, "r"});
  EXPECT_EQ(result.exit_code, kEacces) << result.out << result.err;
  // Control: the file is readable without the policy.
  EXPECT_EQ(testing::RunProcess({AccessProbePath(), "open", secret_, "r"}).exit_code, kAllowed);
}

TEST_F(LsmEnforcementTest, ReadOnlyPathCannotBeOpenedForWrite) {
  EXPECT_EQ(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", allowed_file_, "w"}).exit_code,
            kEacces);
  EXPECT_EQ(
      Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", allowed_file_, "rw"}).exit_code,
      kEacces);
  EXPECT_EQ(
      Probe("minimal", {Allow(allowed_.path(), "w")}, {"open", allowed_file_, "rw"}).exit_code,
      kEacces);
  EXPECT_EQ(
      Probe("minimal", {Allow(allowed_.path(), "rw")}, {"open", allowed_file_, "rw"}).exit_code,
      kAllowed);
  EXPECT_EQ(Probe("minimal", {Allow(allowed_.path(), "w")}, {"open", allowed_file_, "w"}).exit_code,
            kAllowed);
}

TEST_F(LsmEnforcementTest, BinaryOutsideTheExecRulesCannotBeExecuted) {
  std::filesystem::copy_file("/bin/true", allowed_.path() + "/true");
  ::chmod((allowed_.path() + "/true").c_str(), 0755);
  std::string binary = allowed_.path() + "/true";
  ProcessResult denied = Probe("build", {Allow(allowed_.path(), "r")}, {"exec", binary});
  EXPECT_EQ(denied.exit_code, kEacces) << denied.out << denied.err;
  ProcessResult allowed = Probe("build", {Allow(allowed_.path(), "rx")}, {"exec", binary});
  EXPECT_EQ(allowed.exit_code, kAllowed) << allowed.out << allowed.err;
}

TEST_F(LsmEnforcementTest, TheConfinedCommandItselfNeedsExec) {
  std::filesystem::copy_file("/bin/true", allowed_.path() + "/true");
  ::chmod((allowed_.path() + "/true").c_str(), 0755);
  ProcessResult denied =
      RunCli({"run", "--strict", Allow(allowed_.path(), "r"), "--", allowed_.path() + "/true"});
  EXPECT_EQ(denied.exit_code, 126) << denied.err;
  ProcessResult allowed =
      RunCli({"run", "--strict", Allow(allowed_.path(), "rx"), "--", allowed_.path() + "/true"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

TEST_F(LsmEnforcementTest, SymlinkInAllowedDirectoryPointingOutsideIsDenied) {
  std::string escape = allowed_.path() + "/escape";
  ASSERT_EQ(::symlink(secret_.c_str(), escape.c_str()), 0);
  std::string inside = allowed_.path() + "/inside";
  ASSERT_EQ(::symlink(allowed_file_.c_str(), inside.c_str()), 0);
  EXPECT_EQ(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", escape, "r"}).exit_code,
            kEacces);
  EXPECT_EQ(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", inside, "r"}).exit_code,
            kAllowed);
}

TEST_F(LsmEnforcementTest, DotDotAndRelativePathsReachTheRealObject) {
  std::string dotdot = allowed_.path() + "/../" +
                       std::filesystem::path(outside_.path()).filename().string() + "/secret.txt";
  EXPECT_EQ(Probe("minimal", {Allow(allowed_.path(), "r")}, {"open", dotdot, "r"}).exit_code,
            kEacces);
  // A relative path resolved from a working directory inside the allowed tree.
  ProcessResult relative =
      RunCli({"run", "--strict", "--policy", "build", Allow(allowed_.path(), "r"),
              Allow(AccessProbeDir(), "rx"), "--", "/bin/sh", "-c",
              "cd " + allowed_.path() + " && " + AccessProbePath() + " open ./data.txt r && " +
                  AccessProbePath() + " open ../" +
                  std::filesystem::path(outside_.path()).filename().string() + "/secret.txt r"});
  EXPECT_EQ(relative.exit_code, kEacces) << relative.out << relative.err;
  EXPECT_NE(relative.out.find("open: allowed"), std::string::npos) << relative.out;
}

TEST_F(LsmEnforcementTest, DenyRuleFollowsTheObjectThroughAHardLink) {
  std::string hidden = allowed_.WriteFile("hidden.txt", "hidden\n");
  std::string alias = allowed_.path() + "/sub/alias.txt";
  std::filesystem::create_directories(allowed_.path() + "/sub");
  ASSERT_EQ(::link(hidden.c_str(), alias.c_str()), 0);
  std::vector<std::string> rules = {Allow(allowed_.path(), "r"), "--deny=" + hidden + ":r"};
  EXPECT_EQ(Probe("minimal", rules, {"open", hidden, "r"}).exit_code, kEacces);
  EXPECT_EQ(Probe("minimal", rules, {"open", alias, "r"}).exit_code, kEacces);
  EXPECT_EQ(Probe("minimal", rules, {"open", allowed_file_, "r"}).exit_code, kAllowed);
}

TEST_F(LsmEnforcementTest, BindMountAliasGetsTheVerdictOfTheObject) {
  std::string mountpoint = allowed_.path() + "/bound";
  std::filesystem::create_directories(mountpoint);
  ASSERT_EQ(::mount(outside_.path().c_str(), mountpoint.c_str(), nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  std::string via_bind = mountpoint + "/secret.txt";
  // The object is under the outside tree: denied by its deny rule whatever name reaches it...
  std::vector<std::string> rules = {Allow(allowed_.path(), "r"), "--deny=" + secret_ + ":r"};
  EXPECT_EQ(Probe("minimal", rules, {"open", via_bind, "r"}).exit_code, kEacces);
  // ...and allowed by a rule on its real directory, through the alias too.
  EXPECT_EQ(Probe("minimal", {Allow(outside_.path(), "r")}, {"open", via_bind, "r"}).exit_code,
            kAllowed);
  ::umount2(mountpoint.c_str(), MNT_DETACH);
}

TEST_F(LsmEnforcementTest, RuleAboveAMountPointCoversTheMountedTree) {
  // /dev/shm is a tmpfs mounted below / in the guest: a rule on / reaches it by crossing the
  // mount point.
  ScratchDir on_tmpfs("/dev/shm");
  std::string file = on_tmpfs.WriteFile("file.txt", "x");
  EXPECT_EQ(Probe("minimal", {"--allow=/:r"}, {"open", file, "r"}).exit_code, kAllowed);
  EXPECT_EQ(Probe("minimal", {"--allow=/:r"}, {"open", file, "w"}).exit_code, kEacces);
  EXPECT_EQ(Probe("minimal", {}, {"open", file, "r"}).exit_code, kEacces);
}

TEST_F(LsmEnforcementTest, ProcSelfMeansTheConfinedProcess) {
  EXPECT_EQ(Probe("minimal", {}, {"open", "/proc/self/status", "r"}).exit_code, kAllowed);
  // The manager's (or anyone else's) /proc entry is not the confined process's own.
  EXPECT_EQ(Probe("minimal", {}, {"open", "/proc/1/status", "r"}).exit_code, kEacces);
}

TEST_F(LsmEnforcementTest, ProcessOutsideTheCgroupIsUnaffected) {
  pid_t confined = ::fork();
  if (confined == 0) {
    ::execl(CVLSM_CLI_PATH, CVLSM_CLI_PATH, "run", "--strict", "--", "sleep", "20", nullptr);
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
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "child-test", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath(allowed_.path(), kRead).ok());
  ASSERT_TRUE((*enforcer)->Confine(cgroup->id(), policy).ok());

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
  auto enforcer = BpfLsmEnforcer::Create();
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  auto cgroup = OwnedCgroup::Create("cv-lsm", "release-test", CVLSM_MAX_CGROUP_DEPTH - 1);
  ASSERT_TRUE(cgroup.ok());
  Policy empty = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE((*enforcer)->Confine(cgroup->id(), empty).ok());
  EXPECT_EQ((*enforcer)->Confine(cgroup->id(), empty).code(), absl::StatusCode::kAlreadyExists);
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
