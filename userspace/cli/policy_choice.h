// The policy a command line asks for: a preset or a policy file, plus --allow, --deny and
// --allow-syscall on top (run and apply take the same options).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/cli_options.h"
#include "policy/policy_file.h"

namespace cvlsm::cli {

struct PolicyChoice {
  std::string preset;  // used when `file` is empty
  std::string file;
  std::vector<std::string> allow_paths;  // PATH:MODES
  std::vector<std::string> deny_paths;   // PATH:MODES
  std::vector<std::string> allow_syscalls;
  NetRuleOptions net;
  bool audit = false;  // --audit: audit mode whatever the file says
};

// The policy with its name and mode (a file's "mode", or audit with --audit).
absl::StatusOr<PolicyDocument> BuildPolicy(const PolicyChoice& options);

}  // namespace cvlsm::cli
