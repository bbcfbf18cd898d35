// The directory a container's rule paths resolve in: its root filesystem as the container's
// own mount namespace has it, named by a path any process of the machine can open.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace cvlsm {

// "<proc>/<pid>/root<rootfs>": the rootfs path (absolute, as the runtime names it) inside
// the root of the container's process. Valid while the process is alive and has not
// pivoted (an OCI createRuntime hook): the runtime has mounted the rootfs and the
// container's /proc, /dev, ... in the container's mount namespace, which this path walks,
// so /dev/null names the container's device node, not the host's. Fails when the rootfs
// is missing there, or when the path would reach another directory than the one the
// container will get (an absolute symlink in the rootfs path resolves against the caller's
// root after the /proc magic link).
absl::StatusOr<std::string> ContainerResolutionRoot(const std::string& proc, int pid,
                                                    const std::string& rootfs);

}  // namespace cvlsm
