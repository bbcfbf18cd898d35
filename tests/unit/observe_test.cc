// Decoding and printing what the programs report (observe/): no kernel needed, the records
// are built here as the programs write them.
#include <arpa/inet.h>
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

// A network record as report_net writes it: the address in path[0..16) (IPv4 in the last
// four bytes), detail = ipv6 << 24 | protocol << 16 | port.
cvlsm_event NetEvent(uint32_t hook, uint32_t protocol, bool ipv6, const char* address,
                     uint16_t port) {
  cvlsm_event raw = RawEvent({});
  raw.hook = hook;
  raw.requested = 0;
  raw.detail = static_cast<int32_t>((ipv6 ? 1u << 24 : 0u) | protocol << 16 | port);
  std::memset(raw.path, 0, 16);
  if (ipv6) {
    EXPECT_EQ(inet_pton(AF_INET6, address, raw.path), 1) << address;
  } else {
    EXPECT_EQ(inet_pton(AF_INET, address, raw.path + 12), 1) << address;
  }
  raw.path_length = 16;
  return raw;
}

TEST(ObserveTest, NetworkRefusalsNameProtocolAddressAndPort) {
  Event connect = DecodeEvent(NetEvent(CVLSM_HOOK_CONNECT, CVLSM_NET_TCP, false, "10.1.2.3", 443));
  EXPECT_EQ(connect.protocol, "tcp");
  EXPECT_EQ(connect.address, "10.1.2.3");
  EXPECT_EQ(connect.port, 443);
  EXPECT_EQ(DescribeOperation(connect), "connect tcp 10.1.2.3:443");
  Event send = DecodeEvent(NetEvent(CVLSM_HOOK_SENDMSG, CVLSM_NET_UDP, true, "fd00::53", 53));
  EXPECT_EQ(DescribeOperation(send), "send udp to [fd00::53]:53");
  Event ping = DecodeEvent(NetEvent(CVLSM_HOOK_SENDMSG, CVLSM_NET_ICMP, false, "192.0.2.1", 0));
  EXPECT_NE(DescribeOperation(ping).find("send icmp echo to 192.0.2.1"), std::string::npos)
      << DescribeOperation(ping);
  Event bind = DecodeEvent(NetEvent(CVLSM_HOOK_BIND, CVLSM_NET_TCP, true, "::", 8081));
  EXPECT_EQ(DescribeOperation(bind), "bind tcp [::]:8081");
  // The JSON line carries the endpoint as fields of its own.
  nlohmann::json line = nlohmann::json::parse(FormatEventJson(connect));
  EXPECT_EQ(line["protocol"], "tcp");
  EXPECT_EQ(line["address"], "10.1.2.3");
  EXPECT_EQ(line["port"], 443);
}

TEST(ObserveTest, UnixAndSocketRefusalsSayWhatWasReached) {
  cvlsm_event abstract = RawEvent({}, CVLSM_EVENT_NO_PATH);
  abstract.hook = CVLSM_HOOK_UNIX_CONNECT;
  abstract.error = EPERM;
  std::memcpy(abstract.path, "dbus-x", 6);
  abstract.path_length = 6;
  EXPECT_EQ(DescribeOperation(DecodeEvent(abstract)),
            "reach abstract unix socket @dbus-x outside the confinement");
  cvlsm_event pathname = RawEvent({"docker.sock", "run"});
  pathname.hook = CVLSM_HOOK_UNIX_CONNECT;
  pathname.requested = CVLSM_MODE_WRITE;
  EXPECT_EQ(DescribeOperation(DecodeEvent(pathname)), "reach unix socket /run/docker.sock (-w-)");
  cvlsm_event socket = RawEvent({});
  socket.hook = CVLSM_HOOK_SOCKET_CREATE;
  socket.error = EPERM;
  socket.detail = 17 | 3 << 8 | 0 << 16;  // AF_PACKET, SOCK_RAW
  EXPECT_EQ(DescribeOperation(DecodeEvent(socket)), "socket AF_PACKET SOCK_RAW protocol 0");
}

TEST(ObserveTest, MetadataChangesNameTheirObjectWithinItsFilesystem) {
  cvlsm_event acl = RawEvent({"file.txt", "ro", "data"}, CVLSM_EVENT_NO_PATH);
  acl.hook = CVLSM_HOOK_XATTR;
  acl.requested = CVLSM_MODE_WRITE;
  EXPECT_EQ(DescribeOperation(DecodeEvent(acl)),
            "change an extended attribute or ACL of /data/ro/file.txt (named within its "
            "filesystem) (-w-)");
  acl.hook = CVLSM_HOOK_TIMES;
  EXPECT_EQ(DescribeOperation(DecodeEvent(acl)),
            "set the times of /data/ro/file.txt (named within its filesystem) (-w-)");
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
