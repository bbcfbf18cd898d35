// Turns an OCI / Docker seccomp profile into a cv-lsm policy: the syscalls the profile
// allows for this machine's architecture and a target's capabilities. A cv-lsm policy is an
// allow-list of syscall names refused with EPERM; whatever a profile says beyond that
// (argument conditions, other actions and errno values, other architectures, capability and
// kernel conditions) is reported as a note, never dropped without a word.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/policy_file.h"
#include "seccomp/oci_profile.h"
#include "seccomp/oci_target.h"

namespace cvlsm {

struct OciImport {
  PolicyDocument document;  // base "custom", mode "enforce"
  // One line per construct the policy does not express as the profile does, each naming
  // where it is ("syscalls[18] (clone): ...") and what the import made of it.
  std::vector<std::string> notes;
};

// `target.arch` must be this machine's (the names are checked against its syscall table).
// Fails for profiles whose default allows (deny-lists), which an allow-list cannot express.
absl::StatusOr<OciImport> ImportOciProfile(const OciSeccompProfile& profile, absl::string_view name,
                                           const OciTarget& target = {});

}  // namespace cvlsm
