#include "cli/cli_options.h"

#include <gtest/gtest.h>

#include <variant>

namespace cvlsm::cli {
namespace {

Invocation Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "cv-lsm");
  return ParseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(CliOptionsTest, RunWithEverything) {
  Invocation inv = Parse({"run", "--policy", "build", "--allow", "/src:rwx", "--allow", "/data:r",
                          "--allow-syscall", "getcpu", "--mode", "bpf-lsm", "--strict", "--",
                          "make", "-j2", "--keep-going"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy, "build");
  EXPECT_EQ(run->allow_paths, (std::vector<std::string>{"/src:rwx", "/data:r"}));
  EXPECT_EQ(run->allow_syscalls, (std::vector<std::string>{"getcpu"}));
  EXPECT_EQ(run->tier, "bpf-lsm");
  EXPECT_TRUE(run->strict);
  EXPECT_EQ(run->command, (std::vector<std::string>{"make", "-j2", "--keep-going"}));
}

TEST(CliOptionsTest, DefaultsToMinimalAndAuto) {
  Invocation inv = Parse({"run", "--", "true"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy, "minimal");
  EXPECT_EQ(run->tier, "auto");
  EXPECT_FALSE(run->strict);
  EXPECT_EQ(run->command, (std::vector<std::string>{"true"}));
}

TEST(CliOptionsTest, CommandOptionsAreNotOurs) {
  Invocation inv = Parse({"run", "--", "ls", "--policy", "-l"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy, "minimal");
  EXPECT_EQ(run->command, (std::vector<std::string>{"ls", "--policy", "-l"}));
}

TEST(CliOptionsTest, EverythingAfterTheFirstSeparatorIsTheCommandVerbatim) {
  Invocation inv = Parse({"run", "--", "git", "diff", "--", "file"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->command, (std::vector<std::string>{"git", "diff", "--", "file"}));
}

TEST(CliOptionsTest, CommandWithoutSeparator) {
  Invocation inv = Parse({"run", "--policy", "build", "make", "-j2"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy, "build");
  EXPECT_EQ(run->command, (std::vector<std::string>{"make", "-j2"}));
}

TEST(CliOptionsTest, MissingCommandIsAUsageErrorWithExit125) {
  for (auto args : {std::vector<const char*>{"run"}, std::vector<const char*>{"run", "--"}}) {
    Invocation inv = Parse(args);
    auto* print = std::get_if<PrintAndExit>(&inv.command);
    ASSERT_NE(print, nullptr);
    EXPECT_EQ(print->exit_code, 125);
  }
}

TEST(CliOptionsTest, UnknownOptionIsAUsageError) {
  Invocation inv = Parse({"run", "--frobnicate", "--", "true"});
  auto* print = std::get_if<PrintAndExit>(&inv.command);
  ASSERT_NE(print, nullptr);
  EXPECT_EQ(print->exit_code, 125);
  EXPECT_NE(print->text.find("frobnicate"), std::string::npos);
}

TEST(CliOptionsTest, StatusJson) {
  Invocation inv = Parse({"status", "--json"});
  auto* status = std::get_if<StatusOptions>(&inv.command);
  ASSERT_NE(status, nullptr);
  EXPECT_TRUE(status->json);
}

TEST(CliOptionsTest, HelpExitsZero) {
  Invocation inv = Parse({"--help"});
  auto* print = std::get_if<PrintAndExit>(&inv.command);
  ASSERT_NE(print, nullptr);
  EXPECT_EQ(print->exit_code, 0);
  EXPECT_NE(print->text.find("run"), std::string::npos);
}

TEST(CliOptionsTest, SplitsPathRulesAtTheLastColon) {
  auto parts = SplitPathRule("/srv/a:b:rw");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->first, "/srv/a:b");
  EXPECT_EQ(parts->second, "rw");
  EXPECT_FALSE(SplitPathRule("/data").ok());
  EXPECT_FALSE(SplitPathRule("/data:").ok());
  EXPECT_FALSE(SplitPathRule(":rw").ok());
}

}  // namespace
}  // namespace cvlsm::cli
