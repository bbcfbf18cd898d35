// The syscall benchmark's workloads. Each runs in the measured child after the filter is
// installed: raw syscalls only (glibc may pick another syscall, e.g. newfstatat for fstat),
// every result checked, so a workload the filter refuses fails instead of timing EPERM.
#pragma once

#include <span>

namespace cvlsm::bench {

// Opened in the parent: /dev/zero and /dev/null.
struct WorkloadFds {
  int zero = -1;
  int null = -1;
};

struct SyscallWorkload {
  const char* name;  // the "workload" key of the output
  // Syscall numbers one operation makes, in order (for the evaluator's path length).
  std::span<const int> syscalls;
  // One operation: 0, or -errno of the first call that failed.
  int (*op)(const WorkloadFds& fds);
};

// getppid; mixed (getppid getuid fstat read write lseek dup close); late (close_range, the
// highest-numbered syscall every compared filter allows: last in libseccomp's priority
// order, where the binary tree helps most).
std::span<const SyscallWorkload> SyscallWorkloads();

}  // namespace cvlsm::bench
