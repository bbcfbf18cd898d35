#include "machine_info.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace cvlsm::bench {

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

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

// Every bpf-lsm rule pins its object with a descriptor, and landlock opens each rule path:
// 100k rules need far more than the usual 1024/4096. Raising the hard limit needs root.
void RaiseFileLimit(int rules) {
  rlim_t wanted = static_cast<rlim_t>(rules) + 4096;
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
