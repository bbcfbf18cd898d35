// Syscall filters run in the user-space evaluator (seccomp/bpf_evaluator.h) by the unit
// tests: inputs the host cannot produce (other architectures, exact arguments) included.
#pragma once

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cstdint>

#include "seccomp/syscall_filter.h"
#include "testing/bpf_evaluator.h"

namespace cvlsm {

// What FilterVerdict returns for a program the evaluator refuses.
inline constexpr uint32_t kInterpreterError = 0xdeadbeef;

inline constexpr uint32_t kNativeAuditArch =
#if defined(__x86_64__)
    AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    AUDIT_ARCH_AARCH64;
#endif

// The seccomp_data of one call.
inline seccomp_data SeccompCall(int nr, uint64_t arg0 = 0, uint64_t arg1 = 0,
                                uint32_t arch = kNativeAuditArch) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  data.args[0] = arg0;
  data.args[1] = arg1;
  return data;
}

// The filter's action for the call (SECCOMP_RET_*), or kInterpreterError.
inline uint32_t FilterVerdict(const SyscallFilter& filter, const seccomp_data& data) {
  const SeccompEvaluation result = EvaluateSeccompProgram(filter.program().instructions(), data);
  return result.valid ? result.action : kInterpreterError;
}

}  // namespace cvlsm
