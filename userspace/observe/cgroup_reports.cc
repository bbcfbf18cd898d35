#include "observe/cgroup_reports.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace cvlsm {
namespace {

constexpr absl::string_view kHookNames[CVLSM_HOOK_COUNT] = {
    "file_open",   "exec",        "mmap_file",     "file_mprotect", "file_truncate",
    "path_mknod",  "path_mkdir",  "path_symlink",  "path_unlink",   "path_rmdir",
    "path_link",   "path_rename", "path_truncate", "path_chmod",    "path_chown",
    "bpf",         "task_kill",   "ptrace",        "syscall",       "socket_create",
    "connect",     "sendmsg",     "bind",          "socket_option", "unix_connect",
    "task_change", "fcntl",       "ioctl",         "xattr",         "times"};

absl::StatusOr<size_t> PossibleCpus() {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return ErrnoError(-cpus, "count the possible CPUs (/sys/devices/system/cpu)");
  return static_cast<size_t>(cpus);
}

}  // namespace

absl::string_view HookName(uint32_t hook) {
  return hook < CVLSM_HOOK_COUNT ? kHookNames[hook] : "unknown";
}

uint32_t HookByName(absl::string_view name) {
  for (uint32_t hook = 0; hook < CVLSM_HOOK_COUNT; ++hook) {
    if (kHookNames[hook] == name) return hook;
  }
  return CVLSM_HOOK_COUNT;
}

uint64_t CgroupStats::allowed() const {
  uint64_t sum = 0;
  for (const HookCounts& counts : hooks) sum += counts.allowed;
  return sum;
}

uint64_t CgroupStats::denied() const {
  uint64_t sum = 0;
  for (const HookCounts& counts : hooks) sum += counts.denied;
  return sum;
}

absl::StatusOr<CgroupStats> ReadCgroupStats(const LsmSkeleton& programs, uint64_t cgroup) {
  ASSIGN_OR_RETURN(size_t cpus, PossibleCpus());
  // A per-CPU map hands out one value per possible CPU (each rounded to 8 bytes: ours is).
  static_assert(sizeof(cvlsm_cgroup_stats) % 8 == 0);
  std::vector<cvlsm_cgroup_stats> per_cpu(cpus);
  if (bpf_map_lookup_elem(programs.stats_fd(), &cgroup, per_cpu.data()) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no statistics for cgroup ", cgroup));
    }
    return ErrnoError(errno, "read the statistics map");
  }
  CgroupStats stats;
  stats.cgroup = cgroup;
  for (const cvlsm_cgroup_stats& cpu : per_cpu) {
    for (size_t hook = 0; hook < CVLSM_HOOK_COUNT; ++hook) {
      stats.hooks[hook].allowed += cpu.allowed[hook];
      stats.hooks[hook].denied += cpu.denied[hook];
    }
    stats.events_dropped += cpu.events_dropped;
    stats.records_dropped += cpu.records_dropped;
  }
  return stats;
}

std::vector<Denial> ReadDenials(const LsmSkeleton& programs, std::optional<uint64_t> cgroup) {
  const auto& table = programs.denials();
  std::vector<Denial> denials;
  for (const cvlsm_denial_key& key : table.Keys()) {
    if (cgroup && key.cgroup != *cgroup) continue;
    cvlsm_denial_record record{};
    if (!table.Lookup(key, &record)) continue;  // deleted meanwhile
    denials.push_back(Denial{.count = record.count, .first = DecodeEvent(record.first)});
  }
  std::stable_sort(denials.begin(), denials.end(), [](const Denial& a, const Denial& b) {
    return a.count != b.count ? a.count > b.count : a.first.time_ns < b.first.time_ns;
  });
  return denials;
}

uint64_t DenialsNotRecorded(const LsmSkeleton& programs, uint64_t cgroup) {
  absl::StatusOr<CgroupStats> stats = ReadCgroupStats(programs, cgroup);
  return stats.ok() ? stats->records_dropped : 0;
}

absl::StatusOr<uint64_t> MapMemoryBytes(int map_fd) {
  std::ifstream fdinfo(absl::StrCat("/proc/self/fdinfo/", map_fd));
  std::string line;
  while (std::getline(fdinfo, line)) {
    uint64_t bytes = 0;
    if (absl::StartsWith(line, "memlock:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(line).substr(8)), &bytes)) {
      return bytes;
    }
  }
  return absl::UnavailableError(
      absl::StrCat("no memlock line in /proc/self/fdinfo/", map_fd, " (kernel too old?)"));
}

}  // namespace cvlsm
