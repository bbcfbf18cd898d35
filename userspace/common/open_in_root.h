// Opening a path as if a directory were "/": openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS),
// the kernel's own confinement of a path walk (Linux 5.6+). A container's paths are opened so
// that its absolute symlinks and ".." stay inside its root, as they do for the container.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/unique_fd.h"

namespace cvlsm {

// Opens `path` (absolute or relative, both below `root_fd`) with `flags` (O_CLOEXEC is added).
// Errors read "<what> <path> in <root_name>: <strerror> (errno N)", keep the errno's code
// (ENOENT is NotFound), and name the remedy for a kernel without openat2 (ENOSYS).
absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& path, uint64_t flags,
                                    absl::string_view root_name, absl::string_view what = "open");

}  // namespace cvlsm
