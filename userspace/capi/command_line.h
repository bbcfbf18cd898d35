// containerv passes a process's arguments as one string; this splits it like a POSIX shell
// splits words (no expansion of any kind).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm::capi {

// Words separated by blanks; '...' is literal, "..." keeps \" \\ \$ \` escapes, and a
// backslash outside quotes escapes the next character. An unterminated quote is an error.
absl::StatusOr<std::vector<std::string>> SplitCommandLine(absl::string_view line);

}  // namespace cvlsm::capi
