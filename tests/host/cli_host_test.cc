// The cv-lsm CLI on this machine, as root, in whichever tier the machine offers. Every
// verdict is observed from inside the confined process (the access probe's exit status).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cgroup/cgroup.h"
#include "support/cli_runner.h"

namespace cvlsm {
namespace {

using testing::AccessProbePath;
using testing::ConfinedRun;
using testing::Contains;
using testing::LeftoverCgroups;
using testing::ProcessResult;
using testing::RunCli;

constexpr int kEperm = 1;
constexpr int kLauncherFailed = 125;

// The tier this machine runs, from `cv-lsm status --json`.
std::string MachineTier() {
  static const std::string tier = [] {
    std::string json = RunCli({"status", "--json"}).out;
    size_t key = json.find("\"tier\": \"");
    if (key == std::string::npos) return std::string("unknown");
    size_t start = key + 9;
    return json.substr(start, json.find('"', start) - start);
  }();
  return tier;
}

bool MachineEnforcesPaths() { return MachineTier() == "bpf-lsm" || MachineTier() == "landlock"; }

class CliHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the host tests need root (cgroups, seccomp, BPF)";
  }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()) << "stray cgroup left"; }
};

TEST_F(CliHostTest, ExitStatusIsTheCommands) {
  EXPECT_EQ(RunCli(ConfinedRun({}, {"/bin/sh", "-c", "exit 7"})).exit_code, 7);
  EXPECT_EQ(RunCli(ConfinedRun({}, {"true"})).exit_code, 0);
}

TEST_F(CliHostTest, DeathBySignalIs128PlusTheSignal) {
  ProcessResult result =
      RunCli(ConfinedRun({"--allow-syscall", "kill"}, {"/bin/sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.err;
}

TEST_F(CliHostTest, DeniedSyscallIsEpermInsideAllowedControlWorks) {
  ProcessResult denied =
      RunCli(ConfinedRun({"--policy", "minimal"}, {AccessProbePath(), "socket"}));
  EXPECT_EQ(denied.exit_code, kEperm) << denied.out << denied.err;
  ProcessResult allowed =
      RunCli(ConfinedRun({"--policy", "network"}, {AccessProbePath(), "socket"}));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
}

TEST_F(CliHostTest, MinimalCannotExecAgainBuildCan) {
  ProcessResult minimal =
      RunCli(ConfinedRun({"--policy", "minimal"}, {AccessProbePath(), "exec", "/bin/true"}));
  EXPECT_EQ(minimal.exit_code, kEperm) << minimal.out << minimal.err;
  ProcessResult build =
      RunCli(ConfinedRun({"--policy", "build"}, {AccessProbePath(), "exec", "/bin/true"}));
  EXPECT_EQ(build.exit_code, 0) << build.out << build.err;
}

TEST_F(CliHostTest, CommandRunsWithoutCapabilitiesAndWithNoNewPrivs) {
  ProcessResult result = RunCli(ConfinedRun({}, {AccessProbePath(), "confinement"}));
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST_F(CliHostTest, TierIsReportedHonestly) {
  ProcessResult result = RunCli(ConfinedRun({}, {"true"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  if (MachineEnforcesPaths()) {
    EXPECT_EQ(result.err, "") << "nothing is printed on success";
  } else {
    EXPECT_TRUE(Contains(result.err, "path rules are NOT enforced")) << result.err;
    EXPECT_TRUE(Contains(result.err, "--strict")) << result.err;
  }
}

TEST_F(CliHostTest, StrictRefusesWithoutPathEnforcement) {
  ProcessResult result = RunCli(ConfinedRun({"--strict"}, {"true"}));
  if (MachineEnforcesPaths()) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
  } else {
    EXPECT_EQ(result.exit_code, kLauncherFailed);
    EXPECT_TRUE(Contains(result.err, "--strict")) << result.err;
  }
}

TEST_F(CliHostTest, ForcedSeccompTierWarnsEverywhere) {
  ProcessResult result = RunCli(ConfinedRun({"--mode", "seccomp"}, {"true"}));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(Contains(result.err, "path rules are NOT enforced")) << result.err;
}

struct BadInput {
  std::vector<std::string> args;
  std::string named;  // what the message must name
};

TEST_F(CliHostTest, BadInputIsAClearErrorWithExit125AndNothingLeft) {
  const BadInput cases[] = {
      {{"run", "--allow-syscall", "no_such_call", "--", "true"}, "no_such_call"},
      {{"run", "--allow", "/nonexistent/cvlsm:r", "--", "true"}, "/nonexistent/cvlsm"},
      {{"run", "--allow", "/tmp:rq", "--", "true"}, "'q'"},
      {{"run", "--allow", "/tmp", "--", "true"}, "PATH:MODES"},
      {{"run", "--allow", "relative:r", "--", "true"}, "absolute"},
      {{"run", "--policy", "nosuch", "--", "true"}, "nosuch"},
      {{"run", "--mode", "landlocked", "--", "true"}, "landlocked"},
      {{"run", "--"}, "no command"},
      {{"run"}, "command"},
  };
  for (const BadInput& bad : cases) {
    ProcessResult result = RunCli(bad.args);
    EXPECT_EQ(result.exit_code, kLauncherFailed) << bad.named;
    EXPECT_TRUE(Contains(result.err, bad.named))
        << "message should name " << bad.named << ": " << result.err;
    EXPECT_TRUE(LeftoverCgroups().empty()) << bad.named;
  }
}

// The launcher's report and exit are allowed whatever the policy: a refused exec is 126
// with its reason, never a crash (the custom policy allows no syscall at all).
TEST_F(CliHostTest, RefusedExecIs126WithItsReasonWhateverThePolicy) {
  testing::ScratchDir dir;
  const std::string script = dir.WriteFile("not-executable", "#!/bin/sh\n");
  ProcessResult result =
      RunCli({"run", "--policy", "custom", "--allow", dir.path() + ":rx", "--", script});
  EXPECT_EQ(result.exit_code, 126) << result.err;
  EXPECT_TRUE(Contains(result.err, "error: cannot execute " + script + ": Permission denied"))
      << result.err;
  EXPECT_TRUE(Contains(result.err, "not an executable file")) << result.err;
  if (!MachineEnforcesPaths()) return;
  ProcessResult refused = RunCli({"run", "--policy", "custom", "--", "/usr/bin/true"});
  EXPECT_EQ(refused.exit_code, 126) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "cannot execute /usr/bin/true: Permission denied"))
      << refused.err;
  EXPECT_TRUE(Contains(refused.err, "--allow /usr/bin/true:rx")) << refused.err;
}

// policy validate says what run would do with the policy on this machine's tier: landlock
// refuses a deny rule that an allow rule overrides, and enforces one nothing grants.
TEST_F(CliHostTest, ValidateSaysWhatThisMachinesTierRefuses) {
  testing::ScratchDir dir;
  const std::string secret = dir.WriteFile("secret", "x");
  const std::string overridden = dir.WriteFile(
      "overridden.json", R"({"cv-lsm-policy": 1, "paths": [{"path": ")" + dir.path() +
                             R"(", "allow": "r"}, {"path": ")" + secret + R"(", "deny": "r"}]})");
  const std::string holds =
      dir.WriteFile("holds.json", R"({"cv-lsm-policy": 1, "paths": [{"path": ")" + dir.path() +
                                      R"(", "allow": "r", "deny": "w"}]})");
  ProcessResult refused = RunCli({"policy", "validate", overridden});
  ProcessResult accepted = RunCli({"policy", "validate", holds});
  EXPECT_EQ(refused.exit_code, 0) << "the file itself is valid: " << refused.err;
  EXPECT_TRUE(Contains(refused.out, "here: tier " + MachineTier())) << refused.out;
  EXPECT_EQ(Contains(refused.out, "run refuses this policy: deny rule '" + secret),
            MachineTier() == "landlock")
      << refused.out;
  EXPECT_FALSE(Contains(accepted.out, "run refuses")) << accepted.out;
}

// A failed `cv-lsm load` undoes what it did, the bpffs mount included. In a mount namespace
// of its own, where bpffs is not mounted: with /run read-only (it fails after mounting bpffs
// on every tier), the same with bpffs mounted before (which stays), and as it is where the
// kernel refuses the programs.
TEST_F(CliHostTest, FailedLoadLeavesBpffsUnmounted) {
  auto load_in_own_namespace = [](const std::string& setup) {
    const std::string script = "umount /sys/fs/bpf 2>/dev/null; " + setup + " " + CVLSM_CLI_PATH +
                               " load; status=$?; "
                               "if [ \"$(stat -f -c %T /sys/fs/bpf)\" = bpf_fs ]; then "
                               "echo 'bpffs: mounted' >&2; fi; "
                               "[ ! -e /sys/fs/bpf/cv-lsm ] || echo 'left: cv-lsm' >&2; "
                               "exit $status";
    return testing::RunProcess(
        {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script});
  };
  ProcessResult read_only_run = load_in_own_namespace("mount -t tmpfs -o ro tmpfs /run &&");
  EXPECT_EQ(read_only_run.exit_code, kLauncherFailed) << read_only_run.err;
  EXPECT_TRUE(Contains(read_only_run.err, "/run/cv-lsm")) << read_only_run.err;
  EXPECT_FALSE(Contains(read_only_run.err, "bpffs: mounted")) << read_only_run.err;
  // bpffs mounted before: it stays, and the directory the load made in it goes.
  ProcessResult mounted_before = load_in_own_namespace(
      "mount -t bpf bpf /sys/fs/bpf && mount -t tmpfs -o ro tmpfs /run && echo 'bpffs: before' "
      ">&2 &&");
  EXPECT_NE(mounted_before.exit_code, 0) << mounted_before.err;
  EXPECT_TRUE(Contains(mounted_before.err, "bpffs: mounted")) << mounted_before.err;
  EXPECT_FALSE(Contains(mounted_before.err, "left: cv-lsm")) << mounted_before.err;
  if (MachineTier() == "bpf-lsm") return;  // the load would succeed there
  ProcessResult refused = load_in_own_namespace("");
  EXPECT_NE(refused.exit_code, 0) << refused.err;
  EXPECT_FALSE(Contains(refused.err, "bpffs: mounted")) << refused.err;
}

// status names each remedy once: under its probe, or in the list of what bpf-lsm needs.
TEST_F(CliHostTest, StatusSaysEachRemedyOnce) {
  ProcessResult json = RunCli({"status", "--json"});
  ProcessResult human = RunCli({"status"});
  size_t remedies = 0;
  for (size_t at = json.out.find("\"remedy\": \""); at != std::string::npos;
       at = json.out.find("\"remedy\": \"", at + 1)) {
    const size_t start = at + 11;
    const std::string remedy = json.out.substr(start, json.out.find('"', start) - start);
    if (remedy.empty()) continue;
    ++remedies;
    size_t count = 0;
    for (size_t seen = human.out.find(remedy); seen != std::string::npos;
         seen = human.out.find(remedy, seen + 1)) {
      ++count;
    }
    EXPECT_EQ(count, 1u) << remedy << "\n" << human.out;
  }
  if (MachineTier() != "bpf-lsm") EXPECT_GT(remedies, 0u) << json.out;
}

// What the README's preset table says the presets cannot do, as the confined shell sees it:
// minimal cannot fork ("Cannot fork"), and on the landlock tier a process the command
// starts is refused its own /proc/self.
TEST_F(CliHostTest, PresetLimitsAreWhatTheReadmeSays) {
  ProcessResult fork = RunCli({"run", "--policy", "minimal", "--", "/bin/sh", "-c", "/bin/true"});
  EXPECT_NE(fork.exit_code, 0) << fork.err;
  EXPECT_TRUE(Contains(fork.err, "Cannot fork")) << fork.err;
  ProcessResult build_fork =
      RunCli({"run", "--policy", "build", "--", "/bin/sh", "-c", "/bin/true"});
  EXPECT_EQ(build_fork.exit_code, 0) << build_fork.err;

  ProcessResult child_proc_self = RunCli(
      {"run", "--policy", "build", "--", "/bin/sh", "-c", "cat /proc/self/status >/dev/null"});
  if (MachineTier() == "landlock") {
    EXPECT_NE(child_proc_self.exit_code, 0) << child_proc_self.err;
    EXPECT_TRUE(Contains(child_proc_self.err, "/proc/self/status: Permission denied"))
        << child_proc_self.err;
  } else {
    EXPECT_EQ(child_proc_self.exit_code, 0) << child_proc_self.err;
  }
  ProcessResult own_proc_self = RunCli(
      ConfinedRun({"--policy", "build"}, {AccessProbePath(), "open", "/proc/self/status", "r"}));
  EXPECT_EQ(own_proc_self.exit_code, 0) << own_proc_self.err;
}

// When a run ends, what was refused is listed with the option that would allow it: a
// refused syscall on every tier, a refused path where the tier can tell (bpf-lsm; landlock
// says it cannot), nothing when nothing was refused; -q hides it, -v says it as it happens.
TEST_F(CliHostTest, RunSummaryListsWhatWasRefusedAndWhatWouldAllowIt) {
  ProcessResult syscall =
      RunCli(ConfinedRun({"--policy", "minimal"}, {AccessProbePath(), "socket"}));
  EXPECT_EQ(syscall.exit_code, kEperm) << syscall.err;
  EXPECT_TRUE(Contains(syscall.err, "cv-lsm: run: 1 operation was refused")) << syscall.err;
  EXPECT_TRUE(
      Contains(syscall.err, "syscall socket (41), 1 time, by access_probe: --allow-syscall socket"))
      << syscall.err;

  ProcessResult path =
      RunCli(ConfinedRun({"--policy", "minimal"}, {AccessProbePath(), "open", "/etc/shadow", "r"}));
  if (MachineTier() == "bpf-lsm") {
    EXPECT_EQ(path.exit_code, 13) << path.err;
    EXPECT_TRUE(Contains(path.err,
                         "open /etc/shadow (r--), 1 time, by access_probe: --allow /etc/shadow:r"))
        << path.err;
  } else if (MachineTier() == "landlock") {
    EXPECT_EQ(path.exit_code, 13) << path.err;
    EXPECT_TRUE(Contains(path.err, "path refusals are not listed on the landlock tier"))
        << path.err;
  }

  ProcessResult quiet =
      RunCli(ConfinedRun({"-q", "--policy", "minimal"}, {AccessProbePath(), "socket"}));
  EXPECT_EQ(quiet.exit_code, kEperm) << quiet.err;
  EXPECT_FALSE(Contains(quiet.err, "refused")) << quiet.err;
  ProcessResult live =
      RunCli(ConfinedRun({"-v", "--policy", "minimal"}, {AccessProbePath(), "socket"}));
  EXPECT_TRUE(Contains(live.err, "cv-lsm: run: refused: syscall socket (41) by access_probe["))
      << live.err;

  ProcessResult nothing =
      RunCli(ConfinedRun({"--policy", "minimal"}, {AccessProbePath(), "open", "/etc/passwd", "r"}));
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_FALSE(Contains(nothing.err, "refused")) << nothing.err;
}

// Descriptors the caller holds are access it grants: run passes on only those it is told to.
TEST_F(CliHostTest, InheritedDescriptorsAreClosedUnlessPreserved) {
  // Two descriptors without close-on-exec, as a careless caller would leave them.
  int null_fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(null_fd, 0);
  ASSERT_EQ(::dup2(null_fd, 3), 3);
  ASSERT_EQ(::dup2(null_fd, 7), 7);
  if (null_fd != 3 && null_fd != 7) ::close(null_fd);
  const std::vector<std::string> which = {
      "/bin/sh", "-c",
      "for fd in 3 7; do [ -e /proc/self/fd/$fd ] && echo \"open $fd\"; done; true"};

  // The control: outside cv-lsm the command sees both.
  ProcessResult unconfined = testing::RunProcess(which);
  ProcessResult closed = RunCli(ConfinedRun({}, which));
  ProcessResult preserved = RunCli(ConfinedRun({"--preserve-fds", "1"}, which));
  ::close(3);
  ::close(7);
  EXPECT_EQ(unconfined.out, "open 3\nopen 7\n");
  EXPECT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_EQ(closed.out, "") << "descriptors above 2 reached the command";
  EXPECT_EQ(preserved.exit_code, 0) << preserved.err;
  EXPECT_EQ(preserved.out, "open 3\n") << "--preserve-fds 1 passes 3, and only 3";
}

TEST_F(CliHostTest, CommandNotFoundIs127) {
  ProcessResult result = RunCli({"run", "--", "cvlsm-no-such-command"});
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_TRUE(Contains(result.err, "cvlsm-no-such-command")) << result.err;
}

TEST_F(CliHostTest, ForwardsSignalsToTheCommand) {
  pid_t cli = ::fork();
  if (cli == 0) {
    ::execl(CVLSM_CLI_PATH, CVLSM_CLI_PATH, "run", "--", "sleep", "30", nullptr);
    ::_exit(127);
  }
  // Signal only once the command runs in its cgroup: a signal that arrives while the
  // process is still being loaded (seconds under emulation) ends it before cv-lsm exists.
  auto root = FindCgroup2Mount();
  ASSERT_TRUE(root.ok()) << root.status();
  const std::string procs = *root + "/cv-lsm/run-" + std::to_string(cli) + "/cgroup.procs";
  auto running = [&procs] {
    std::ifstream file(procs);
    pid_t pid = 0;
    return static_cast<bool>(file >> pid);
  };
  for (int i = 0; i < 600 && !running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(running()) << "the confined command never started";
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(cli, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(cli, &status, 0), cli);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(CliHostTest, TierIsTheOneThisMachineMustHave) {
  // Set by the kernel matrix (tests/vm/run-case.sh) for every kernel and boot line.
  // ctest sets it for the host layer too (CVLSM_HOST_EXPECTED_TIER, default landlock).
  const char* expected = std::getenv("CVLSM_EXPECT_TIER");
  ASSERT_NE(expected, nullptr) << "run through ctest, or set CVLSM_EXPECT_TIER";
  EXPECT_EQ(MachineTier(), expected) << RunCli({"status"}).out;
}

TEST_F(CliHostTest, StatusReportsKernelLsmAndTier) {
  ProcessResult json = RunCli({"status", "--json"});
  const int expected_exit = MachineTier() == "bpf-lsm" ? 0 : MachineTier() == "landlock" ? 2 : 3;
  EXPECT_EQ(json.exit_code, expected_exit) << json.out << json.err;
  for (const char* key : {"\"kernel\"", "\"lsm\"", "\"tier\"", "\"probes\""}) {
    EXPECT_TRUE(Contains(json.out, key)) << key << " in " << json.out;
  }
  ProcessResult human = RunCli({"status"});
  EXPECT_EQ(human.exit_code, json.exit_code);
  EXPECT_TRUE(Contains(human.out, "tier:")) << human.out;
  EXPECT_TRUE(Contains(human.out, "tier:     " + MachineTier())) << human.out;
}

}  // namespace
}  // namespace cvlsm
