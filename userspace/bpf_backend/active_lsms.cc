#include "bpf_backend/active_lsms.h"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace cvlsm {
namespace {

constexpr char kLsmFile[] = "/sys/kernel/security/lsm";

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadActiveLsms() {
  if (::access(kLsmFile, R_OK) != 0) {
    if (::mount("securityfs", kSecurityFs, "securityfs", 0, nullptr) != 0 && errno != EBUSY) {
      return ErrnoError(errno, "mount securityfs on /sys/kernel/security",
                        "mount it by hand: mount -t securityfs securityfs /sys/kernel/security");
    }
  }
  std::ifstream file(kLsmFile);
  std::string line;
  if (!file || !std::getline(file, line)) {
    return ErrnoError(errno ? errno : ENOENT, "read /sys/kernel/security/lsm",
                      "the kernel predates the LSM list (before 4.15) or lacks securityfs");
  }
  return std::vector<std::string>(absl::StrSplit(line, ',', absl::SkipEmpty()));
}

bool LsmActive(const std::vector<std::string>& lsms, const std::string& name) {
  return std::find(lsms.begin(), lsms.end(), name) != lsms.end();
}

}  // namespace cvlsm
