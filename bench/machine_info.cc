#include "machine_info.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
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

// Raising the hard limit needs root; without it the soft limit goes as far as it may.
void RaiseFileLimit(int rules) {
  // Twice: the bpf-lsm and landlock configurations hold their pins at the same time.
  rlim_t wanted = 2 * static_cast<rlim_t>(rules) + 4096;
  uint64_t nr_open = 0;
  if (absl::SimpleAtoi(FirstLine("/proc/sys/fs/nr_open"), &nr_open)) {
    wanted = std::min<rlim_t>(wanted, nr_open);
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  struct rlimit raised = {wanted, std::max(wanted, limit.rlim_max)};
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {limit.rlim_max, limit.rlim_max};
    ::setrlimit(RLIMIT_NOFILE, &raised);
  }
}

}  // namespace cvlsm::bench
