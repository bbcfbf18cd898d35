// Syscall names as libseccomp knows them, for the architectures the filter covers.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

// OK if libseccomp knows `name` on at least one architecture (so a name that exists only
// on another ABI, such as "send" on x86_64, is accepted and ignored where it is absent);
// otherwise an InvalidArgument error that names it.
absl::Status CheckSyscallName(absl::string_view name);

// Whether the name is a syscall of the native architecture of this build.
bool IsNativeSyscall(absl::string_view name);
// The native architecture's name of syscall `nr`; empty when libseccomp knows none.
std::string NativeSyscallName(int nr);

}  // namespace cvlsm
