// The container an OCI / Docker seccomp profile is applied to, and moby's selection of the
// profile's entries for it (includes/excludes by architecture, capabilities and kernel).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "seccomp/oci_profile.h"

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

}  // namespace cvlsm
