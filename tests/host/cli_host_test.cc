// The cv-lsm CLI on this machine, as root, in whichever tier the machine offers. Every
// verdict is observed from inside the confined process (the access probe's exit status).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/cli_runner.h"

namespace cvlsm {
namespace {

using testing::AccessProbeDir;
using testing::AccessProbePath;
using testing::LeftoverCgroups;
using testing::ProcessResult;
using testing::RunCli;

constexpr int kEperm = 1;
constexpr int kLauncherFailed = 125;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The tier this machine runs, from `cv-lsm status --json` (exit 0 = bpf-lsm).
bool MachineEnforcesPaths() {
  static const bool enforces = RunCli({"status", "--json"}).exit_code == 0;
  return enforces;
}

std::vector<std::string> RunArgs(std::vector<std::string> options,
                                 std::vector<std::string> command) {
  std::vector<std::string> args = {"run", "--allow", AccessProbeDir() + ":rx"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

class CliHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "the host tests need root (cgroups, seccomp, BPF)";
  }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()) << "stray cgroup left"; }
};

TEST_F(CliHostTest, ExitStatusIsTheCommands) {
  EXPECT_EQ(RunCli(RunArgs({}, {"/bin/sh", "-c", "exit 7"})).exit_code, 7);
  EXPECT_EQ(RunCli(RunArgs({}, {"true"})).exit_code, 0);
}

TEST_F(CliHostTest, DeathBySignalIs128PlusTheSignal) {
  ProcessResult result =
      RunCli(RunArgs({"--allow-syscall", "kill"}, {"/bin/sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.err;
}

TEST_F(CliHostTest, DeniedSyscallIsEpermInsideAllowedControlWorks) {
  ProcessResult denied = RunCli(RunArgs({"--policy", "minimal"}, {AccessProbePath(), "socket"}));
  EXPECT_EQ(denied.exit_code, kEperm) << denied.out << denied.err;
  ProcessResult allowed = RunCli(RunArgs({"--policy", "network"}, {AccessProbePath(), "socket"}));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
}

TEST_F(CliHostTest, MinimalCannotExecAgainBuildCan) {
  ProcessResult minimal =
      RunCli(RunArgs({"--policy", "minimal"}, {AccessProbePath(), "exec", "/bin/true"}));
  EXPECT_EQ(minimal.exit_code, kEperm) << minimal.out << minimal.err;
  ProcessResult build =
      RunCli(RunArgs({"--policy", "build"}, {AccessProbePath(), "exec", "/bin/true"}));
  EXPECT_EQ(build.exit_code, 0) << build.out << build.err;
}

TEST_F(CliHostTest, CommandRunsWithoutCapabilitiesAndWithNoNewPrivs) {
  ProcessResult result = RunCli(RunArgs({}, {AccessProbePath(), "confinement"}));
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST_F(CliHostTest, TierIsReportedHonestly) {
  ProcessResult result = RunCli(RunArgs({}, {"true"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  if (MachineEnforcesPaths()) {
    EXPECT_EQ(result.err, "") << "nothing is printed on success";
  } else {
    EXPECT_TRUE(Contains(result.err, "path rules are NOT enforced")) << result.err;
    EXPECT_TRUE(Contains(result.err, "--strict")) << result.err;
  }
}

TEST_F(CliHostTest, StrictRefusesWithoutPathEnforcement) {
  ProcessResult result = RunCli(RunArgs({"--strict"}, {"true"}));
  if (MachineEnforcesPaths()) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
  } else {
    EXPECT_EQ(result.exit_code, kLauncherFailed);
    EXPECT_TRUE(Contains(result.err, "--strict")) << result.err;
  }
}

TEST_F(CliHostTest, ForcedSeccompTierWarnsEverywhere) {
  ProcessResult result = RunCli(RunArgs({"--mode", "seccomp"}, {"true"}));
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
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(cli, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(cli, &status, 0), cli);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(CliHostTest, StatusReportsKernelLsmAndTier) {
  ProcessResult json = RunCli({"status", "--json"});
  EXPECT_TRUE(json.exit_code == 0 || json.exit_code == 3) << json.err;
  for (const char* key : {"\"kernel\"", "\"lsm\"", "\"tier\"", "\"probes\""}) {
    EXPECT_TRUE(Contains(json.out, key)) << key << " in " << json.out;
  }
  ProcessResult human = RunCli({"status"});
  EXPECT_EQ(human.exit_code, json.exit_code);
  EXPECT_TRUE(Contains(human.out, "tier:")) << human.out;
  EXPECT_TRUE(Contains(human.out, MachineEnforcesPaths() ? "bpf-lsm" : "seccomp")) << human.out;
}

}  // namespace
}  // namespace cvlsm
