// Compiles an OCI / Docker seccomp profile to a classic BPF program the way Docker's stack
// does (moby selects the entries, runc hands them to libseccomp), so a forked child can
// install it like cv-lsm's own filter. Test and bench support: the tests compare cv-lsm's
// import of a profile with the filter Docker would install, the bench times both.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seccomp/oci_profile.h"
#include "seccomp/oci_target.h"
#include "seccomp/seccomp_program.h"

namespace cvlsm {

struct OciCompileOptions : OciTarget {
  // libseccomp's default is kPriority; runc switches to kBinaryTree for profiles of more than
  // 32 syscalls (opencontainers/runc#3405), which Docker's default profile is.
  SeccompOptimize optimize = SeccompOptimize::kPriority;
};

struct OciCompiledFilter {
  SeccompProgram program;
  // The filter's architectures (libseccomp names, native first) from the profile's archMap
  // entry for this machine or its "architectures".
  std::vector<std::string> architectures;
  int entries_used = 0;     // entries whose includes/excludes matched
  int entries_skipped = 0;  // entries left out by includes/excludes
  int rules_added = 0;      // libseccomp rules (one per syscall, more for repeated arg indexes)
  // Syscall names libseccomp does not know (newer than it, or misspelt): skipped, as runc does.
  std::vector<std::string> unknown_syscalls;
  // What the filter cannot express or leaves out, for the user to read.
  std::vector<std::string> warnings;
};

absl::StatusOr<OciCompiledFilter> CompileOciProfile(const OciSeccompProfile& profile,
                                                    const OciCompileOptions& options = {});

}  // namespace cvlsm
