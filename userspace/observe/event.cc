#include "observe/event.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
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
    default:
      return HookName(hook);
  }
}

}  // namespace

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
      raw.hook == CVLSM_HOOK_PTRACE || raw.hook == CVLSM_HOOK_BPF) {
    return event;  // no object
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
    case CVLSM_HOOK_BPF:
      return absl::StrCat("bpf command ", event.detail);
    default:
      break;
  }
  std::string object = !event.no_path ? absl::StrCat(event.truncated ? "..." : "", event.path)
                       : event.object_name.empty()
                           ? std::string("an object no path names")
                           : absl::StrCat(event.object_name, " (no path names it)");
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
  return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", when, absl::UTCTimeZone()), " ",
                      VerdictName(event), " ", event.comm, "[", event.pid,
                      "]: ", DescribeOperation(event), ": ", std::strerror(event.error),
                      " (cgroup ", event.cgroup, ", ", HookName(event.hook), ")");
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
  } else if (event.hook == CVLSM_HOOK_BPF) {
    json["bpf_cmd"] = event.detail;
  } else {
    json["requested"] = FormatAccessModes(event.requested);
    json["path"] = event.path;
    json["path_truncated"] = event.truncated;
    if (event.no_path) json["object_name"] = event.object_name;
  }
  // Paths are bytes: invalid UTF-8 is replaced rather than failing the line.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cvlsm
