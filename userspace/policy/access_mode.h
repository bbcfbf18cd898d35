// Access modes of path rules: r, w, x and their combinations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cvlsm_abi.h"

namespace cvlsm {

using AccessModes = uint32_t;  // CVLSM_MODE_* bits

inline constexpr AccessModes kRead = CVLSM_MODE_READ;
inline constexpr AccessModes kWrite = CVLSM_MODE_WRITE;
inline constexpr AccessModes kExec = CVLSM_MODE_EXEC;
inline constexpr AccessModes kAllModes = CVLSM_MODE_ALL;

// Parses "r", "rw", "rx", "rwx", ... (each letter at most once, at least one).
absl::StatusOr<AccessModes> ParseAccessModes(absl::string_view text);

// "rwx" with '-' for a missing mode, e.g. "r-x".
std::string FormatAccessModes(AccessModes modes);

}  // namespace cvlsm
