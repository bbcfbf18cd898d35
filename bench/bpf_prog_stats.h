// The kernel's own accounting of a BPF program's run time (kernel.bpf_stats_enabled): how
// many times it ran and for how long in total. The programs are found by name among the
// loaded ones, since the library keeps its skeleton private.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/unique_fd.h"

namespace cvlsm::bench {

struct ProgRunStats {
  uint64_t run_time_ns = 0;
  uint64_t run_cnt = 0;
};

// The highest program id loaded so far (0 when none or not allowed to ask).
uint32_t HighestBpfProgId();

// The newest loaded program with id > `after_id` named `name` (the kernel keeps 15
// characters: "cvlsm_file_open", "cvlsm_bprm_chec").
absl::StatusOr<UniqueFd> FindBpfProg(absl::string_view name, uint32_t after_id);

absl::StatusOr<ProgRunStats> ReadRunStats(int prog_fd);

// Keeps run-time statistics on while it lives (BPF_ENABLE_STATS: the kernel turns them off
// again when the last such descriptor is closed, even if this process dies).
absl::StatusOr<UniqueFd> EnableRunTimeStats();

}  // namespace cvlsm::bench
