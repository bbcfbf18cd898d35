#include "bpf_backend/report_entries.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cvlsm {
namespace {

// Deletes the stats entries and denial records of the cgroups `forget` says.
void ForgetReportsOf(const LsmSkeleton& programs,
                     const std::function<bool(uint64_t cgroup)>& forget) {
  int stats_fd = programs.stats_fd();
  std::vector<uint64_t> stale_stats;
  uint64_t key = 0, next = 0;
  for (int err = bpf_map_get_next_key(stats_fd, nullptr, &next); err == 0;
       err = bpf_map_get_next_key(stats_fd, &key, &next)) {
    key = next;
    if (forget(key)) stale_stats.push_back(key);
  }
  for (uint64_t cgroup : stale_stats) (void)bpf_map_delete_elem(stats_fd, &cgroup);
  std::vector<cvlsm_denial_key> stale_records;
  for (const cvlsm_denial_key& record : programs.denials().Keys()) {
    if (forget(record.cgroup)) stale_records.push_back(record);
  }
  (void)programs.denials().DeleteBatch(stale_records);
}

}  // namespace

absl::Status ResetCgroupReports(const LsmSkeleton& programs, uint64_t cgroup) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return ErrnoError(-cpus, "count the possible CPUs (/sys/devices/system/cpu)");
  // A per-CPU map takes one value per possible CPU.
  std::vector<cvlsm_cgroup_stats> zero(static_cast<size_t>(cpus));
  if (bpf_map_update_elem(programs.stats_fd(), &cgroup, zero.data(), BPF_ANY) != 0) {
    return ErrnoError(errno, absl::StrCat("create the statistics of cgroup ", cgroup));
  }
  return absl::OkStatus();
}

void ForgetCgroupReports(const LsmSkeleton& programs, uint64_t cgroup) {
  ForgetReportsOf(programs, [cgroup](uint64_t other) { return other == cgroup; });
}

void ForgetReportsExcept(const LsmSkeleton& programs, const std::set<uint64_t>& confined) {
  ForgetReportsOf(programs, [&confined](uint64_t cgroup) { return !confined.contains(cgroup); });
}

}  // namespace cvlsm
