#include "capi/root_policy.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "policy/path_resolution.h"

namespace cvlsm::capi {

absl::StatusOr<Policy> PolicyInRoot(const Policy& policy, const std::string& root) {
  Policy moved = Policy::Preset(PolicyType::kCustom);
  for (const std::string& name : policy.syscalls()) {
    RETURN_IF_ERROR(moved.AddSyscall(name));
  }
  for (const auto& [path, modes] : policy.paths()) {
    bool proc_self = IsProcSelfRule(path);
    std::string target = proc_self ? path : absl::StrCat(root, path);
    struct stat st {};
    if (!proc_self && !modes.required && ::stat(target.c_str(), &st) != 0) continue;
    if (modes.allow != 0) {
      RETURN_IF_ERROR(moved.AddPath(target, modes.allow));
    }
    if (modes.deny != 0) {
      RETURN_IF_ERROR(moved.DenyPath(target, modes.deny));
    }
  }
  return moved;
}

}  // namespace cvlsm::capi
