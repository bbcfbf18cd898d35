// Each preset runs a real program of its use case end to end under the bpf-lsm tier:
// Minimal runs coreutils over an allowed directory, Build compiles and links a C program
// with make and cc, Network serves and fetches a page over loopback.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "support/cli_runner.h"

namespace cvlsm {
namespace {

using testing::LeftoverCgroups;
using testing::ProcessResult;
using testing::RunCli;
using testing::ScratchDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class PresetWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(RunCli({"status"}).exit_code, 0) << "needs the bpf-lsm tier"; }
  void TearDown() override { EXPECT_TRUE(LeftoverCgroups().empty()); }
};

TEST_F(PresetWorkloadTest, MinimalRunsCoreutilsOverAnAllowedDirectory) {
  ScratchDir data("/var/tmp");
  data.WriteFile("fruits.txt", "pear\napple\nfig\n");
  std::string rule = "--allow=" + data.path() + ":rw";
  ProcessResult ls =
      RunCli({"run", "--strict", "--policy", "minimal", rule, "--", "ls", "-l", data.path()});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_TRUE(Contains(ls.out, "fruits.txt")) << ls.out;

  ProcessResult sort = RunCli({"run", "--strict", "--policy", "minimal", rule, "--", "sort", "-o",
                               data.path() + "/sorted.txt", data.path() + "/fruits.txt"});
  EXPECT_EQ(sort.exit_code, 0) << sort.err;
  std::ifstream sorted(data.path() + "/sorted.txt");
  std::stringstream content;
  content << sorted.rdbuf();
  EXPECT_EQ(content.str(), "apple\nfig\npear\n");

  ProcessResult wc = RunCli({"run", "--strict", "--policy", "minimal", rule, "--", "wc", "-l",
                             data.path() + "/fruits.txt"});
  EXPECT_EQ(wc.exit_code, 0) << wc.err;
  EXPECT_TRUE(Contains(wc.out, "3")) << wc.out;

  ProcessResult sum = RunCli({"run", "--strict", "--policy", "minimal", rule, "--", "sha256sum",
                              data.path() + "/sorted.txt"});
  EXPECT_EQ(sum.exit_code, 0) << sum.err;

  // Control: the same tools are refused what the policy does not name.
  ProcessResult outside =
      RunCli({"run", "--strict", "--policy", "minimal", rule, "--", "cat", "/etc/hostname"});
  EXPECT_NE(outside.exit_code, 0);
  EXPECT_TRUE(Contains(outside.err, "Permission denied")) << outside.err;
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
  ProcessResult make =
      RunCli({"run", "--strict", "--policy", "build", "--allow=" + workspace.path() + ":rwx", "--",
              "make", "-C", workspace.path()});
  ASSERT_EQ(make.exit_code, 0) << make.out << make.err;
  ProcessResult hello =
      RunCli({"run", "--strict", "--policy", "minimal", "--allow=" + workspace.path() + ":rx", "--",
              workspace.path() + "/hello"});
  EXPECT_EQ(hello.exit_code, 0) << hello.err;
  EXPECT_EQ(hello.out, "hello from a confined build\n");

  // Control: a build that writes outside its workspace is refused.
  ScratchDir elsewhere("/var/tmp");
  ProcessResult escape =
      RunCli({"run", "--strict", "--policy", "build", "--allow=" + workspace.path() + ":rwx", "--",
              "cc", "-o", elsewhere.path() + "/hello", workspace.path() + "/hello.c"});
  EXPECT_NE(escape.exit_code, 0);
}

TEST_F(PresetWorkloadTest, NetworkServesAndFetchesAPageOverLoopback) {
  ScratchDir site;
  site.WriteFile("index.html", "<p>served by a confined httpd</p>\n");
  const std::string port = "18080";
  pid_t server = ::fork();
  if (server == 0) {
    ::execl(CVLSM_CLI_PATH, CVLSM_CLI_PATH, "run", "--strict", "--policy", "network",
            ("--allow=" + site.path() + ":r").c_str(), "--", "busybox", "httpd", "-f", "-p",
            ("127.0.0.1:" + port).c_str(), "-h", site.path().c_str(), nullptr);
    ::_exit(127);
  }
  ProcessResult fetch;
  for (int attempt = 0; attempt < 60; ++attempt) {
    fetch = RunCli({"run", "--strict", "--policy", "network", "--", "busybox", "wget", "-q", "-O",
                    "-", "http://127.0.0.1:" + port + "/index.html"});
    if (fetch.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(fetch.exit_code, 0) << fetch.err;
  EXPECT_EQ(fetch.out, "<p>served by a confined httpd</p>\n");

  // Control: a symlink in the site that points outside its rules is not served.
  ScratchDir other;
  std::string leaked = other.WriteFile("private.html", "private\n");
  ASSERT_EQ(::symlink(leaked.c_str(), (site.path() + "/leak.html").c_str()), 0);
  ProcessResult leak = RunCli({"run", "--strict", "--policy", "network", "--", "busybox", "wget",
                               "-q", "-O", "-", "http://127.0.0.1:" + port + "/leak.html"});
  EXPECT_NE(leak.exit_code, 0);
  EXPECT_FALSE(Contains(leak.out, "private"));

  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << "the server ends through cv-lsm's signal forwarding";
}

}  // namespace
}  // namespace cvlsm
