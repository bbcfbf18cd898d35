// Minimal leveled logging to stderr, every line prefixed "cv-lsm: <module>: ".
// Verbosity is process-wide because it is a property of the whole CLI invocation.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace cvlsm {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void Log(LogLevel level, absl::string_view module, absl::string_view message);

inline void LogDebug(absl::string_view module, absl::string_view message) {
  Log(LogLevel::kDebug, module, message);
}
inline void LogWarning(absl::string_view module, absl::string_view message) {
  Log(LogLevel::kWarning, module, message);
}

}  // namespace cvlsm
