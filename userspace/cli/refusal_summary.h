// What a confined run refused, said on stderr when it ends: each refused operation (a
// syscall, a path and mode, a network destination), how often, by which program, and the
// option that would allow it (explain/remedy.h). Nothing when nothing was refused; `-q`
// hides it, `-v` also says each syscall refusal as it happens. On every tier the syscalls
// come from the filter's listener; paths from the programs' records on bpf-lsm, while the
// landlock tier cannot list them (said so).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "cli/workload.h"
#include "policy/policy.h"
#include "seccomp/syscall_audit.h"

namespace cvlsm::cli {

// The syscalls the filter refused (or would have, in audit mode), each with the first
// process that made it.
class SyscallRefusals : public SyscallAuditSink {
 public:
  // `live`: say each one as it happens (the first few of each syscall), as `who`.
  SyscallRefusals(std::string who, const Policy& policy, bool live, bool audit)
      : who_(std::move(who)), policy_(policy), live_(live), audit_(audit) {}
  void WouldBeDenied(pid_t pid, int syscall_nr) override;

  struct Seen {
    uint64_t count = 0;
    pid_t pid = 0;
    std::string comm;
  };
  std::map<int, Seen> Snapshot() const;

 private:
  const std::string who_;
  const Policy& policy_;
  const bool live_;
  const bool audit_;
  mutable std::mutex mutex_;
  std::map<int, Seen> seen_;
};

void PrintRefusalSummary(absl::string_view who, const WorkloadResult& result,
                         const SyscallRefusals& syscalls, const Policy& policy, bool audit);

}  // namespace cvlsm::cli
