// `cv-lsm policy show|validate|import-oci` and `run --policy-file` input checks, through
// the built binary; none of them needs privileges.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "policy/policy_file.h"
#include "support/cli_runner.h"

namespace cvlsm::testing {
namespace {

std::string DataPath(const std::string& name) {
  return absl::StrCat(CVLSM_OCI_SECCOMP_DATA_DIR, "/", name);
}

constexpr char kValid[] = R"({
  "cv-lsm-policy": 1,
  "name": "tools",
  "base": "minimal",
  "syscalls": ["prctl"],
  "paths": [{"path": "/srv", "allow": "r"}]
}
)";

TEST(PolicyCliTest, ValidateAcceptsAGoodFile) {
  ScratchDir dir;
  const std::string file = dir.WriteFile("good.json", kValid);
  ProcessResult result = RunCli({"policy", "validate", file});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.out, file + ": ok: policy \"tools\", base minimal, mode enforce"))
      << result.out;
}

TEST(PolicyCliTest, ValidateSaysWhatAPolicyWithoutSyscallsCanRun) {
  ScratchDir dir;
  const std::string file =
      dir.WriteFile("empty.json", R"({"cv-lsm-policy": 1, "name": "empty", "base": "custom"})");
  ProcessResult result = RunCli({"policy", "validate", file});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.out, "no syscall is allowed")) << result.out;
  EXPECT_TRUE(Contains(result.out, "runs nothing")) << result.out;
  ProcessResult good = RunCli({"policy", "validate", dir.WriteFile("good.json", kValid)});
  EXPECT_FALSE(Contains(good.out, "no syscall is allowed")) << good.out;
}

// One bound for every reader of a policy or profile; /dev/zero never ends. The address
// space limit keeps a reader without the bound from taking the machine's memory.
TEST(PolicyCliTest, EveryReaderRefusesAFileThatIsTooLarge) {
  ScratchDir dir;
  const std::string big = dir.WriteFile("big.json", std::string((size_t{1} << 20) + 1, ' '));
  for (const std::string& file : {std::string("/dev/zero"), big}) {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"policy", "validate", file},
                                               {"policy", "show", file},
                                               {"policy", "import-oci", file},
                                               {"run", "--policy-file", file, "--", "true"}}) {
      std::vector<std::string> bounded = {"/usr/bin/prlimit", "--as=2147483648", CVLSM_CLI_PATH};
      bounded.insert(bounded.end(), args.begin(), args.end());
      ProcessResult result = RunProcess(bounded);
      EXPECT_EQ(result.exit_code, 125) << args[1] << " " << file << ": " << result.err;
      EXPECT_TRUE(Contains(result.err, file + " is too large")) << args[1] << ": " << result.err;
    }
  }
}

TEST(PolicyCliTest, ValidateNamesLineAndColumn) {
  ScratchDir dir;
  const std::string file =
      dir.WriteFile("bad.json", "{\"cv-lsm-policy\": 1,\n  \"syscalls\": [\"opne\"]}");
  ProcessResult result = RunCli({"policy", "validate", file});
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_TRUE(Contains(result.err, file + ":2:16: syscalls[0]: unknown syscall 'opne'"))
      << result.err;
  EXPECT_EQ(result.out, "");
}

TEST(PolicyCliTest, ShowPresetPrintsALoadableFile) {
  ScratchDir dir;
  ProcessResult result = RunCli({"policy", "show", "build"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.out, "\"base\": \"build\"")) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"execve\"")) << "the expanded form lists the base";
  absl::StatusOr<PolicyDocument> shown = ParsePolicyText(result.out, "shown");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->policy, Policy::Preset(PolicyType::kBuild));
}

TEST(PolicyCliTest, ShowFileCompact) {
  ScratchDir dir;
  const std::string file = dir.WriteFile("p.json", kValid);
  ProcessResult result = RunCli({"policy", "show", "--compact", file});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.out, "\"syscalls\": [\n    \"prctl\"\n  ],")) << result.out;
  EXPECT_FALSE(Contains(result.out, "\"openat\"")) << result.out;
}

TEST(PolicyCliTest, ShowUnknownIsAFileError) {
  ProcessResult result = RunCli({"policy", "show", "biuld"});
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_TRUE(Contains(result.err, "opening policy file biuld")) << result.err;
}

TEST(PolicyCliTest, ImportOciWritesPolicyAndReportsNotes) {
  ScratchDir dir;
  const std::string out = dir.path() + "/docker.json";
  ProcessResult result =
      RunCli({"policy", "import-oci", DataPath("docker-default.json"), "-o", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.err, "argument conditions")) << result.err;
  EXPECT_TRUE(Contains(result.err, "constructs not expressed exactly")) << result.err;
  absl::StatusOr<PolicyDocument> imported = LoadPolicyFile(out);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->name, "docker-default");
  EXPECT_TRUE(imported->policy.syscalls().contains("read"));
}

TEST(PolicyCliTest, ImportOciStrictRefuses) {
  ScratchDir dir;
  const std::string out = dir.path() + "/docker.json";
  ProcessResult result =
      RunCli({"policy", "import-oci", "--strict", DataPath("docker-default.json"), "-o", out});
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_TRUE(Contains(result.err, "--strict")) << result.err;
  EXPECT_FALSE(LoadPolicyFile(out).ok()) << "nothing written";
}

TEST(PolicyCliTest, ImportOciOfAnExactProfileIsQuietUnderStrict) {
  ScratchDir dir;
  const std::string profile = dir.WriteFile("exact.json",
                                            R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
           {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]})");
  ProcessResult result = RunCli({"policy", "import-oci", "--strict", profile});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_TRUE(Contains(result.out, "\"name\": \"exact\"")) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"exit_group\"")) << result.out;
}

TEST(PolicyCliTest, RunRefusesAuditModeWhereItCannotReport) {
  ScratchDir dir;
  const std::string file =
      dir.WriteFile("audit.json", R"({"cv-lsm-policy": 1, "base": "minimal", "mode": "audit"})");
  // The seccomp tier cannot report a path access without refusing it: no silent enforce.
  ProcessResult result = RunCli({"run", "--mode", "seccomp", "--policy-file", file, "--", "true"});
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_TRUE(Contains(result.err, "audit mode needs the bpf-lsm tier")) << result.err;
}

TEST(PolicyCliTest, RunReportsABadPolicyFile) {
  ScratchDir dir;
  const std::string file = dir.WriteFile("typo.json", "{\"cv-lsm-policy\": 1, \"bsae\": \"x\"}");
  ProcessResult result = RunCli({"run", "--policy-file", file, "--", "true"});
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_TRUE(Contains(result.err, file + ":1:22: unknown key \"bsae\"")) << result.err;
}

TEST(PolicyCliTest, PolicyAndPolicyFileExcludeEachOther) {
  ProcessResult result =
      RunCli({"run", "--policy", "build", "--policy-file", "x.json", "--", "true"});
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_TRUE(Contains(result.err, "excludes")) << result.err;
}

}  // namespace
}  // namespace cvlsm::testing
