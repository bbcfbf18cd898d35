// Runs a seccomp classic BPF program on one syscall's seccomp_data in user space: what the
// kernel would answer, and how many instructions it took. For tests (inputs the host
// cannot produce, e.g. other ABIs), benchmarks (path length) and explaining imported
// profiles.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <span>

namespace cvlsm {

struct SeccompEvaluation {
  bool valid = false;    // false: an instruction seccomp refuses, or the program ran off its end
  uint32_t action = 0;   // the SECCOMP_RET_* value returned (action and data)
  int instructions = 0;  // instructions executed, the return included
};

SeccompEvaluation EvaluateSeccompProgram(std::span<const sock_filter> program,
                                         const seccomp_data& data);

}  // namespace cvlsm
