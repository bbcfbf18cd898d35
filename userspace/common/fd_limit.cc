#include "common/fd_limit.h"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace cvlsm {
namespace {

// Descriptors open now (a guess when /proc is not mounted).
size_t OpenDescriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 256;
  size_t count = 0;
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

rlim_t NrOpen() {
  std::ifstream in("/proc/sys/fs/nr_open");
  rlim_t value = 1 << 20;  // the kernel's default
  in >> value;
  return value;
}

}  // namespace

absl::Status EnsureDescriptorRoom(size_t more) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return absl::OkStatus();
  rlim_t wanted = static_cast<rlim_t>(OpenDescriptors() + more + 32);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= wanted) return absl::OkStatus();
  if (limit.rlim_cur == RLIM_INFINITY) return absl::OkStatus();
  struct rlimit raised = limit;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
    // Raising the hard limit needs CAP_SYS_RESOURCE; without it the soft one goes to it.
    raised.rlim_max = std::min(wanted, NrOpen());
    raised.rlim_cur = raised.rlim_max;
    if (raised.rlim_max >= wanted && ::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      return absl::OkStatus();
    }
    raised = limit;
  }
  raised.rlim_cur = std::min(wanted, limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0 || raised.rlim_cur < wanted) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the policy needs ", more, " open descriptors (one per rule object) but the limit is ",
        raised.rlim_cur, " (hard limit ", limit.rlim_max,
        "): raise it (ulimit -n) or run with CAP_SYS_RESOURCE"));
  }
  return absl::OkStatus();
}

}  // namespace cvlsm
