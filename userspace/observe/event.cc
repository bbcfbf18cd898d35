#include "observe/event.h"

#include <arpa/inet.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/printable.h"
#include "nlohmann/json.hpp"
#include "observe/cgroup_reports.h"
#include "policy/access_mode.h"
#include "policy/syscall_names.h"

namespace cvlsm {
namespace {

// The components the kernel wrote leaf first, each NUL-terminated, root first.
std::vector<std::string> Components(const cvlsm_event& raw) {
  size_t length = std::min<size_t>(raw.path_length, sizeof(raw.path));
  std::vector<std::string> components;
  size_t start = 0;
  for (size_t i = 0; i < length; ++i) {
    if (raw.path[i] != '\0') continue;
    if (i > start) components.emplace_back(raw.path + start, i - start);
    start = i + 1;  // bytes after the last NUL are no component
  }
  std::reverse(components.begin(), components.end());
  return components;
}

// What a hook does to its object, for a sentence: "open", "exec", "mkdir in", ...
absl::string_view Action(uint32_t hook) {
  switch (hook) {
    case CVLSM_HOOK_FILE_OPEN:
      return "open";
    case CVLSM_HOOK_EXEC:
      return "exec";
    case CVLSM_HOOK_MMAP_FILE:
    case CVLSM_HOOK_FILE_MPROTECT:
      return "map as code";
    case CVLSM_HOOK_FILE_TRUNCATE:
    case CVLSM_HOOK_PATH_TRUNCATE:
      return "truncate";
    case CVLSM_HOOK_PATH_MKNOD:
      return "create a node in";
    case CVLSM_HOOK_PATH_MKDIR:
      return "create a directory in";
    case CVLSM_HOOK_PATH_SYMLINK:
      return "create a symlink in";
    case CVLSM_HOOK_PATH_UNLINK:
      return "unlink";
    case CVLSM_HOOK_PATH_RMDIR:
      return "rmdir";
    case CVLSM_HOOK_PATH_LINK:
      return "hard-link into";
    case CVLSM_HOOK_PATH_RENAME:
      return "rename";
    case CVLSM_HOOK_PATH_CHMOD:
      return "chmod";
    case CVLSM_HOOK_PATH_CHOWN:
      return "chown";
    case CVLSM_HOOK_XATTR:
      return "change an extended attribute or ACL of";
    case CVLSM_HOOK_TIMES:
      return "set the times of";
    default:
      return HookName(hook);
  }
}

// The hooks that get a file without its mount (extended attributes, times): the kernel
// names it up to the root of its filesystem.
bool JudgedWithoutMount(uint32_t hook) {
  return hook == CVLSM_HOOK_XATTR || hook == CVLSM_HOOK_TIMES;
}

uint32_t TaskChangeOperation(int32_t detail) { return static_cast<uint32_t>(detail) >> 28; }
uint32_t TaskChangePid(int32_t detail) { return static_cast<uint32_t>(detail) & 0x0fffffffu; }

absl::string_view TaskChangeName(uint32_t operation) {
  switch (operation) {
    case CVLSM_TASK_NICE:
      return "change the priority (nice)";
    case CVLSM_TASK_IOPRIO:
      return "change the I/O priority";
    case CVLSM_TASK_SCHEDULER:
      return "change the scheduling or CPU affinity";
    case CVLSM_TASK_RLIMIT:
      return "change a resource limit";
    case CVLSM_TASK_MEMORY:
      return "move the memory";
    case CVLSM_TASK_PGID:
      return "change the process group";
    default:
      return "change";
  }
}

// "fcntl F_SETLEASE", "ioctl 0x40086602": what a CVLSM_HOOK_FCNTL or _IOCTL event asked.
std::string FileCommand(const Event& event) {
  const uint32_t command = static_cast<uint32_t>(event.detail);
  if (event.hook == CVLSM_HOOK_IOCTL) return absl::StrCat("ioctl 0x", absl::Hex(command));
  switch (command) {
    case 8:
      return "fcntl F_SETOWN";
    case 15:
      return "fcntl F_SETOWN_EX";
    case 1024:
      return "fcntl F_SETLEASE";
    default:
      return absl::StrCat("fcntl ", command);
  }
}

absl::string_view FamilyName(int family) {
  switch (family) {
    case 1:
      return "AF_UNIX";
    case 2:
      return "AF_INET";
    case 10:
      return "AF_INET6";
    case 16:
      return "AF_NETLINK";
    case 17:
      return "AF_PACKET";
    case 38:
      return "AF_ALG";
    case 40:
      return "AF_VSOCK";
    case 44:
      return "AF_XDP";
    default:
      return {};
  }
}

absl::string_view SocketTypeName(int type) {
  switch (type) {
    case 1:
      return "SOCK_STREAM";
    case 2:
      return "SOCK_DGRAM";
    case 3:
      return "SOCK_RAW";
    case 5:
      return "SOCK_SEQPACKET";
    default:
      return {};
  }
}

std::string NumberedName(absl::string_view name, int number) {
  return name.empty() ? absl::StrCat(number) : std::string(name);
}

// "10.0.0.1:443", "[fd00::1]:443"; ICMP has no port.
std::string Endpoint(const Event& event) {
  std::string host = event.ipv6 ? absl::StrCat("[", event.address, "]") : event.address;
  return event.protocol == "icmp" ? host : absl::StrCat(host, ":", event.port);
}

// The address the kernel wrote (16 bytes, IPv4 as IPv4-mapped IPv6) and the detail's port,
// protocol and family.
void DecodeNetwork(const cvlsm_event& raw, Event& event) {
  uint32_t detail = static_cast<uint32_t>(raw.detail);
  event.port = detail & 0xffff;
  switch ((detail >> 16) & 0xff) {
    case CVLSM_NET_TCP:
      event.protocol = "tcp";
      break;
    case CVLSM_NET_UDP:
      event.protocol = "udp";
      break;
    case CVLSM_NET_ICMP:
      event.protocol = "icmp";
      break;
    default:
      event.protocol = "other";
      break;
  }
  event.ipv6 = (detail >> 24) & 1;
  char text[INET6_ADDRSTRLEN] = {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.path);
  if (event.ipv6) {
    inet_ntop(AF_INET6, bytes, text, sizeof(text));
  } else {
    inet_ntop(AF_INET, bytes + 12, text, sizeof(text));
  }
  event.address = text;
}

}  // namespace

bool IsNetworkEvent(uint32_t hook) {
  return hook == CVLSM_HOOK_CONNECT || hook == CVLSM_HOOK_SENDMSG || hook == CVLSM_HOOK_BIND;
}

Event DecodeEvent(const cvlsm_event& raw) {
  Event event;
  event.time_ns = raw.time_ns;
  event.cgroup = raw.cgroup;
  event.pid = raw.pid;
  event.tid = raw.tid;
  event.comm.assign(raw.comm, strnlen(raw.comm, sizeof(raw.comm)));
  event.hook = raw.hook;
  event.requested = raw.requested;
  event.error = raw.error;
  event.audit = raw.flags & CVLSM_EVENT_AUDIT;
  event.fixed = raw.flags & CVLSM_EVENT_FIXED;
  event.detail = raw.detail;
  event.truncated = raw.flags & CVLSM_EVENT_TRUNCATED;
  event.no_path = raw.flags & CVLSM_EVENT_NO_PATH;
  if (raw.hook == CVLSM_HOOK_SYSCALL || raw.hook == CVLSM_HOOK_TASK_KILL ||
      raw.hook == CVLSM_HOOK_PTRACE || raw.hook == CVLSM_HOOK_BPF ||
      raw.hook == CVLSM_HOOK_SOCKET_CREATE || raw.hook == CVLSM_HOOK_SOCKET_OPTION ||
      raw.hook == CVLSM_HOOK_TASK_CHANGE) {
    return event;  // no object
  }
  if (IsNetworkEvent(raw.hook)) {
    DecodeNetwork(raw, event);
    return event;
  }
  if (raw.hook == CVLSM_HOOK_UNIX_CONNECT && event.no_path) {
    // An abstract socket's name, as bytes: @name
    size_t length = std::min<size_t>(raw.path_length, sizeof(raw.path));
    event.object_name = absl::StrCat("@", std::string(raw.path, length));
    return event;
  }
  const std::string joined = absl::StrJoin(Components(raw), "/");
  if (event.no_path) {
    event.object_name = joined;
  } else {
    event.path = absl::StrCat("/", joined);
  }
  return event;
}

std::string DescribeOperation(const Event& event) {
  switch (event.hook) {
    case CVLSM_HOOK_SYSCALL: {
      std::string name = NativeSyscallName(event.detail);
      return absl::StrCat("syscall ", name.empty() ? "?" : name, " (", event.detail, ")");
    }
    case CVLSM_HOOK_TASK_KILL:
      return absl::StrCat("signal pid ", event.detail, " outside the confinement");
    case CVLSM_HOOK_PTRACE:
      return absl::StrCat("ptrace pid ", event.detail, " outside the confinement");
    case CVLSM_HOOK_TASK_CHANGE:
      return absl::StrCat(TaskChangeName(TaskChangeOperation(event.detail)), " of pid ",
                          TaskChangePid(event.detail), " outside the confinement");
    case CVLSM_HOOK_BPF:
      return absl::StrCat("bpf command ", event.detail);
    case CVLSM_HOOK_SOCKET_CREATE: {
      uint32_t detail = static_cast<uint32_t>(event.detail);
      int family = detail & 0xff, type = (detail >> 8) & 0xff, protocol = detail >> 16;
      return absl::StrCat("socket ", NumberedName(FamilyName(family), family), " ",
                          NumberedName(SocketTypeName(type), type), " protocol ", protocol);
    }
    case CVLSM_HOOK_SOCKET_OPTION:
      return absl::StrCat("source route (socket option level ",
                          static_cast<uint32_t>(event.detail) >> 16, " name ",
                          static_cast<uint32_t>(event.detail) & 0xffff, ")");
    case CVLSM_HOOK_CONNECT:
      return absl::StrCat("connect ", event.protocol, " ", Endpoint(event));
    case CVLSM_HOOK_SENDMSG:
      return event.port == 0 && event.address == "::" && event.protocol != "icmp"
                 ? absl::StrCat("send ", event.protocol, " with a source route")
                 : absl::StrCat("send ", event.protocol, event.protocol == "icmp" ? " echo" : "",
                                " to ", Endpoint(event));
    case CVLSM_HOOK_BIND:
      return absl::StrCat("bind ", event.protocol, " ", Endpoint(event));
    case CVLSM_HOOK_UNIX_CONNECT:
      if (event.no_path) {
        return absl::StrCat("reach abstract unix socket ", event.object_name,
                            " outside the confinement");
      }
      return absl::StrCat("reach unix socket ", event.truncated ? "..." : "", event.path, " (",
                          FormatAccessModes(event.requested), ")");
    default:
      break;
  }
  std::string object = !event.no_path ? absl::StrCat(event.truncated ? "..." : "", event.path)
                       : event.object_name.empty() ? std::string("an object no path names")
                       : JudgedWithoutMount(event.hook)
                           ? absl::StrCat("/", event.object_name, " (named within its filesystem)")
                           : absl::StrCat(event.object_name, " (no path names it)");
  if (event.hook == CVLSM_HOOK_FCNTL && event.fixed) {
    return absl::StrCat(FileCommand(event), " on ", object,
                        ": a signal owner other than the process itself");
  }
  if (event.hook == CVLSM_HOOK_FCNTL || event.hook == CVLSM_HOOK_IOCTL) {
    return absl::StrCat(FileCommand(event), " on ", object, " (",
                        FormatAccessModes(event.requested), ")");
  }
  if (event.error == EXDEV) {
    return absl::StrCat(Action(event.hook), " ", object, ": would gain ",
                        FormatAccessModes(event.requested), " (refer)");
  }
  return absl::StrCat(Action(event.hook), " ", object, " (", FormatAccessModes(event.requested),
                      ")");
}

std::string VerdictName(const Event& event) {
  if (event.audit) return "audit";
  return event.fixed ? "denied (fixed)" : "denied";
}

uint64_t BootTimeToWallNs(uint64_t boot_ns) {
  struct timespec boot {
  }, real{};
  ::clock_gettime(CLOCK_BOOTTIME, &boot);
  ::clock_gettime(CLOCK_REALTIME, &real);
  int64_t offset =
      (int64_t{real.tv_sec} - boot.tv_sec) * 1000000000 + (real.tv_nsec - boot.tv_nsec);
  return boot_ns + offset;
}

std::string FormatEventLine(const Event& event) {
  absl::Time when = absl::FromUnixNanos(static_cast<int64_t>(BootTimeToWallNs(event.time_ns)));
  // The name and path come from the confined process: nothing of them reaches a terminal raw.
  return Printable(absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", when, absl::UTCTimeZone()),
                                " ", VerdictName(event), " ", event.comm, "[", event.pid,
                                "]: ", DescribeOperation(event), ": ", std::strerror(event.error),
                                " (cgroup ", event.cgroup, ", ", HookName(event.hook), ")"));
}

std::string FormatEventJson(const Event& event) {
  nlohmann::ordered_json json;
  json["time_ns"] = BootTimeToWallNs(event.time_ns);
  json["verdict"] = event.audit ? "audit" : "denied";
  json["fixed"] = event.fixed;
  json["pid"] = event.pid;
  json["tid"] = event.tid;
  json["comm"] = event.comm;
  json["cgroup"] = event.cgroup;
  json["hook"] = HookName(event.hook);
  json["errno"] = event.error;
  if (event.hook == CVLSM_HOOK_SYSCALL) {
    json["syscall"] = NativeSyscallName(event.detail);
    json["syscall_nr"] = event.detail;
  } else if (event.hook == CVLSM_HOOK_TASK_KILL || event.hook == CVLSM_HOOK_PTRACE) {
    json["target_pid"] = event.detail;
  } else if (event.hook == CVLSM_HOOK_TASK_CHANGE) {
    json["target_pid"] = TaskChangePid(event.detail);
    json["change"] = TaskChangeName(TaskChangeOperation(event.detail));
  } else if (event.hook == CVLSM_HOOK_FCNTL || event.hook == CVLSM_HOOK_IOCTL) {
    json["command"] = static_cast<uint32_t>(event.detail);
  } else if (event.hook == CVLSM_HOOK_BPF) {
    json["bpf_cmd"] = event.detail;
  } else if (event.hook == CVLSM_HOOK_SOCKET_CREATE) {
    uint32_t detail = static_cast<uint32_t>(event.detail);
    json["family"] = detail & 0xff;
    json["type"] = (detail >> 8) & 0xff;
    json["protocol"] = detail >> 16;
  } else if (event.hook == CVLSM_HOOK_SOCKET_OPTION) {
    json["level"] = static_cast<uint32_t>(event.detail) >> 16;
    json["option"] = static_cast<uint32_t>(event.detail) & 0xffff;
  } else if (IsNetworkEvent(event.hook)) {
    json["protocol"] = event.protocol;
    json["address"] = event.address;
    json["port"] = event.port;
  } else if (event.hook == CVLSM_HOOK_UNIX_CONNECT && event.no_path) {
    json["unix_name"] = event.object_name;
  } else {
    json["requested"] = FormatAccessModes(event.requested);
    json["path"] = event.path;
    json["path_truncated"] = event.truncated;
    if (event.no_path) json["object_name"] = event.object_name;
  }
  // Paths are bytes: invalid UTF-8 is replaced rather than failing the line.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<Event> ParseEventJson(absl::string_view line) {
  const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        "not an event: expected one JSON object, as cv-lsm events --json writes");
  }
  Event event;
  auto number = [&](const char* key) -> uint64_t {
    auto it = json.find(key);
    return it != json.end() && it->is_number_integer() ? it->get<uint64_t>() : 0;
  };
  auto text = [&](const char* key) -> std::string {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : "";
  };
  auto flag = [&](const char* key) {
    auto it = json.find(key);
    return it != json.end() && it->is_boolean() && it->get<bool>();
  };
  event.hook = HookByName(text("hook"));
  if (event.hook == CVLSM_HOOK_COUNT) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an event: unknown \"hook\" \"", text("hook"), "\""));
  }
  event.time_ns = number("time_ns");
  event.audit = text("verdict") == "audit";
  event.fixed = flag("fixed");
  event.pid = static_cast<uint32_t>(number("pid"));
  event.tid = static_cast<uint32_t>(number("tid"));
  event.comm = text("comm");
  event.cgroup = number("cgroup");
  event.error = static_cast<uint32_t>(number("errno"));
  if (event.hook == CVLSM_HOOK_SYSCALL) {
    event.detail = static_cast<int32_t>(number("syscall_nr"));
  } else if (event.hook == CVLSM_HOOK_TASK_KILL || event.hook == CVLSM_HOOK_PTRACE) {
    event.detail = static_cast<int32_t>(number("target_pid"));
  } else if (event.hook == CVLSM_HOOK_BPF) {
    event.detail = static_cast<int32_t>(number("bpf_cmd"));
  } else if (event.hook == CVLSM_HOOK_SOCKET_CREATE) {
    event.detail = static_cast<int32_t>((number("family") & 0xff) | (number("type") & 0xff) << 8 |
                                        number("protocol") << 16);
  } else if (event.hook == CVLSM_HOOK_SOCKET_OPTION) {
    event.detail = static_cast<int32_t>(number("level") << 16 | (number("option") & 0xffff));
  } else if (IsNetworkEvent(event.hook)) {
    event.protocol = text("protocol");
    event.address = text("address");
    event.ipv6 = event.address.find(':') != std::string::npos;
    event.port = static_cast<uint32_t>(number("port"));
  } else if (event.hook == CVLSM_HOOK_UNIX_CONNECT && json.contains("unix_name")) {
    event.no_path = true;
    event.object_name = text("unix_name");
  } else {
    for (char mode : text("requested")) {
      if (mode == 'r') event.requested |= kRead;
      if (mode == 'w') event.requested |= kWrite;
      if (mode == 'x') event.requested |= kExec;
    }
    event.path = text("path");
    event.truncated = flag("path_truncated");
    if (json.contains("object_name")) {
      event.no_path = true;
      event.object_name = text("object_name");
    }
    if (event.path.empty() && !event.no_path) {
      return absl::InvalidArgumentError("not an event: a path access without \"path\"");
    }
  }
  return event;
}

}  // namespace cvlsm
