#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace cvlsm {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kWarning};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
LogLevel GetLogLevel() { return g_level; }

void Log(LogLevel level, absl::string_view module, absl::string_view message) {
  if (level < g_level.load()) return;
  std::string line = absl::StrCat("cv-lsm: ", module, ": ", LevelName(level), ": ", message);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
}

}  // namespace cvlsm
