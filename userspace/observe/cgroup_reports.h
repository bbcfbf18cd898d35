// What the programs counted and recorded for an enforced cgroup (bpf/helpers/report.bpf.*): the
// per-CPU decision counts, summed here, and the table of distinct denials.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bpf_backend/typed_map.h"
#include "cvlsm_abi.h"
#include "observe/event.h"

namespace cvlsm {

// "file_open", "exec", ..., "syscall": the hook's name in stats and events.
absl::string_view HookName(uint32_t hook);

struct HookCounts {
  uint64_t allowed = 0;
  uint64_t denied = 0;  // in audit mode: would-be denials
};

struct CgroupStats {
  uint64_t cgroup = 0;
  std::array<HookCounts, CVLSM_HOOK_COUNT> hooks{};
  uint64_t events_dropped = 0;   // over the rate limit, or the ring buffer was full
  uint64_t records_dropped = 0;  // the denial table was full
  uint64_t allowed() const;
  uint64_t denied() const;
};

// The cgroup's counts summed over every CPU; NotFound when the programs keep none for it.
absl::StatusOr<CgroupStats> ReadCgroupStats(int stats_fd, uint64_t cgroup);
// Zero counts for a cgroup about to be confined (the programs only count into an entry).
absl::Status ResetCgroupStats(int stats_fd, uint64_t cgroup);

using DenialTable = TypedMap<cvlsm_denial_key, cvlsm_denial_record>;

// The recorded denials, of one cgroup or of all, most frequent first.
std::vector<Denial> ReadDenials(const DenialTable& table, std::optional<uint64_t> cgroup);

// Drops a released cgroup's counts and denial records (best effort: nothing else reads
// them once its entry is gone).
void ForgetCgroupReports(int stats_fd, const DenialTable& table, uint64_t cgroup);
// The same for every cgroup not in `confined`.
void ForgetReportsExcept(int stats_fd, const DenialTable& table,
                         const std::set<uint64_t>& confined);

}  // namespace cvlsm
