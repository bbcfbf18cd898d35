#include "oci/process_cgroup.h"

#include <cerrno>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "json/json_source.h"

namespace cvlsm {

absl::StatusOr<std::string> ParseUnifiedCgroup(absl::string_view proc_cgroup_text) {
  for (absl::string_view line : absl::StrSplit(proc_cgroup_text, '\n')) {
    // "hierarchy-id:controllers:path"; the path may itself contain ':'.
    if (!absl::StartsWith(line, "0::")) continue;
    absl::string_view path = line.substr(3);
    if (path.empty() || path.front() != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected cgroup v2 line \"", line, "\": expected 0::/PATH"));
    }
    return std::string(path);
  }
  return absl::FailedPreconditionError(
      "the process is in no cgroup v2 (no \"0::\" line in its cgroup file): this machine "
      "runs cgroup v1 only; cv-lsm confines cgroup v2 groups, so boot with "
      "systemd.unified_cgroup_hierarchy=1 (or mount cgroup2 and let the runtime use it)");
}

absl::StatusOr<std::string> ProcessCgroup(const std::string& proc, int pid) {
  const std::string file = absl::StrCat(proc, "/", pid, "/cgroup");
  absl::StatusOr<std::string> text = ReadTextFile(file, "cgroup file", "");
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(
          absl::StrCat("process ", pid, " of the container is gone (", file,
                       " does not exist); run the hook as createRuntime (or prestart), while the "
                       "container's process waits for it"));
    }
    return text.status();
  }
  absl::StatusOr<std::string> cgroup = ParseUnifiedCgroup(*text);
  if (!cgroup.ok()) return Annotate(cgroup.status(), file);
  return cgroup;
}

absl::StatusOr<std::string> ContainerCgroupDir(const std::string& cgroup2_mount,
                                               const std::string& container_cgroup,
                                               const std::string& hook_cgroup) {
  if (container_cgroup == "/") {
    return absl::FailedPreconditionError(
        "the container's process is in the root cgroup: confining it would confine every "
        "process of the machine; give the container a cgroup of its own (linux.cgroupsPath, "
        "or a runtime cgroup manager that creates one)");
  }
  if (hook_cgroup == container_cgroup || absl::StartsWith(hook_cgroup, container_cgroup + "/")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the container's cgroup ", container_cgroup,
        " also holds the runtime that runs this "
        "hook: confining it would confine the runtime too; give the container a cgroup of its "
        "own (linux.cgroupsPath, or a runtime cgroup manager that creates one)"));
  }
  return cgroup2_mount + container_cgroup;
}

}  // namespace cvlsm
