// What a confinement costs: what the cgroup itself accounts (CPU, memory, processes, I/O,
// where its controllers are enabled) and what its policy takes in the programs' maps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"

namespace cvlsm {

// From the cgroup's own files; a value is absent where its controller is not enabled for
// the cgroup (or the kernel has no such file: memory.peak is Linux 5.19+).
struct CgroupUsage {
  std::optional<uint64_t> cpu_usec;  // cpu.stat usage_usec (always there on cgroup v2)
  std::optional<uint64_t> user_usec;
  std::optional<uint64_t> system_usec;
  std::optional<uint64_t> memory_bytes;       // memory.current
  std::optional<uint64_t> memory_peak_bytes;  // memory.peak
  std::optional<uint64_t> processes;          // pids.current
  std::optional<uint64_t> io_read_bytes;      // io.stat, summed over devices
  std::optional<uint64_t> io_write_bytes;
};

// `cgroup_dir`: the cgroup's directory in the cgroup v2 hierarchy. NotFound when it is gone.
absl::StatusOr<CgroupUsage> ReadCgroupUsage(const std::string& cgroup_dir);

// The entries the policy of one confined cgroup holds in the programs' maps, and their key
// and value bytes. The kernel adds its own overhead per element (a hash map's element
// header, a trie's node), which is in the maps' memlock totals, not here.
struct PolicyFootprint {
  uint64_t path_rules = 0;
  uint64_t network_prefixes = 0;  // IPv4 and IPv6 trie entries
  uint64_t unix_names = 0;
  uint64_t other_entries = 0;  // the cgroup's policy entry, its counters, its denial records
  uint64_t bytes = 0;
  // Other cgroups confined with the same policy id, which share its rule entries.
  uint64_t sharing_cgroups = 0;
  uint64_t entries() const { return path_rules + network_prefixes + unix_names + other_entries; }
};

// NotFound when the cgroup is not confined by these programs.
absl::StatusOr<PolicyFootprint> ReadPolicyFootprint(const LsmSkeleton& programs, uint64_t cgroup);

}  // namespace cvlsm
