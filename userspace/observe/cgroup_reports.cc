#include "observe/cgroup_reports.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <functional>

#include "common/errors.h"

namespace cvlsm {
namespace {

constexpr absl::string_view kHookNames[CVLSM_HOOK_COUNT] = {
    "file_open",  "exec",        "mmap_file",     "file_mprotect", "file_truncate",
    "path_mknod", "path_mkdir",  "path_symlink",  "path_unlink",   "path_rmdir",
    "path_link",  "path_rename", "path_truncate", "path_chmod",    "path_chown",
    "bpf",        "task_kill",   "ptrace",        "syscall"};

absl::StatusOr<size_t> PossibleCpus() {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return ErrnoError(-cpus, "count the possible CPUs (/sys/devices/system/cpu)");
  return static_cast<size_t>(cpus);
}

}  // namespace

absl::string_view HookName(uint32_t hook) {
  return hook < CVLSM_HOOK_COUNT ? kHookNames[hook] : "unknown";
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

absl::StatusOr<CgroupStats> ReadCgroupStats(int stats_fd, uint64_t cgroup) {
  absl::StatusOr<size_t> cpus = PossibleCpus();
  if (!cpus.ok()) return cpus.status();
  // A per-CPU map hands out one value per possible CPU (each rounded to 8 bytes: ours is).
  static_assert(sizeof(cvlsm_cgroup_stats) % 8 == 0);
  std::vector<cvlsm_cgroup_stats> per_cpu(*cpus);
  if (bpf_map_lookup_elem(stats_fd, &cgroup, per_cpu.data()) != 0) {
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

absl::Status ResetCgroupStats(int stats_fd, uint64_t cgroup) {
  absl::StatusOr<size_t> cpus = PossibleCpus();
  if (!cpus.ok()) return cpus.status();
  std::vector<cvlsm_cgroup_stats> zero(*cpus);
  if (bpf_map_update_elem(stats_fd, &cgroup, zero.data(), BPF_ANY) != 0) {
    return ErrnoError(errno, absl::StrCat("create the statistics of cgroup ", cgroup));
  }
  return absl::OkStatus();
}

std::vector<Denial> ReadDenials(const DenialTable& table, std::optional<uint64_t> cgroup) {
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

namespace {

// Deletes the stats entries and denial records of the cgroups `forget` says.
void ForgetReportsOf(int stats_fd, const DenialTable& table,
                     const std::function<bool(uint64_t cgroup)>& forget) {
  std::vector<uint64_t> stale_stats;
  uint64_t key = 0, next = 0;
  for (int err = bpf_map_get_next_key(stats_fd, nullptr, &next); err == 0;
       err = bpf_map_get_next_key(stats_fd, &key, &next)) {
    key = next;
    if (forget(key)) stale_stats.push_back(key);
  }
  for (uint64_t cgroup : stale_stats) (void)bpf_map_delete_elem(stats_fd, &cgroup);
  std::vector<cvlsm_denial_key> stale_records;
  for (const cvlsm_denial_key& record : table.Keys()) {
    if (forget(record.cgroup)) stale_records.push_back(record);
  }
  (void)table.DeleteBatch(stale_records);
}

}  // namespace

void ForgetCgroupReports(int stats_fd, const DenialTable& table, uint64_t cgroup) {
  ForgetReportsOf(stats_fd, table, [cgroup](uint64_t other) { return other == cgroup; });
}

void ForgetReportsExcept(int stats_fd, const DenialTable& table,
                         const std::set<uint64_t>& confined) {
  ForgetReportsOf(stats_fd, table,
                  [&confined](uint64_t cgroup) { return !confined.contains(cgroup); });
}

}  // namespace cvlsm
