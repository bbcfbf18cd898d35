// Parsing OCI / Docker seccomp profiles and compiling them the way Docker's stack does; the
// compiled programs run in the user-space evaluator, so no privileges are needed.
#include "seccomp/oci_profile.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "testing/bpf_evaluator.h"
#include "testing/oci_compiler.h"

namespace cvlsm {
namespace {

using Names = std::vector<std::string>;

std::string DataPath(absl::string_view name) {
  return absl::StrCat(CVLSM_OCI_SECCOMP_DATA_DIR, "/", name);
}

OciSeccompProfile LoadOrDie(absl::string_view name) {
  absl::StatusOr<OciSeccompProfile> profile = LoadOciSeccompProfile(DataPath(name));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *std::move(profile) : OciSeccompProfile{};
}

OciSeccompProfile ParseOrDie(absl::string_view json) {
  absl::StatusOr<OciSeccompProfile> profile = ParseOciSeccompProfile(json, "test.json");
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *std::move(profile) : OciSeccompProfile{};
}

std::string ParseError(absl::string_view json) {
  absl::StatusOr<OciSeccompProfile> profile = ParseOciSeccompProfile(json, "test.json");
  EXPECT_FALSE(profile.ok());
  return std::string(profile.status().message());
}

class FixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FixtureTest, Parses) {
  const OciSeccompProfile profile = LoadOrDie(GetParam());
  EXPECT_FALSE(profile.syscalls.empty());
  EXPECT_EQ(profile.ignored_fields, Names{});
  for (const OciSyscallEntry& entry : profile.syscalls) EXPECT_FALSE(entry.names.empty());
}

class CompilableFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CompilableFixtureTest, Compiles) {
  const OciSeccompProfile profile = LoadOrDie(GetParam());
  absl::StatusOr<OciCompiledFilter> filter = CompileOciProfile(profile);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_GT(filter->program.size(), 0u);
  EXPECT_EQ(filter->warnings, Names{});
}

TEST(OciFixtureTest, ExampleErrnoBeyondTheKernelsRangeIsAnError) {
  // example.json is a parsing fixture: its errnoRet 12345 is more than MAX_ERRNO, which
  // libseccomp (and so runc) refuses too.
  absl::StatusOr<OciCompiledFilter> filter = CompileOciProfile(LoadOrDie("example.json"));
  ASSERT_FALSE(filter.ok());
  EXPECT_NE(filter.status().message().find("syscalls[3]: errno 12345 is larger than"),
            absl::string_view::npos)
      << filter.status();
}

std::string FixtureName(const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  name = name.substr(0, name.find('.'));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Moby, FixtureTest,
                         ::testing::Values("docker-default.json", "default-old-format.json",
                                           "conditional_include.json", "example.json"),
                         FixtureName);
INSTANTIATE_TEST_SUITE_P(Moby, CompilableFixtureTest,
                         ::testing::Values("docker-default.json", "default-old-format.json",
                                           "conditional_include.json"),
                         FixtureName);

TEST(OciProfileParseTest, DockerDefaultModel) {
  const OciSeccompProfile profile = LoadOrDie("docker-default.json");
  EXPECT_EQ(profile.default_action, OciAction::kErrno);
  EXPECT_EQ(profile.default_errno_ret, 1u);
  EXPECT_TRUE(profile.architectures.empty());
  ASSERT_FALSE(profile.arch_map.empty());
  EXPECT_EQ(profile.arch_map[0].architecture, "SCMP_ARCH_X86_64");
  EXPECT_EQ(profile.arch_map[0].sub_architectures, (Names{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  const Names& first = profile.syscalls[0].names;
  EXPECT_NE(std::find(first.begin(), first.end(), "getppid"), first.end());
  const auto clone3 =
      std::find_if(profile.syscalls.begin(), profile.syscalls.end(), [](const OciSyscallEntry& e) {
        return e.names == Names{"clone3"} && !e.excludes.caps.empty();
      });
  ASSERT_NE(clone3, profile.syscalls.end());
  EXPECT_EQ(clone3->action, OciAction::kErrno);
  EXPECT_EQ(clone3->errno_ret, 38u);
  EXPECT_EQ(clone3->excludes.caps, Names{"CAP_SYS_ADMIN"});
  const auto ptrace =
      std::find_if(profile.syscalls.begin(), profile.syscalls.end(),
                   [](const OciSyscallEntry& e) { return e.includes.min_kernel.has_value(); });
  ASSERT_NE(ptrace, profile.syscalls.end());
  EXPECT_EQ(*ptrace->includes.min_kernel, (OciKernelVersion{4, 8}));
}

TEST(OciProfileParseTest, OldFormatNameAndArchitectures) {
  const OciSeccompProfile profile = LoadOrDie("default-old-format.json");
  EXPECT_EQ(profile.architectures, (Names{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_EQ(profile.syscalls[0].names, Names{"accept"});
  EXPECT_FALSE(profile.default_errno_ret.has_value());
}

TEST(OciProfileParseTest, ExampleArgsAndErrnoRet) {
  const OciSeccompProfile profile = LoadOrDie("example.json");
  ASSERT_EQ(profile.syscalls.size(), 4u);
  const OciSyscallEntry& clone = profile.syscalls[0];
  ASSERT_EQ(clone.args.size(), 1u);
  EXPECT_EQ(clone.args[0].index, 0u);
  EXPECT_EQ(clone.args[0].value, 2114060288u);
  EXPECT_EQ(clone.args[0].op, OciArgOp::kMaskedEqual);
  EXPECT_EQ(profile.syscalls[3].names, Names{"syslog"});
  EXPECT_EQ(profile.syscalls[3].errno_ret, 12345u);
}

TEST(OciProfileParseTest, SyntaxErrorGivesLineAndColumn) {
  const std::string message = ParseError(
      "{\n"
      "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
      "  \"syscalls\": [\n"
      "    {\"names\": [\"read\"] \"action\": \"SCMP_ACT_ALLOW\"}\n"
      "  ]\n"
      "}\n");
  EXPECT_NE(message.find("test.json:4:"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
}

TEST(OciProfileParseTest, TruncatedFileErrorPointsAtTheEnd) {
  const std::string message = ParseError("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n");
  EXPECT_NE(message.find("test.json:3:1:"), std::string::npos) << message;
}

// nlohmann's DOM parser throws out_of_range, not parse_error, for a number too large for a
// double; the reader once let it escape and terminate the process.
TEST(OciProfileParseTest, NumberOverflowIsAnErrorNotACrash) {
  absl::StatusOr<OciSeccompProfile> profile =
      LoadOciSeccompProfile(absl::StrCat(CVLSM_FUZZ_REGRESSIONS_DIR, "/oci-number-overflow.json"));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.status().message().find("oci-number-overflow.json:3:"), std::string::npos)
      << profile.status();
  EXPECT_NE(profile.status().message().find("number overflow"), std::string::npos)
      << profile.status();
}

TEST(OciProfileParseTest, FieldErrorsNameTheJsonPath) {
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"],
      "action": "SCMP_ACT_ALLOW"}, {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]})")
                .find("syscalls[1].args[0].index: expected an integer from 0 to 5, got 6"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_DENY"})")
                .find("defaultAction: unknown action 'SCMP_ACT_DENY'; expected one of"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]})")
                .find("syscalls[0]: both 'name' and 'names'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"],
      "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4"}}]})")
                .find("syscalls[0].includes.minKernel: invalid kernel version '4'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"],
      "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})")
                .find("syscalls[0].args[0].value: expected an integer"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read",
      "action": "SCMP_ACT_ALLOW"}]})")
                .find("syscalls[0].names: expected an array of strings, got a string"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"],
      "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})")
                .find("both 'architectures' and 'archMap'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"syscalls": []})").find("defaultAction: missing"), std::string::npos);
  EXPECT_NE(ParseError("[]").find("top level: expected an object, got an array"),
            std::string::npos);
}

TEST(OciProfileParseTest, UnknownFieldsAreReportedNotFatal) {
  const OciSeccompProfile profile = ParseOrDie(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "color": "blue", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "x": 1,
      "args": null}]})");
  EXPECT_EQ(profile.ignored_fields, (Names{"color", "syscalls[0].x"}));
}

TEST(OciProfileParseTest, FieldErrorsHaveLineAndColumn) {
  EXPECT_NE(ParseError("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": "
                       "[\"read\"], \"action\": \"SCMP_ACT_DENY\"}]}")
                .find("test.json:2:45: syscalls[0].action: unknown action 'SCMP_ACT_DENY'"),
            std::string::npos);
}

TEST(OciProfileParseTest, MissingFileNamesThePath) {
  absl::StatusOr<OciSeccompProfile> profile = LoadOciSeccompProfile(DataPath("missing.json"));
  ASSERT_FALSE(profile.ok());
  EXPECT_NE(profile.status().message().find("missing.json"), absl::string_view::npos);
}

// Compiled programs, checked in the evaluator.
class OciFilterTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
  static constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
  static constexpr uint32_t kInvalid = 0xdeadbeef;

  static OciCompiledFilter CompileOrDie(const OciSeccompProfile& profile,
                                        const OciCompileOptions& options = {}) {
    absl::StatusOr<OciCompiledFilter> filter = CompileOciProfile(profile, options);
    EXPECT_TRUE(filter.ok()) << filter.status();
    return filter.ok() ? *std::move(filter) : OciCompiledFilter{};
  }

  static uint32_t Verdict(const OciCompiledFilter& filter, int nr, uint64_t arg0 = 0,
                          uint64_t arg1 = 0, uint32_t arch = NativeAuditArch()) {
    seccomp_data data{};
    data.nr = nr;
    data.arch = arch;
    data.args[0] = arg0;
    data.args[1] = arg1;
    const SeccompEvaluation result = EvaluateSeccompProgram(filter.program.instructions(), data);
    return result.valid ? result.action : kInvalid;
  }

  static uint32_t NativeAuditArch() {
#if defined(__x86_64__)
    return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    return AUDIT_ARCH_AARCH64;
#else
    return 0;
#endif
  }
};

TEST_F(OciFilterTest, CapabilitiesSelectEntries) {
  const OciSeccompProfile profile = LoadOrDie("conditional_include.json");
  // Docker's default set: no CAP_SYSLOG, no CAP_SYS_ADMIN.
  const OciCompiledFilter docker = CompileOrDie(profile);
  EXPECT_EQ(docker.entries_used, 2);
  EXPECT_EQ(docker.entries_skipped, 1);
  EXPECT_EQ(Verdict(docker, SYS_chmod), kAllow);
  EXPECT_EQ(Verdict(docker, SYS_syslog), kEperm);
  EXPECT_EQ(Verdict(docker, SYS_ptrace), kAllow);

  OciCompileOptions privileged;
  privileged.capabilities = {"CAP_SYSLOG", "CAP_SYS_ADMIN"};
  const OciCompiledFilter admin = CompileOrDie(profile, privileged);
  EXPECT_EQ(Verdict(admin, SYS_chmod), kAllow);
  EXPECT_EQ(Verdict(admin, SYS_syslog), kAllow);
  EXPECT_EQ(Verdict(admin, SYS_ptrace), kEperm);
}

TEST_F(OciFilterTest, MinKernelSelectsEntries) {
  const OciSeccompProfile profile = ParseOrDie(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.10"}},
                   {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}}]})");
  OciCompileOptions old_kernel;
  old_kernel.kernel = {4, 19};
  const OciCompiledFilter old_filter = CompileOrDie(profile, old_kernel);
  EXPECT_EQ(Verdict(old_filter, SYS_read), kEperm);
  EXPECT_EQ(Verdict(old_filter, SYS_write), kAllow);
  OciCompileOptions new_kernel;
  new_kernel.kernel = {5, 10};
  const OciCompiledFilter new_filter = CompileOrDie(profile, new_kernel);
  EXPECT_EQ(Verdict(new_filter, SYS_read), kAllow);
  EXPECT_EQ(Verdict(new_filter, SYS_write), kEperm);
}

TEST_F(OciFilterTest, UnknownSyscallsAreReportedAndSkipped) {
  const OciSeccompProfile profile = ParseOrDie(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["read", "no_such_call", "getppid", "no_such_call"],
                    "action": "SCMP_ACT_ALLOW"}]})");
  const OciCompiledFilter filter = CompileOrDie(profile);
  EXPECT_EQ(filter.unknown_syscalls, Names{"no_such_call"});
  EXPECT_EQ(filter.rules_added, 2);
  EXPECT_EQ(Verdict(filter, SYS_read), kAllow);
  EXPECT_EQ(Verdict(filter, SYS_getppid), kAllow);
  EXPECT_EQ(Verdict(filter, SYS_write), kEperm);
}

TEST_F(OciFilterTest, RepeatedArgumentIndexBecomesSeparateRules) {
  // Same index twice: either value is allowed (runc adds one rule per condition).
  const OciCompiledFilter any = CompileOrDie(ParseOrDie(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]})"));
  EXPECT_EQ(any.rules_added, 2);
  EXPECT_EQ(Verdict(any, SYS_personality, 0), kAllow);
  EXPECT_EQ(Verdict(any, SYS_personality, 8), kAllow);
  EXPECT_EQ(Verdict(any, SYS_personality, 4), kEperm);
  // Different indexes: one rule, both must hold.
  const OciCompiledFilter all = CompileOrDie(ParseOrDie(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": 15, "op": "SCMP_CMP_LE"}]}]})"));
  EXPECT_EQ(all.rules_added, 1);
  EXPECT_EQ(Verdict(all, SYS_kill, 1, 9), kAllow);
  EXPECT_EQ(Verdict(all, SYS_kill, 1, 16), kEperm);
  EXPECT_EQ(Verdict(all, SYS_kill, 2, 9), kEperm);
}

TEST_F(OciFilterTest, ActionsAndErrnoRet) {
  const OciSeccompProfile profile = ParseOrDie(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS",
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["write"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        {"names": ["getpid"], "action": "SCMP_ACT_KILL"},
        {"names": ["getuid"], "action": "SCMP_ACT_KILL_THREAD"},
        {"names": ["getgid"], "action": "SCMP_ACT_TRAP"},
        {"names": ["geteuid"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
        {"names": ["getegid"], "action": "SCMP_ACT_LOG"},
        {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 5},
        {"names": ["getpgrp"], "action": "SCMP_ACT_NOTIFY"},
        {"names": ["exit"], "action": "SCMP_ACT_KILL_PROCESS"}]})");
  const OciCompiledFilter filter = CompileOrDie(profile);
  EXPECT_EQ(filter.program.install_flags(), static_cast<unsigned>(SECCOMP_FILTER_FLAG_LOG));
  EXPECT_EQ(Verdict(filter, SYS_read), kAllow);
  EXPECT_EQ(Verdict(filter, SYS_write), kEperm);
  EXPECT_EQ(Verdict(filter, SYS_close), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(Verdict(filter, SYS_getpid), SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(Verdict(filter, SYS_getuid), SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(Verdict(filter, SYS_getgid), SECCOMP_RET_TRAP);
  EXPECT_EQ(Verdict(filter, SYS_geteuid), SECCOMP_RET_TRACE | 7);
  EXPECT_EQ(Verdict(filter, SYS_getegid), SECCOMP_RET_LOG);
  EXPECT_EQ(Verdict(filter, SYS_getppid), kAllow);
  // NOTIFY is left out (the default applies); the default-action rule is dropped silently.
  EXPECT_EQ(Verdict(filter, SYS_getpgrp), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(Verdict(filter, SYS_exit), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(filter.rules_added, 9);
  ASSERT_EQ(filter.warnings.size(), 2u);
  EXPECT_NE(filter.warnings[0].find("syscalls[8]: errnoRet is ignored with SCMP_ACT_ALLOW"),
            std::string::npos)
      << filter.warnings[0];
  EXPECT_NE(filter.warnings[1].find("syscalls[9] (getpgrp): SCMP_ACT_NOTIFY is not supported"),
            std::string::npos)
      << filter.warnings[1];
}

TEST_F(OciFilterTest, NotifyAsDefaultIsAnError) {
  absl::StatusOr<OciCompiledFilter> filter =
      CompileOciProfile(ParseOrDie(R"({"defaultAction": "SCMP_ACT_NOTIFY"})"));
  ASSERT_FALSE(filter.ok());
  EXPECT_NE(filter.status().message().find("defaultAction SCMP_ACT_NOTIFY is not supported"),
            absl::string_view::npos);
}

#if defined(__x86_64__)
TEST_F(OciFilterTest, DockerDefaultBehaves) {
  const OciSeccompProfile profile = LoadOrDie("docker-default.json");
  for (SeccompOptimize optimize : {SeccompOptimize::kPriority, SeccompOptimize::kBinaryTree}) {
    SCOPED_TRACE(SeccompOptimizeName(optimize));
    OciCompileOptions options;
    options.optimize = optimize;
    options.kernel = {6, 1};
    const OciCompiledFilter filter = CompileOrDie(profile, options);
    EXPECT_EQ(filter.architectures, (Names{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
    EXPECT_EQ(filter.warnings, Names{});
    EXPECT_EQ(Verdict(filter, SYS_getppid), kAllow);
    EXPECT_EQ(Verdict(filter, SYS_read), kAllow);
    // Not in the profile at all: the default, ERRNO with defaultErrnoRet 1.
    EXPECT_EQ(Verdict(filter, SYS_kexec_load), kEperm);
    // Needs CAP_SYS_ADMIN / CAP_SYS_BOOT / CAP_SYSLOG.
    EXPECT_EQ(Verdict(filter, SYS_mount), kEperm);
    EXPECT_EQ(Verdict(filter, SYS_reboot), kEperm);
    EXPECT_EQ(Verdict(filter, SYS_syslog), kEperm);
    // ptrace: included from kernel 4.8.
    EXPECT_EQ(Verdict(filter, SYS_ptrace), kAllow);
    // arch_prctl: included on amd64.
    EXPECT_EQ(Verdict(filter, SYS_arch_prctl), kAllow);
    // personality: five exact values.
    for (uint64_t persona : {0x0ull, 0x8ull, 0x20000ull, 0x20008ull, 0xffffffffull}) {
      EXPECT_EQ(Verdict(filter, SYS_personality, persona), kAllow) << persona;
    }
    EXPECT_EQ(Verdict(filter, SYS_personality, 0x0040000), kEperm);  // ADDR_NO_RANDOMIZE
    EXPECT_EQ(Verdict(filter, SYS_personality, 0x100000008), kEperm);
    // socket: every family but AF_VSOCK (40).
    EXPECT_EQ(Verdict(filter, SYS_socket, 1), kAllow);
    EXPECT_EQ(Verdict(filter, SYS_socket, 39), kAllow);
    EXPECT_EQ(Verdict(filter, SYS_socket, 40), kEperm);
    EXPECT_EQ(Verdict(filter, SYS_socket, 41), kAllow);
    // clone without namespace flags only; clone3 answers ENOSYS so glibc falls back.
    EXPECT_EQ(Verdict(filter, SYS_clone, SIGCHLD), kAllow);
    EXPECT_EQ(Verdict(filter, SYS_clone, 0x003d0f00), kAllow);
    for (uint64_t flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET}) {
      EXPECT_EQ(Verdict(filter, SYS_clone, flag | SIGCHLD), kEperm) << std::hex << flag;
    }
    EXPECT_EQ(Verdict(filter, SYS_clone3), SECCOMP_RET_ERRNO | ENOSYS);
    // The sub-architectures: i386 getppid (64) and x32 read are allowed; other ABIs are
    // killed (libseccomp's default bad-arch action).
    EXPECT_EQ(Verdict(filter, 64, 0, 0, AUDIT_ARCH_I386), kAllow);
    EXPECT_EQ(Verdict(filter, 0x40000000 | SYS_read), kAllow);
    EXPECT_EQ(Verdict(filter, 172, 0, 0, AUDIT_ARCH_AARCH64), SECCOMP_RET_KILL_THREAD);
  }
}

TEST_F(OciFilterTest, DockerDefaultWithSysAdmin) {
  OciCompileOptions options;
  options.capabilities = DockerDefaultCapabilities();
  options.capabilities.push_back("CAP_SYS_ADMIN");
  const OciCompiledFilter filter = CompileOrDie(LoadOrDie("docker-default.json"), options);
  EXPECT_EQ(Verdict(filter, SYS_clone, CLONE_NEWUSER | SIGCHLD), kAllow);
  EXPECT_EQ(Verdict(filter, SYS_clone3), kAllow);
  EXPECT_EQ(Verdict(filter, SYS_mount), kAllow);
}

TEST_F(OciFilterTest, ArchitectureSelectsEntriesAndArchMap) {
  // Compiled as if for arm64: its archMap entry and arch-specific entries apply.
  OciCompileOptions options;
  options.arch = "arm64";
  const OciCompiledFilter filter = CompileOrDie(LoadOrDie("docker-default.json"), options);
  EXPECT_EQ(filter.architectures, (Names{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  EXPECT_EQ(Verdict(filter, SYS_arch_prctl), kEperm);  // includes arches amd64, x32
  EXPECT_EQ(Verdict(filter, SYS_modify_ldt), kEperm);
  EXPECT_EQ(Verdict(filter, SYS_getppid), kAllow);
  EXPECT_EQ(Verdict(filter, 64, 0, 0, AUDIT_ARCH_I386), SECCOMP_RET_KILL_THREAD);
}

TEST_F(OciFilterTest, BinaryTreeIsShorterForLateSyscalls) {
  const OciSeccompProfile profile = LoadOrDie("docker-default.json");
  OciCompileOptions chain_options;
  chain_options.optimize = SeccompOptimize::kPriority;
  OciCompileOptions tree_options;
  tree_options.optimize = SeccompOptimize::kBinaryTree;
  const OciCompiledFilter chain = CompileOrDie(profile, chain_options);
  const OciCompiledFilter tree = CompileOrDie(profile, tree_options);
  seccomp_data data{};
  data.arch = AUDIT_ARCH_X86_64;
  data.nr = SYS_close_range;
  const int chain_steps = EvaluateSeccompProgram(chain.program.instructions(), data).instructions;
  const int tree_steps = EvaluateSeccompProgram(tree.program.instructions(), data).instructions;
  EXPECT_LT(tree_steps * 5, chain_steps) << tree_steps << " vs " << chain_steps;
}
#endif

}  // namespace
}  // namespace cvlsm
