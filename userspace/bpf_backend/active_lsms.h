// The kernel's active LSMs, in order: BPF LSM programs run only where "bpf" is among them
// (the lsm= boot parameter or CONFIG_LSM); elsewhere they load and attach and never run.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cvlsm {

inline constexpr char kSecurityFs[] = "/sys/kernel/security";

// Reads /sys/kernel/security/lsm, mounting securityfs there when it is not mounted.
absl::StatusOr<std::vector<std::string>> ReadActiveLsms();

// Whether `name` is among `lsms`.
bool LsmActive(const std::vector<std::string>& lsms, const std::string& name);

}  // namespace cvlsm
