#include "policy/policy.h"

#include <gtest/gtest.h>

namespace cvlsm {
namespace {

bool HasSyscall(const Policy& policy, const std::string& name) {
  return policy.syscalls().count(name) > 0;
}

TEST(PolicyTest, CustomStartsEmpty) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  EXPECT_TRUE(policy.syscalls().empty());
  EXPECT_TRUE(policy.paths().empty());
}

TEST(PolicyTest, MinimalHasTheSeedListsAndWhatGlibcNeeds) {
  Policy policy = Policy::Preset(PolicyType::kMinimal);
  for (const char* name :
       {"read", "write", "openat", "close", "newfstatat", "statx", "rseq", "getrandom", "mmap",
        "futex", "ioctl", "epoll_wait", "clock_gettime", "getdents64", "getpid", "exit_group"}) {
    EXPECT_TRUE(HasSyscall(policy, name)) << name;
  }
  // Minimal runs one program: no new processes, no sockets, no tree changes.
  for (const char* name : {"fork", "clone", "execve", "socket", "unlink", "mkdir", "ptrace"}) {
    EXPECT_FALSE(HasSyscall(policy, name)) << name;
  }
  EXPECT_EQ(policy.paths().at("/lib").allow, kRead | kExec);
  EXPECT_EQ(policy.paths().at("/usr/lib").allow, kRead | kExec);
  EXPECT_EQ(policy.paths().at("/dev/null").allow, kRead | kWrite);
  EXPECT_EQ(policy.paths().at("/dev/urandom").allow, kRead | kWrite);
  EXPECT_EQ(policy.paths().at("/proc/self").allow, kRead);
  EXPECT_EQ(policy.paths().at("/sys/devices/system/cpu").allow, kRead);
  EXPECT_FALSE(policy.paths().count("/etc/shadow"));
}

TEST(PolicyTest, BuildAddsProcessesPipesAndTreeChangesButNoMounts) {
  Policy policy = Policy::Preset(PolicyType::kBuild);
  for (const char* name :
       {"read",       "fork",   "vfork",    "clone",     "execve",   "wait4",  "pipe2",
        "socketpair", "rename", "unlink",   "mkdir",     "rmdir",    "link",   "symlink",
        "chmod",      "chown",  "truncate", "utimensat", "setxattr", "statfs", "sync"}) {
    EXPECT_TRUE(HasSyscall(policy, name)) << name;
  }
  EXPECT_FALSE(HasSyscall(policy, "mount"));
  EXPECT_FALSE(HasSyscall(policy, "umount2"));
  EXPECT_FALSE(HasSyscall(policy, "socket"));
  EXPECT_EQ(policy.paths().at("/tmp").allow, kRead | kWrite);
}

TEST(PolicyTest, NetworkAddsSockets) {
  Policy policy = Policy::Preset(PolicyType::kNetwork);
  for (const char* name : {"socket", "bind", "connect", "listen", "accept", "accept4", "sendto",
                           "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "setsockopt",
                           "getsockopt", "getsockname", "getpeername", "shutdown"}) {
    EXPECT_TRUE(HasSyscall(policy, name)) << name;
  }
  EXPECT_FALSE(HasSyscall(policy, "execve"));
  EXPECT_FALSE(HasSyscall(policy, "mkdir"));
}

TEST(PolicyTest, UnknownSyscallIsAnErrorThatNamesIt) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  absl::Status status = policy.AddSyscall("no_such_syscall");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("no_such_syscall"), absl::string_view::npos);
  EXPECT_TRUE(policy.syscalls().empty());
}

TEST(PolicyTest, SyscallOfAnotherAbiIsAccepted) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  EXPECT_TRUE(policy.AddSyscall("getpid").ok());
  // "send" exists on i386/arm but not on x86_64: accepted, the filter skips it there.
  EXPECT_TRUE(policy.AddSyscall("send").ok());
}

TEST(PolicyTest, PathRulesUnionAndDenyCarvesOut) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath("/etc", kRead).ok());
  ASSERT_TRUE(policy.AddPath("/etc", kWrite).ok());
  ASSERT_TRUE(policy.DenyPath("/etc/shadow", kRead).ok());
  EXPECT_EQ(policy.paths().at("/etc").allow, kRead | kWrite);
  EXPECT_EQ(policy.paths().at("/etc/shadow").deny, kRead);
  EXPECT_TRUE(policy.paths().at("/etc").required);
}

TEST(PolicyTest, BadPathRulesAreRejected) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  EXPECT_FALSE(policy.AddPath("relative/path", kRead).ok());
  EXPECT_FALSE(policy.AddPath("", kRead).ok());
  EXPECT_FALSE(policy.AddPath("/data", 0).ok());
  EXPECT_FALSE(policy.AddPath("/data", 0x8).ok());
  EXPECT_FALSE(policy.AddPath("/proc/self/status", kRead).ok());
  EXPECT_TRUE(policy.paths().empty());
}

TEST(PolicyTest, PresetPathsAreOptionalUserPathsRequired) {
  Policy policy = Policy::Preset(PolicyType::kMinimal);
  EXPECT_FALSE(policy.paths().at("/lib64").required);
  ASSERT_TRUE(policy.AddPath("/lib64", kRead).ok());
  EXPECT_TRUE(policy.paths().at("/lib64").required);
}

TEST(PolicyTest, ParsesTypeNames) {
  EXPECT_EQ(*ParsePolicyType("minimal"), PolicyType::kMinimal);
  EXPECT_EQ(*ParsePolicyType("build"), PolicyType::kBuild);
  EXPECT_EQ(*ParsePolicyType("network"), PolicyType::kNetwork);
  EXPECT_EQ(*ParsePolicyType("custom"), PolicyType::kCustom);
  auto bad = ParsePolicyType("strict");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("strict"), absl::string_view::npos);
  EXPECT_EQ(PolicyTypeName(PolicyType::kNetwork), "network");
}

TEST(PolicyTest, GrantedModesAreAncestorsAllowsMinusAnyDeny) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  ASSERT_TRUE(policy.AddPath("/srv", kRead).ok());
  ASSERT_TRUE(policy.AddPath("/srv/app/data", kWrite).ok());
  ASSERT_TRUE(policy.DenyPath("/srv/app", kExec).ok());
  ASSERT_TRUE(policy.AddPath("/srv/app/bin", kExec).ok());
  ASSERT_TRUE(policy.DenyPath("/srv/app/data/keys", kRead).ok());
  EXPECT_EQ(policy.GrantedModes("/srv"), kRead);
  EXPECT_EQ(policy.GrantedModes("/srv/app/data/x"), kRead | kWrite);
  EXPECT_EQ(policy.GrantedModes("/srv/app/bin/tool"), kRead) << "the deny above it wins";
  EXPECT_EQ(policy.GrantedModes("/srv/app/data/keys/k"), kWrite);
  EXPECT_EQ(policy.GrantedModes("/srvx"), 0u) << "prefixes end at a component";
  EXPECT_EQ(policy.GrantedModes("/"), 0u);
  ASSERT_TRUE(policy.AddPath("/", kRead).ok());
  EXPECT_EQ(policy.GrantedModes("/etc/passwd"), kRead);
}

TEST(PolicyTest, ParsesModeNames) {
  EXPECT_EQ(*ParsePolicyMode("enforce"), PolicyMode::kEnforce);
  EXPECT_EQ(*ParsePolicyMode("audit"), PolicyMode::kAudit);
  EXPECT_EQ(ParsePolicyMode("permissive").status().message(),
            "unknown mode \"permissive\": expected \"enforce\" or \"audit\"");
  EXPECT_EQ(PolicyModeName(PolicyMode::kAudit), "audit");
}

}  // namespace
}  // namespace cvlsm
