#include "machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace cvlsm::bench {
namespace {

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(absl::string_view(line).substr(colon + 1)));
      }
    }
  }
  return "unknown";
}

}  // namespace

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

JsonLine MachineMeta(absl::string_view program) {
  struct utsname uts {};
  ::uname(&uts);
  JsonLine line;
  line.Add("bench", "meta")
      .Add("program", program)
      .Add("kernel", uts.release)
      .Add("arch", uts.machine)
      .Add("cpu", CpuModel())
      .Add("cpus", static_cast<int64_t>(::sysconf(_SC_NPROCESSORS_ONLN)))
      .Add("clocksource",
           FirstLine("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
  return line;
}

}  // namespace cvlsm::bench
