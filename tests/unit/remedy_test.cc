// What would allow a refused operation (explain/remedy.h), for the run summary, explain and
// policy diff alike.
#include "explain/remedy.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>

namespace cvlsm {
namespace {

Event PathEvent(uint32_t hook, const std::string& path, AccessModes modes) {
  Event event;
  event.hook = hook;
  event.path = path;
  event.requested = modes;
  event.error = 13;
  return event;
}

TEST(RemedyTest, SyscallsGetTheOptionOrWhyNone) {
  const Policy minimal = Policy::Preset(PolicyType::kMinimal);
  Remedy vfork = WhatWouldAllow(SyscallRefusalEvent(SYS_vfork, 1, "sh", false), &minimal);
  EXPECT_TRUE(vfork.allowable);
  EXPECT_EQ(vfork.text, "--allow-syscall vfork");
  EXPECT_EQ(WhatWouldAllow(SyscallRefusalEvent(SYS_clone3, 1, "sh", false), &minimal).text,
            "--allow-syscall clone");
  Remedy ptrace = WhatWouldAllow(SyscallRefusalEvent(SYS_ptrace, 1, "gdb", false), &minimal);
  EXPECT_FALSE(ptrace.allowable);
  EXPECT_NE(ptrace.text.find("refused whatever the policy says"), std::string::npos);
  // ioctl is in minimal: refused by its arguments (TIOCSTI), which nothing lifts.
  Remedy ioctl = WhatWouldAllow(SyscallRefusalEvent(SYS_ioctl, 1, "x", false), &minimal);
  EXPECT_FALSE(ioctl.allowable);
  EXPECT_NE(ioctl.text.find("TIOCSTI"), std::string::npos);
  // Without a policy, the name is all there is to go by.
  EXPECT_EQ(WhatWouldAllow(SyscallRefusalEvent(SYS_socket, 1, "x", false), nullptr).text,
            "--allow-syscall socket");
}

TEST(RemedyTest, PathsGetTheRuleTheyNeedUnlessADenyRuleTakesIt) {
  Policy policy = Policy::Preset(PolicyType::kMinimal);
  EXPECT_EQ(WhatWouldAllow(PathEvent(CVLSM_HOOK_FILE_OPEN, "/etc/gitconfig", kRead), &policy).text,
            "--allow /etc/gitconfig:r");
  EXPECT_EQ(WhatWouldAllow(PathEvent(CVLSM_HOOK_PATH_MKDIR, "/srv/out", kWrite), &policy).text,
            "--allow /srv/out:w");
  EXPECT_EQ(WhatWouldAllow(PathEvent(CVLSM_HOOK_EXEC, "/opt/tool", kExec), &policy).text,
            "--allow /opt/tool:x");
  ASSERT_TRUE(policy.AddPath("/etc", kRead).ok());
  ASSERT_TRUE(policy.DenyPath("/etc/ssl", kRead).ok());
  Remedy denied = WhatWouldAllow(PathEvent(CVLSM_HOOK_FILE_OPEN, "/etc/ssl/key", kRead), &policy);
  EXPECT_NE(denied.text.find("the deny rule '/etc/ssl:r--' takes it away"), std::string::npos)
      << denied.text;
  Event memfd = PathEvent(CVLSM_HOOK_EXEC, "", kExec);
  memfd.no_path = true;
  memfd.object_name = "memfd:jit";
  EXPECT_FALSE(WhatWouldAllow(memfd, &policy).allowable);
}

TEST(RemedyTest, NetworkAndProcessesOutsideTheConfinement) {
  Event connect;
  connect.hook = CVLSM_HOOK_CONNECT;
  connect.protocol = "tcp";
  connect.address = "10.0.0.1";
  connect.port = 443;
  EXPECT_EQ(WhatWouldAllow(connect, nullptr).text, "--allow-connect tcp:10.0.0.1:443");
  connect.address = "fd00::1";
  connect.ipv6 = true;
  connect.protocol = "udp";
  connect.port = 53;
  EXPECT_EQ(WhatWouldAllow(connect, nullptr).text, "--allow-connect udp:[fd00::1]:53");
  Event bind = connect;
  bind.hook = CVLSM_HOOK_BIND;
  EXPECT_EQ(WhatWouldAllow(bind, nullptr).text, "--allow-bind udp:[fd00::1]:53");
  Event kill;
  kill.hook = CVLSM_HOOK_TASK_KILL;
  kill.detail = 1;
  EXPECT_FALSE(WhatWouldAllow(kill, nullptr).allowable);
}

}  // namespace
}  // namespace cvlsm
