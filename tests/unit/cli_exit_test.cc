// One convention for every subcommand's own failure (the README's "Exit status"): exit 125
// and one line "cv-lsm: COMMAND: error: ..." on stderr, through the built binary. Every case
// fails whatever the machine offers (a cgroup, file or preset that does not exist).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cli_runner.h"

namespace cvlsm::testing {
namespace {

struct Failing {
  std::string command;  // as the message names it
  std::vector<std::string> args;
};

TEST(CliExitTest, EverySubcommandFailsWithOneErrorLineAndExit125) {
  const std::string missing = "/nonexistent/cv-lsm-test";
  const Failing cases[] = {
      {"run", {"run", "--policy", "nosuch", "--", "true"}},
      {"learn", {"learn", "--base", "nosuch", "-o", missing + "/p.json", "--", "true"}},
      {"policy", {"policy", "validate", missing}},
      {"policy", {"policy", "show", missing}},
      {"policy", {"policy", "import-oci", missing}},
      {"apply", {"apply", "--cgroup", missing, "--policy", "minimal"}},
      {"detach", {"detach", "--cgroup", missing}},
      {"stats", {"stats", "--cgroup", missing}},
      {"events", {"events", "--cgroup", missing}},
  };
  for (const Failing& failing : cases) {
    ProcessResult result = RunCli(failing.args);
    EXPECT_EQ(result.exit_code, 125) << failing.args[0] << ": " << result.err;
    EXPECT_EQ(result.err.rfind("cv-lsm: " + failing.command + ": error: ", 0), 0u)
        << failing.args[0] << ": " << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "one line: " << result.err;
  }
  ProcessResult hook =
      RunProcess({"/bin/sh", "-c", std::string(CVLSM_CLI_PATH) + " oci-hook </dev/null"});
  EXPECT_EQ(hook.exit_code, 125) << hook.err;
  EXPECT_EQ(hook.err.rfind("cv-lsm: oci-hook: error: container (unknown): ", 0), 0u) << hook.err;
}

TEST(CliExitTest, UsageErrorsExit125) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"frobnicate"}, {"run", "--bogus", "--", "true"}, {"stats", "--bogus"}}) {
    ProcessResult result = RunCli(args);
    EXPECT_EQ(result.exit_code, 125) << args[0] << ": " << result.err;
  }
}

// A policy's name is the file's text: printed, an escape sequence would reach the terminal.
TEST(CliExitTest, NamesFromAFileReachTheTerminalEscaped) {
  ScratchDir dir;
  const std::string file = dir.WriteFile(
      "p.json", R"({"cv-lsm-policy": 1, "name": "x\u001b[31mred", "base": "minimal"})");
  ProcessResult result = RunCli({"policy", "validate", file});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.out, "policy \"x\\x1b[31mred\"")) << result.out;
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << result.out;
}

}  // namespace
}  // namespace cvlsm::testing
