// Each preset runs a real program of its use case end to end, in whichever tier the booted
// kernel must offer (CVLSM_EXPECT_TIER, see tier_expectations.h): Minimal runs coreutils over
// an allowed directory, Build compiles and links a C program with make and cc, Network serves
// and fetches a page over loopback. The workloads succeed in every tier; their controls are
// refused where paths are enforced and go through, with the warning, under seccomp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_runner.h"
#include "vm/guest/tier_expectations.h"

namespace cvlsm {
namespace {

using testing::Contains;
using testing::LeftoverCgroups;
using testing::MachineRunsTheExpectedTier;
using testing::PathsEnforced;
using testing::ProcessResult;
using testing::RanWithoutPathEnforcement;
using testing::RunCli;
using testing::ScratchDir;
using testing::StrictIfEnforced;

// `cv-lsm run [--strict] --policy POLICY OPTIONS... -- COMMAND...`, --strict where the tier
// enforces every rule class of the preset.
std::vector<std::string> RunArgs(const std::string& policy, const std::vector<std::string>& options,
                                 const std::vector<std::string>& command) {
  std::vector<std::string> args = {"run"};
  for (const std::string& strict : StrictIfEnforced()) args.push_back(strict);
  args.push_back("--policy");
  args.push_back(policy);
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

ProcessResult RunConfined(const std::string& policy, const std::vector<std::string>& options,
                          const std::vector<std::string>& command) {
  return RunCli(RunArgs(policy, options, command));
}

class PresetWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(MachineRunsTheExpectedTier()); }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()); }
};

TEST_F(PresetWorkloadTest, MinimalRunsCoreutilsOverAnAllowedDirectory) {
  ScratchDir data("/var/tmp");
  data.WriteFile("fruits.txt", "pear\napple\nfig\n");
  std::string rule = "--allow=" + data.path() + ":rw";
  ProcessResult ls = RunConfined("minimal", {rule}, {"ls", "-l", data.path()});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_TRUE(Contains(ls.out, "fruits.txt")) << ls.out;

  ProcessResult sort = RunConfined(
      "minimal", {rule}, {"sort", "-o", data.path() + "/sorted.txt", data.path() + "/fruits.txt"});
  EXPECT_EQ(sort.exit_code, 0) << sort.err;
  std::ifstream sorted(data.path() + "/sorted.txt");
  std::stringstream content;
  content << sorted.rdbuf();
  EXPECT_EQ(content.str(), "apple\nfig\npear\n");

  ProcessResult wc = RunConfined("minimal", {rule}, {"wc", "-l", data.path() + "/fruits.txt"});
  EXPECT_EQ(wc.exit_code, 0) << wc.err;
  EXPECT_TRUE(Contains(wc.out, "3")) << wc.out;

  ProcessResult sum = RunConfined("minimal", {rule}, {"sha256sum", data.path() + "/sorted.txt"});
  EXPECT_EQ(sum.exit_code, 0) << sum.err;

  // Control: the same tools are refused what the policy does not name (seccomp: not, and it
  // says so).
  ProcessResult outside = RunConfined("minimal", {rule}, {"cat", "/etc/hostname"});
  if (PathsEnforced()) {
    EXPECT_NE(outside.exit_code, 0);
    EXPECT_TRUE(Contains(outside.err, "Permission denied")) << outside.err;
  } else {
    EXPECT_TRUE(RanWithoutPathEnforcement(outside));
  }
}

TEST_F(PresetWorkloadTest, BuildCompilesAndLinksWithMakeAndCc) {
  ScratchDir workspace("/var/tmp");  // /tmp is allowed by the preset itself
  workspace.WriteFile("hello.c",
                      "#include <stdio.h>\n#include \"greeting.h\"\n"
                      "int main(void) { puts(GREETING); return 0; }\n");
  workspace.WriteFile("greeting.h", "#define GREETING \"hello from a confined build\"\n");
  workspace.WriteFile("Makefile",
                      "hello: hello.o\n\tcc -o $@ $^\n"
                      "hello.o: hello.c greeting.h\n\tcc -O2 -c -o $@ hello.c\n");
  ProcessResult make = RunConfined("build", {"--allow=" + workspace.path() + ":rwx"},
                                   {"make", "-C", workspace.path()});
  ASSERT_EQ(make.exit_code, 0) << make.out << make.err;
  ProcessResult hello = RunConfined("minimal", {"--allow=" + workspace.path() + ":rx"},
                                    {workspace.path() + "/hello"});
  EXPECT_EQ(hello.exit_code, 0) << hello.err;
  EXPECT_EQ(hello.out, "hello from a confined build\n");

  // Control: a build that writes outside its workspace is refused (seccomp: not, and it says
  // so).
  ScratchDir elsewhere("/var/tmp");
  ProcessResult escape =
      RunConfined("build", {"--allow=" + workspace.path() + ":rwx"},
                  {"cc", "-o", elsewhere.path() + "/hello", workspace.path() + "/hello.c"});
  if (PathsEnforced()) {
    EXPECT_NE(escape.exit_code, 0) << escape.err;
  } else {
    EXPECT_TRUE(RanWithoutPathEnforcement(escape));
  }
}

TEST_F(PresetWorkloadTest, NetworkServesAndFetchesAPageOverLoopback) {
  ScratchDir site;
  site.WriteFile("index.html", "<p>served by a confined httpd</p>\n");
  const std::string port = "18080";
  std::vector<std::string> server_args =
      RunArgs("network", {"--allow=" + site.path() + ":r"},
              {"busybox", "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", site.path()});
  server_args.insert(server_args.begin(), CVLSM_CLI_PATH);
  std::vector<char*> server_argv;
  for (std::string& arg : server_args) server_argv.push_back(arg.data());
  server_argv.push_back(nullptr);
  pid_t server = ::fork();
  if (server == 0) {
    ::execv(CVLSM_CLI_PATH, server_argv.data());
    ::_exit(127);
  }
  ProcessResult fetch;
  for (int attempt = 0; attempt < 60; ++attempt) {
    fetch = RunConfined(
        "network", {},
        {"busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:" + port + "/index.html"});
    if (fetch.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(fetch.exit_code, 0) << fetch.err;
  EXPECT_EQ(fetch.out, "<p>served by a confined httpd</p>\n");

  // Control: a symlink in the site that points outside its rules is not served (seccomp: it
  // is, and the fetch's own run says path rules are not enforced).
  ScratchDir other;
  std::string leaked = other.WriteFile("private.html", "private\n");
  ASSERT_EQ(::symlink(leaked.c_str(), (site.path() + "/leak.html").c_str()), 0);
  ProcessResult leak =
      RunConfined("network", {},
                  {"busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:" + port + "/leak.html"});
  if (PathsEnforced()) {
    EXPECT_NE(leak.exit_code, 0);
    EXPECT_FALSE(Contains(leak.out, "private")) << leak.out;
  } else {
    EXPECT_TRUE(RanWithoutPathEnforcement(leak));
    EXPECT_EQ(leak.out, "private\n");
  }

  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << "the server ends through cv-lsm's signal forwarding";
}

}  // namespace
}  // namespace cvlsm
