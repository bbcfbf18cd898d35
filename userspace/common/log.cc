#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/printable.h"

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
  // Messages carry names from files and processes: each line printable (common/printable.h).
  std::vector<std::string> lines;
  for (absl::string_view part : absl::StrSplit(message, '\n')) lines.push_back(Printable(part));
  std::string line =
      absl::StrCat("cv-lsm: ", module, ": ", LevelName(level), ": ", absl::StrJoin(lines, "\n"));
  while (!line.empty() && line.back() == '\n') line.pop_back();
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
}

}  // namespace cvlsm
