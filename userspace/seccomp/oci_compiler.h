// Compiles an OCI / Docker seccomp profile to a classic BPF program the way Docker's stack
// does (moby selects the entries, runc hands them to libseccomp), so a forked child can
// install it like cv-lsm's own filter.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seccomp/oci_profile.h"
#include "seccomp/seccomp_program.h"

namespace cvlsm {

// The capabilities Docker gives a container by default ("CAP_CHOWN", ...).
std::vector<std::string> DockerDefaultCapabilities();

// This machine's architecture in the names profiles use for includes/excludes ("amd64",
// "arm64", ...); empty where cv-lsm does not know it.
std::string NativeOciArch();

// The running kernel's "<kernel>.<major>".
OciKernelVersion RunningKernelVersion();

// The container a profile is applied to: what the entries' includes/excludes test.
struct OciTarget {
  // The container's bounding set: decides the entries' includes/excludes "caps".
  std::vector<std::string> capabilities = DockerDefaultCapabilities();
  std::string arch = NativeOciArch();
  OciKernelVersion kernel = RunningKernelVersion();
};

// moby's selection: whether the entry applies to the target (its excludes match nothing,
// its includes everything).
bool OciEntrySelected(const OciSyscallEntry& entry, const OciTarget& target);

// The archMap name of a Go architecture name ("amd64" -> "SCMP_ARCH_X86_64"); empty when
// unknown.
absl::string_view OciScmpArch(absl::string_view go_arch);

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
