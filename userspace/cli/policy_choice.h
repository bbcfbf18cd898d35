// The policy a command line asks for: a preset or a policy file, plus --allow, --deny and
// --allow-syscall on top (run and apply take the same options).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/policy.h"

namespace cvlsm::cli {

struct PolicyChoice {
  std::string preset;  // used when `file` is empty
  std::string file;
  std::vector<std::string> allow_paths;  // PATH:MODES
  std::vector<std::string> deny_paths;   // PATH:MODES
  std::vector<std::string> allow_syscalls;
};

// Refuses a policy file in audit mode (not implemented: enforcing it would break what it
// only meant to watch).
absl::StatusOr<Policy> BuildPolicy(const PolicyChoice& options);

}  // namespace cvlsm::cli
