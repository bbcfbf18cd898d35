// Importing OCI / Docker seccomp profiles as cv-lsm policies: what is imported, and that
// everything not expressed exactly is reported.
#include "seccomp/oci_import.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/syscall_names.h"

namespace cvlsm {
namespace {

std::string DataPath(absl::string_view name) {
  return absl::StrCat(CVLSM_OCI_SECCOMP_DATA_DIR, "/", name);
}

OciImport ImportOrDie(const OciSeccompProfile& profile, const OciTarget& target = {}) {
  absl::StatusOr<OciImport> imported = ImportOciProfile(profile, "test", target);
  EXPECT_TRUE(imported.ok()) << imported.status();
  return imported.ok() ? *std::move(imported) : OciImport{};
}

OciImport ImportFile(absl::string_view name) {
  absl::StatusOr<OciSeccompProfile> profile = LoadOciSeccompProfile(DataPath(name));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return ImportOrDie(profile.ok() ? *profile : OciSeccompProfile{});
}

OciImport ImportText(absl::string_view json) {
  absl::StatusOr<OciSeccompProfile> profile = ParseOciSeccompProfile(json, "test.json");
  EXPECT_TRUE(profile.ok()) << profile.status();
  return ImportOrDie(profile.ok() ? *profile : OciSeccompProfile{});
}

// The notes that contain every one of `parts`.
std::vector<std::string> NotesWith(const OciImport& imported,
                                   std::initializer_list<absl::string_view> parts) {
  std::vector<std::string> found;
  for (const std::string& note : imported.notes) {
    bool all = true;
    for (absl::string_view part : parts) all = all && absl::StrContains(note, part);
    if (all) found.push_back(note);
  }
  return found;
}

bool Allows(const OciImport& imported, const std::string& name) {
  return imported.document.policy.syscalls().contains(name);
}

TEST(OciImportTest, DockerDefaultAllowsWhatItAllowsHere) {
  if (NativeOciArch() != "amd64") GTEST_SKIP() << "the expectations are for amd64";
  const OciImport imported = ImportFile("docker-default.json");
  const Policy& policy = imported.document.policy;
  EXPECT_EQ(policy.type(), PolicyType::kCustom);
  EXPECT_EQ(imported.document.mode, PolicyMode::kEnforce);
  EXPECT_TRUE(policy.paths().empty());
  for (const char* name : {"read", "openat", "execve", "socket", "personality", "clone",
                           "arch_prctl", "modify_ldt", "ptrace", "chroot"}) {
    EXPECT_TRUE(Allows(imported, name)) << name;
  }
  // Gated by capabilities Docker does not give by default, or for other machines.
  for (const char* name : {"mount", "bpf", "open_by_handle_at", "reboot", "clone3", "syslog"}) {
    EXPECT_FALSE(Allows(imported, name)) << name;
  }
  for (const std::string& name : policy.syscalls()) {
    EXPECT_TRUE(IsNativeSyscall(name)) << name;
  }
  EXPECT_GT(policy.syscalls().size(), 300u);
}

TEST(OciImportTest, DockerDefaultReportsWhatItCannotExpress) {
  if (NativeOciArch() != "amd64") GTEST_SKIP() << "the expectations are for amd64";
  const OciImport imported = ImportFile("docker-default.json");
  const std::string all = absl::StrJoin(imported.notes, "\n");
  // clone's flag check (no namespaces), personality's allowed values, socket's families.
  EXPECT_EQ(NotesWith(imported, {"syscalls[18] (clone)", "argument conditions",
                                 "SCMP_CMP_MASKED_EQ 0x7e020000 == 0x0", "wider"})
                .size(),
            1u)
      << all;
  EXPECT_EQ(
      NotesWith(imported, {"(personality)", "argument conditions", "arg0 SCMP_CMP_EQ"}).size(), 5u)
      << all;
  EXPECT_EQ(NotesWith(imported, {"(socket)", "argument conditions"}).size(), 3u) << all;
  // Capability-gated entries, with the decision.
  EXPECT_EQ(NotesWith(imported, {"syscalls[16] (open_by_handle_at)",
                                 "includes caps "
                                 "CAP_DAC_READ_SEARCH",
                                 "does not apply, left out"})
                .size(),
            1u)
      << all;
  EXPECT_EQ(NotesWith(imported, {"syscalls[22] (chroot)", "CAP_SYS_CHROOT", ": applies"}).size(),
            1u)
      << all;
  EXPECT_EQ(NotesWith(imported, {"syscalls[18] (clone)",
                                 "excludes arches s390, s390x; caps "
                                 "CAP_SYS_ADMIN",
                                 ": applies"})
                .size(),
            1u)
      << all;
  // clone3 answers ENOSYS in the profile, as cv-lsm's filter does where clone is allowed.
  EXPECT_EQ(NotesWith(imported, {"syscalls[20] (clone3)", "SCMP_ACT_ERRNO (errno 38)",
                                 "answers clone3 with ENOSYS itself"})
                .size(),
            1u)
      << all;
  // The other ABIs of an amd64 machine, and other machines' names.
  EXPECT_EQ(NotesWith(imported, {"architectures", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                 "SCMP_ARCH_AARCH64", "not imported"})
                .size(),
            1u)
      << all;
  EXPECT_EQ(NotesWith(imported, {"not syscalls of amd64", "_llseek"}).size(), 1u) << all;
  // Docker allows ptrace on new kernels; cv-lsm never does.
  EXPECT_EQ(NotesWith(imported, {"ptrace: allowed by the profile, but cv-lsm refuses it"}).size(),
            1u)
      << all;
  EXPECT_TRUE(NotesWith(imported, {"defaultAction"}).empty())
      << "ERRNO with errno 1 is what cv-lsm does: " << all;
}

TEST(OciImportTest, OtherFixturesImport) {
  for (const char* name : {"default-old-format.json", "conditional_include.json", "example.json"}) {
    const OciImport imported = ImportFile(name);
    EXPECT_FALSE(imported.document.policy.syscalls().empty()) << name;
  }
  const OciImport conditional = ImportFile("conditional_include.json");
  EXPECT_TRUE(Allows(conditional, "chmod"));
  EXPECT_FALSE(Allows(conditional, "syslog"));
  EXPECT_TRUE(Allows(conditional, "ptrace"));
  EXPECT_EQ(NotesWith(conditional, {"(syslog)", "CAP_SYSLOG", "left out"}).size(), 1u);
}

TEST(OciImportTest, EveryActionIsReported) {
  const OciImport imported = ImportText(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS",
    "defaultErrnoRet": 5, "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/x",
    "color": "blue", "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 3},
      {"names": ["write"], "action": "SCMP_ACT_LOG"},
      {"names": ["getpid"], "action": "SCMP_ACT_NOTIFY"},
      {"names": ["gettid"], "action": "SCMP_ACT_TRACE"},
      {"names": ["getuid"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["getgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
      {"names": ["read"], "action": "SCMP_ACT_TRAP"},
      {"names": ["nosuchcall_xyz"], "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_TRUE(Allows(imported, "read"));
  EXPECT_TRUE(Allows(imported, "write"));
  EXPECT_FALSE(Allows(imported, "getpid"));
  EXPECT_FALSE(Allows(imported, "gettid"));
  const std::vector<std::string> expected = {
      "defaultAction SCMP_ACT_KILL_PROCESS: cv-lsm refuses with EPERM instead (the process is "
      "not killed or signalled)",
      "defaultErrnoRet 5: ignored with SCMP_ACT_KILL_PROCESS, as Docker does",
      "flags SECCOMP_FILTER_FLAG_LOG: not expressible; cv-lsm installs its filter its own way",
      "listenerPath/listenerMetadata: user-space notification is not supported; ignored",
      "color: unknown field, ignored (as Docker does)",
      "syscalls[0] (read): errnoRet 3 is ignored with SCMP_ACT_ALLOW, as Docker does",
      "syscalls[1] (write): SCMP_ACT_LOG: allowed, but cv-lsm does not log it",
      "syscalls[2] (getpid): SCMP_ACT_NOTIFY: no tracer or supervisor decides in cv-lsm; "
      "refused with EPERM",
      "syscalls[3] (gettid): SCMP_ACT_TRACE (errno 1): no tracer or supervisor decides in "
      "cv-lsm; refused with EPERM",
      "syscalls[6] (read): SCMP_ACT_TRAP: cv-lsm refuses with EPERM instead",
      "syscalls[6] (read): refuses read, which syscalls[0] (read) allows: allowed (an "
      "allow-list cannot refuse part of a syscall)",
      "1 syscall names are unknown to this libseccomp (newer, or misspelt): left out: "
      "nosuchcall_xyz",
  };
  EXPECT_EQ(imported.notes, expected);
}

TEST(OciImportTest, DenyListProfilesAreRefused) {
  for (const char* action : {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG"}) {
    absl::StatusOr<OciSeccompProfile> profile = ParseOciSeccompProfile(
        absl::StrCat(R"({"defaultAction": ")", action,
                     R"(", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]})"),
        "deny.json");
    ASSERT_TRUE(profile.ok()) << profile.status();
    absl::StatusOr<OciImport> imported = ImportOciProfile(*profile, "deny");
    ASSERT_FALSE(imported.ok()) << action;
    EXPECT_NE(imported.status().message().find("deny-list"), absl::string_view::npos);
  }
}

TEST(OciImportTest, OnlyForThisMachinesArchitecture) {
  OciTarget target;
  target.arch = NativeOciArch() == "s390x" ? "amd64" : "s390x";
  absl::StatusOr<OciImport> imported = ImportOciProfile(OciSeccompProfile{}, "x", target);
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.status().message().find("this machine's syscall table"),
            absl::string_view::npos);
}

TEST(OciImportTest, ImportedPolicySerializes) {
  const OciImport imported = ImportFile("example.json");
  absl::StatusOr<std::string> text = SerializePolicy(imported.document);
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<PolicyDocument> again = ParsePolicyText(*text, "imported.json");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, imported.document);
}

}  // namespace
}  // namespace cvlsm
