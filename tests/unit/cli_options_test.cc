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
                          "--allow-syscall", "getcpu", "--mode", "bpf-lsm", "--strict",
                          "--private-programs", "--", "make", "-j2", "--keep-going"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy, "build");
  EXPECT_EQ(run->allow_paths, (std::vector<std::string>{"/src:rwx", "/data:r"}));
  EXPECT_EQ(run->allow_syscalls, (std::vector<std::string>{"getcpu"}));
  EXPECT_EQ(run->tier, "bpf-lsm");
  EXPECT_TRUE(run->strict);
  EXPECT_TRUE(run->private_programs);
  EXPECT_EQ(run->command, (std::vector<std::string>{"make", "-j2", "--keep-going"}));
}

TEST(CliOptionsTest, DefaultsToMinimalAndAuto) {
  Invocation inv = Parse({"run", "--", "true"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy, "minimal");
  EXPECT_EQ(run->tier, "auto");
  EXPECT_FALSE(run->strict);
  EXPECT_FALSE(run->private_programs);  // the machine's programs, pinned on first use
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

// The README's synopsis puts -v after run; -v and -q count wherever they are given.
TEST(CliOptionsTest, VerboseAndQuietAfterTheSubcommand) {
  Invocation inv = Parse({"run", "-v", "--policy", "build", "-q", "--", "true"});
  ASSERT_NE(std::get_if<RunOptions>(&inv.command), nullptr);
  EXPECT_EQ(inv.verbosity, 1);
  EXPECT_TRUE(inv.quiet);
  EXPECT_EQ(Parse({"-v", "run", "-v", "--", "true"}).verbosity, 2);
}

// Each --allow takes one value: without --, the command is not read as a second rule.
TEST(CliOptionsTest, RepeatedOptionsTakeOneValueEach) {
  Invocation inv = Parse({"run", "--allow", "/:r", "ls", "-l", "/x"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->allow_paths, (std::vector<std::string>{"/:r"}));
  EXPECT_EQ(run->command, (std::vector<std::string>{"ls", "-l", "/x"}));
}

// A misspelled option before -- is an error naming it, never taken for the command.
TEST(CliOptionsTest, UnknownOptionBeforeTheSeparatorIsNamed) {
  for (auto args :
       {std::vector<const char*>{"run", "--policy", "minimal", "--bogus-flag", "x", "--", "true"},
        std::vector<const char*>{"run", "--dny", "/etc:r", "--", "true"},
        std::vector<const char*>{"learn", "-o", "p.json", "--bse", "build", "--", "make"}}) {
    Invocation inv = Parse(args);
    auto* print = std::get_if<PrintAndExit>(&inv.command);
    ASSERT_NE(print, nullptr) << args[3];
    EXPECT_EQ(print->exit_code, 125);
    EXPECT_NE(print->text.find("unknown option -"), std::string::npos) << print->text;
  }
  Invocation words = Parse({"run", "ls", "-l", "--", "x"});
  auto* print = std::get_if<PrintAndExit>(&words.command);
  ASSERT_NE(print, nullptr);
  EXPECT_NE(print->text.find("put -- before the command"), std::string::npos) << print->text;
}

TEST(CliOptionsTest, VersionHelpAndUnknownCommands) {
  Invocation version = Parse({"--version"});
  auto* print = std::get_if<PrintAndExit>(&version.command);
  ASSERT_NE(print, nullptr);
  EXPECT_EQ(print->exit_code, 0);
  EXPECT_EQ(print->text.rfind("cv-lsm 0.", 0), 0u) << print->text;

  Invocation help = Parse({"help"});
  print = std::get_if<PrintAndExit>(&help.command);
  ASSERT_NE(print, nullptr);
  EXPECT_EQ(print->exit_code, 0);
  EXPECT_NE(print->text.find("run"), std::string::npos) << print->text;
  Invocation help_run = Parse({"help", "run"});
  print = std::get_if<PrintAndExit>(&help_run.command);
  ASSERT_NE(print, nullptr);
  EXPECT_EQ(print->exit_code, 0);
  EXPECT_NE(print->text.find("cv-lsm run"), std::string::npos) << print->text;
  EXPECT_NE(print->text.find("--allow"), std::string::npos) << print->text;

  for (auto args :
       {std::vector<const char*>{"frobnicate"}, std::vector<const char*>{"help", "frobnicate"}}) {
    Invocation unknown = Parse(args);
    print = std::get_if<PrintAndExit>(&unknown.command);
    ASSERT_NE(print, nullptr);
    EXPECT_EQ(print->exit_code, 125);
    EXPECT_NE(print->text.find("unknown command 'frobnicate'"), std::string::npos) << print->text;
  }
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

TEST(CliOptionsTest, RunWithPolicyFile) {
  Invocation inv = Parse({"run", "--policy-file", "/etc/p.json", "--", "true"});
  auto* run = std::get_if<RunOptions>(&inv.command);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->policy_file, "/etc/p.json");
}

TEST(CliOptionsTest, PolicySubcommands) {
  Invocation show = Parse({"policy", "show", "--compact", "build"});
  auto* options = std::get_if<PolicyOptions>(&show.command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->action, PolicyOptions::Action::kShow);
  EXPECT_EQ(options->target, "build");
  EXPECT_TRUE(options->compact);

  Invocation validate = Parse({"policy", "validate", "p.json"});
  options = std::get_if<PolicyOptions>(&validate.command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->action, PolicyOptions::Action::kValidate);
  EXPECT_EQ(options->target, "p.json");

  Invocation import = Parse({"policy", "import-oci", "--strict", "d.json", "-o", "out.json"});
  options = std::get_if<PolicyOptions>(&import.command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->action, PolicyOptions::Action::kImportOci);
  EXPECT_EQ(options->target, "d.json");
  EXPECT_EQ(options->output, "out.json");
  EXPECT_TRUE(options->strict);
}

TEST(CliOptionsTest, PolicyNeedsASubcommandAndAnArgument) {
  for (auto args :
       {std::vector<const char*>{"policy"}, std::vector<const char*>{"policy", "validate"},
        std::vector<const char*>{"policy", "frob", "x"}}) {
    Invocation inv = Parse(args);
    auto* print = std::get_if<PrintAndExit>(&inv.command);
    ASSERT_NE(print, nullptr);
    EXPECT_EQ(print->exit_code, 125);
  }
}

TEST(CliOptionsTest, SubcommandHelpIsTheSubcommands) {
  Invocation inv = Parse({"policy", "import-oci", "--help"});
  auto* print = std::get_if<PrintAndExit>(&inv.command);
  ASSERT_NE(print, nullptr);
  EXPECT_EQ(print->exit_code, 0);
  EXPECT_NE(print->text.find("--strict"), std::string::npos) << print->text;
}

TEST(CliOptionsTest, OciHookTakesNoArguments) {
  Invocation inv = Parse({"oci-hook"});
  EXPECT_NE(std::get_if<OciHookOptions>(&inv.command), nullptr);
  Invocation extra = Parse({"oci-hook", "--policy", "minimal"});
  auto* usage = std::get_if<PrintAndExit>(&extra.command);
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->exit_code, 125);
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
TEST(CliOptionsTest, ApplyTakesACgroupAndAPolicy) {
  Invocation inv = Parse({"apply", "--cgroup", "/sys/fs/cgroup/app", "--policy-file", "p.json",
                          "--allow", "/data:r", "--deny", "/data/secret:r"});
  const auto* machine = std::get_if<MachineOptions>(&inv.command);
  ASSERT_NE(machine, nullptr);
  EXPECT_EQ(machine->action, MachineOptions::Action::kApply);
  EXPECT_EQ(machine->cgroup, "/sys/fs/cgroup/app");
  EXPECT_EQ(machine->policy_file, "p.json");
  EXPECT_EQ(machine->allow_paths, std::vector<std::string>{"/data:r"});
  EXPECT_EQ(machine->deny_paths, std::vector<std::string>{"/data/secret:r"});
}

TEST(CliOptionsTest, ApplyWithoutAPolicyIsAUsageError) {
  // Confining with a default the user did not name would be a surprise either way.
  Invocation inv = Parse({"apply", "--cgroup", "/sys/fs/cgroup/app"});
  const auto* print = std::get_if<PrintAndExit>(&inv.command);
  ASSERT_NE(print, nullptr);
  EXPECT_NE(print->exit_code, 0);
  EXPECT_NE(print->text.find("--policy"), std::string::npos);
}

TEST(CliOptionsTest, ApplyAndDetachNeedACgroup) {
  for (const char* command : {"apply", "detach"}) {
    Invocation inv = Parse({command, "--policy", "minimal"});
    const auto* print = std::get_if<PrintAndExit>(&inv.command);
    ASSERT_NE(print, nullptr) << command;
    EXPECT_NE(print->exit_code, 0) << command;
  }
}

TEST(CliOptionsTest, MachineCommands) {
  struct Case {
    std::vector<const char*> args;
    MachineOptions::Action action;
  };
  for (const Case& c : {Case{{"load"}, MachineOptions::Action::kLoad},
                        Case{{"unload", "--force"}, MachineOptions::Action::kUnload},
                        Case{{"detach", "--cgroup", "/x"}, MachineOptions::Action::kDetach},
                        Case{{"list", "--json"}, MachineOptions::Action::kList},
                        Case{{"keeper", "--socket", "/run/k.sock", "--ready-fd", "3"},
                             MachineOptions::Action::kKeeper}}) {
    Invocation inv = Parse(c.args);
    const auto* machine = std::get_if<MachineOptions>(&inv.command);
    ASSERT_NE(machine, nullptr) << c.args[0];
    EXPECT_EQ(machine->action, c.action) << c.args[0];
  }
  EXPECT_TRUE(std::get<MachineOptions>(Parse({"unload", "--force"}).command).force);
  EXPECT_FALSE(std::get<MachineOptions>(Parse({"load"}).command).count_syscall_denials);
  EXPECT_TRUE(std::get<MachineOptions>(Parse({"load", "--count-syscall-denials"}).command)
                  .count_syscall_denials);
  EXPECT_TRUE(std::get<MachineOptions>(Parse({"list", "--json"}).command).json);
}

}  // namespace cvlsm::cli
