// What the programs counted and recorded for an enforced cgroup (bpf/helpers/report.bpf.*): the
// per-CPU decision counts, summed here, and the table of distinct denials.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bpf_backend/lsm_skeleton.h"
#include "cvlsm_abi.h"
#include "observe/event.h"

namespace cvlsm {

// "file_open", "exec", ..., "syscall": the hook's name in stats and events.
absl::string_view HookName(uint32_t hook);
// The hook of that name; CVLSM_HOOK_COUNT when there is none.
uint32_t HookByName(absl::string_view name);

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
absl::StatusOr<CgroupStats> ReadCgroupStats(const LsmSkeleton& programs, uint64_t cgroup);

// The recorded denials, of one cgroup or of all, most frequent first.
std::vector<Denial> ReadDenials(const LsmSkeleton& programs, std::optional<uint64_t> cgroup);

// How many denials of the cgroup the table had no room for (ReadDenials is then partial).
uint64_t DenialsNotRecorded(const LsmSkeleton& programs, uint64_t cgroup);

// What a map charges the kernel now (fdinfo "memlock": the memory in use on 6.4 and later,
// an estimate from the map's limits before).
absl::StatusOr<uint64_t> MapMemoryBytes(int map_fd);

}  // namespace cvlsm
