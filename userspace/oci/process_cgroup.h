// Which cgroup v2 a container's process is in, read from procfs the way the kernel reports
// it to the reader (paths relative to the reader's cgroup namespace: run in the runtime's).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

// The cgroup v2 path ("/system.slice/x") in the text of /proc/<pid>/cgroup: its "0::" line.
// A machine with cgroup v1 only has none, which is an error naming the remedy.
absl::StatusOr<std::string> ParseUnifiedCgroup(absl::string_view proc_cgroup_text);

// The cgroup v2 path of process `pid`, reading <proc>/<pid>/cgroup. A process that is gone
// is an error naming it.
absl::StatusOr<std::string> ProcessCgroup(const std::string& proc, int pid);

// The cgroup a hook may confine for a container: the cgroupfs directory of `container_cgroup`
// below `cgroup2_mount`. Refuses the root cgroup and the hook's own cgroup or an ancestor of
// it (`hook_cgroup`): the container would share it with the runtime and more, and confining
// it would confine them too.
absl::StatusOr<std::string> ContainerCgroupDir(const std::string& cgroup2_mount,
                                               const std::string& container_cgroup,
                                               const std::string& hook_cgroup);

}  // namespace cvlsm
