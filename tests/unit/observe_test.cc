// Decoding and printing what the programs report (observe/): no kernel needed, the records
// are built here as the programs write them.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "observe/cgroup_reports.h"
#include "observe/event.h"

namespace cvlsm {
namespace {

// A record as name_object writes it: the components leaf first, each NUL-terminated.
cvlsm_event RawEvent(std::vector<std::string> leaf_first, uint32_t flags = 0) {
  cvlsm_event raw{};
  raw.time_ns = 1;
  raw.cgroup = 42;
  raw.pid = 100;
  raw.tid = 101;
  std::strcpy(raw.comm, "cat");
  raw.hook = CVLSM_HOOK_FILE_OPEN;
  raw.requested = CVLSM_MODE_READ;
  raw.error = EACCES;
  raw.flags = flags;
  size_t at = 0;
  for (const std::string& component : leaf_first) {
    std::memcpy(raw.path + at, component.c_str(), component.size() + 1);
    at += component.size() + 1;
  }
  raw.path_length = at;
  return raw;
}

TEST(ObserveTest, PathComponentsAreJoinedRootFirst) {
  Event event = DecodeEvent(RawEvent({"shadow", "etc"}));
  EXPECT_EQ(event.path, "/etc/shadow");
  EXPECT_FALSE(event.truncated);
  EXPECT_EQ(event.comm, "cat");
  EXPECT_EQ(event.pid, 100u);
  EXPECT_EQ(DescribeOperation(event), "open /etc/shadow (r--)");
  EXPECT_EQ(VerdictName(event), "denied");
}

TEST(ObserveTest, TheRootItselfIsSlash) { EXPECT_EQ(DecodeEvent(RawEvent({})).path, "/"); }

TEST(ObserveTest, AnObjectNoPathNamesKeepsItsOwnName) {
  cvlsm_event raw = RawEvent({"memfd:jit"}, CVLSM_EVENT_NO_PATH);
  raw.hook = CVLSM_HOOK_EXEC;
  raw.requested = CVLSM_MODE_EXEC;
  Event event = DecodeEvent(raw);
  EXPECT_TRUE(event.path.empty()) << "no rule can name it, learn must not try";
  EXPECT_EQ(event.object_name, "memfd:jit");
  EXPECT_EQ(DescribeOperation(event), "exec memfd:jit (no path names it) (--x)");
  EXPECT_EQ(DescribeOperation(DecodeEvent(RawEvent({}, CVLSM_EVENT_NO_PATH))),
            "open an object no path names (r--)");
}

TEST(ObserveTest, TruncationIsMarked) {
  Event event = DecodeEvent(RawEvent({"leaf", "deep"}, CVLSM_EVENT_TRUNCATED));
  EXPECT_TRUE(event.truncated);
  EXPECT_EQ(DescribeOperation(event), "open .../deep/leaf (r--)");
  nlohmann::json json = nlohmann::json::parse(FormatEventJson(event));
  EXPECT_EQ(json["path_truncated"], true);
}

TEST(ObserveTest, APathLengthBeyondTheBufferIsClamped) {
  cvlsm_event raw = RawEvent({"x"});
  raw.path_length = 100000;  // never trusted past the buffer
  raw.path[sizeof(raw.path) - 1] = 'z';
  // The rest is zeros (no component) and an unterminated byte (not a component either).
  EXPECT_EQ(DecodeEvent(raw).path, "/x");
}

TEST(ObserveTest, AuditAndFixedVerdicts) {
  EXPECT_EQ(VerdictName(DecodeEvent(RawEvent({"a"}, CVLSM_EVENT_AUDIT))), "audit");
  EXPECT_EQ(VerdictName(DecodeEvent(RawEvent({"a"}, CVLSM_EVENT_FIXED))), "denied (fixed)");
}

TEST(ObserveTest, SyscallEventsNameTheSyscall) {
  cvlsm_event raw = RawEvent({});
  raw.hook = CVLSM_HOOK_SYSCALL;
  raw.requested = 0;
  raw.error = EPERM;
#if defined(__x86_64__)
  raw.detail = 41;  // socket
#elif defined(__aarch64__)
  raw.detail = 198;  // socket
#endif
  Event event = DecodeEvent(raw);
  EXPECT_TRUE(event.path.empty());
  EXPECT_EQ(DescribeOperation(event), absl::StrCat("syscall socket (", raw.detail, ")"));
  nlohmann::json json = nlohmann::json::parse(FormatEventJson(event));
  EXPECT_EQ(json["hook"], "syscall");
  EXPECT_EQ(json["syscall"], "socket");
  EXPECT_FALSE(json.contains("path"));
}

TEST(ObserveTest, JsonLineCarriesEveryField) {
  std::string line = FormatEventJson(DecodeEvent(RawEvent({"shadow", "etc"})));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  nlohmann::json json = nlohmann::json::parse(line);
  for (const char* key : {"time_ns", "verdict", "fixed", "pid", "tid", "comm", "cgroup", "hook",
                          "errno", "requested", "path", "path_truncated"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["path"], "/etc/shadow");
  EXPECT_EQ(json["hook"], "file_open");
  EXPECT_EQ(json["errno"], EACCES);
}

TEST(ObserveTest, BytesThatAreNotUtf8DoNotBreakTheJsonLine) {
  std::string line = FormatEventJson(DecodeEvent(RawEvent({"\xff\xfe", "etc"})));
  EXPECT_NO_THROW(nlohmann::json::parse(line));
}

TEST(ObserveTest, HumanLineSaysVerdictProcessAndCgroup) {
  std::string line = FormatEventLine(DecodeEvent(RawEvent({"shadow", "etc"}, CVLSM_EVENT_AUDIT)));
  EXPECT_NE(line.find(" audit cat[100]: open /etc/shadow (r--)"), std::string::npos) << line;
  EXPECT_NE(line.find("cgroup 42"), std::string::npos) << line;
}

TEST(ObserveTest, ReferRefusalsSayWhatWouldBeGained) {
  cvlsm_event raw = RawEvent({"bin", "usr"});
  raw.hook = CVLSM_HOOK_PATH_RENAME;
  raw.requested = CVLSM_MODE_EXEC;
  raw.error = EXDEV;
  EXPECT_EQ(DescribeOperation(DecodeEvent(raw)), "rename /usr/bin: would gain --x (refer)");
}

TEST(ObserveTest, EveryHookHasAName) {
  for (uint32_t hook = 0; hook < CVLSM_HOOK_COUNT; ++hook) {
    EXPECT_NE(HookName(hook), "unknown") << hook;
  }
  EXPECT_EQ(HookName(CVLSM_HOOK_COUNT), "unknown");
}

TEST(ObserveTest, StatsSumOverHooks) {
  CgroupStats stats;
  stats.hooks[CVLSM_HOOK_FILE_OPEN] = {.allowed = 5, .denied = 2};
  stats.hooks[CVLSM_HOOK_SYSCALL] = {.allowed = 0, .denied = 3};
  EXPECT_EQ(stats.allowed(), 5u);
  EXPECT_EQ(stats.denied(), 5u);
}

}  // namespace
}  // namespace cvlsm
