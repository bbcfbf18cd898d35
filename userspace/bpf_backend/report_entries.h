// The per-cgroup entries the programs report into (bpf/report.bpf.h): a confinement starts
// its counts from zero and takes its counts and denial records with it when it ends. What
// they hold is read by observe/.
#pragma once

#include <cstdint>
#include <set>

#include "absl/status/status.h"
#include "bpf_backend/lsm_skeleton.h"

namespace cvlsm {

// Zero counts for a cgroup about to be confined (the programs only count into an entry).
absl::Status ResetCgroupReports(const LsmSkeleton& programs, uint64_t cgroup);

// Drops a released cgroup's counts and denial records (best effort: nothing else reads
// them once its entry is gone).
void ForgetCgroupReports(const LsmSkeleton& programs, uint64_t cgroup);
// The same for every cgroup not in `confined`.
void ForgetReportsExcept(const LsmSkeleton& programs, const std::set<uint64_t>& confined);

}  // namespace cvlsm
