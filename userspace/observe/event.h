// A denial as the programs report it (struct cvlsm_event), decoded for people and for log
// shippers: one line of text, or one JSON object.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cvlsm_abi.h"

namespace cvlsm {

struct Event {
  uint64_t time_ns = 0;  // CLOCK_BOOTTIME
  uint64_t cgroup = 0;   // the enforced cgroup
  uint32_t pid = 0, tid = 0;
  std::string comm;
  uint32_t hook = 0;       // CVLSM_HOOK_*
  uint32_t requested = 0;  // CVLSM_MODE_* (0: not a path access)
  uint32_t error = 0;      // errno returned, or that would have been (audit)
  bool audit = false;      // reported, not denied
  bool fixed = false;      // a refusal no policy lifts
  int32_t detail = 0;      // syscall number, or a target pid
  // The object's path from the process's mount namespace root; empty when the refusal
  // names no object or no path names it. When `truncated`, leading components are missing.
  std::string path;
  bool truncated = false;
  // No path names the object (a memfd, a pipe), or there was none: `object_name` is its
  // own name when it has one ("memfd:jit").
  bool no_path = false;
  std::string object_name;
  // A network refusal (connect, sendmsg, bind): "tcp", "udp", "icmp", or "other" for a
  // socket of no class a rule names; the address ("10.0.0.1", "fd00::1") and port.
  std::string protocol;
  std::string address;
  bool ipv6 = false;
  uint32_t port = 0;
};

// Whether the event is a network refusal with an address (connect, sendmsg, bind).
bool IsNetworkEvent(uint32_t hook);

// One distinct denial (cvlsm_denials): how often, and its first occurrence.
struct Denial {
  uint64_t count = 0;
  Event first;
};

// Decodes the kernel's record: the path's components come leaf first (bpf/cvlsm_abi.h).
Event DecodeEvent(const cvlsm_event& raw);

// What was refused: "open /etc/shadow (r)", "syscall mount (40)", "kill pid 1".
std::string DescribeOperation(const Event& event);
// "denied", "audit" (would be denied) or "denied (fixed)".
std::string VerdictName(const Event& event);

// One line for people: wall-clock time, verdict, process, operation, cgroup.
std::string FormatEventLine(const Event& event);
// One JSON object on one line (no trailing newline), for log shippers.
std::string FormatEventJson(const Event& event);
// The same object read back (`cv-lsm explain`, `policy diff --events`); the error says what
// is missing or wrong. The time stays wall-clock.
absl::StatusOr<Event> ParseEventJson(absl::string_view line);

// The wall-clock time (ns since the epoch) of a CLOCK_BOOTTIME stamp, as now.
uint64_t BootTimeToWallNs(uint64_t boot_ns);

}  // namespace cvlsm
