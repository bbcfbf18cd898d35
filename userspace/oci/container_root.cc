#include "oci/container_root.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/open_in_root.h"
#include "common/unique_fd.h"

namespace cvlsm {
namespace {

// The same directory on the same mount (a bind mount of a directory has its device and
// inode; the mounts below it are the mount's own).
absl::StatusOr<bool> SameDirectory(int a, int b) {
  struct statx sa {
  }, sb{};
  const unsigned mask = STATX_INO | STATX_MNT_ID;
  if (::statx(a, "", AT_EMPTY_PATH, mask, &sa) != 0 ||
      ::statx(b, "", AT_EMPTY_PATH, mask, &sb) != 0) {
    return ErrnoError(errno, "statx of the container's root");
  }
  bool same = sa.stx_dev_major == sb.stx_dev_major && sa.stx_dev_minor == sb.stx_dev_minor &&
              sa.stx_ino == sb.stx_ino;
  // Mount ids are reported from Linux 5.8; before, device and inode are all there is.
  if ((sa.stx_mask & sb.stx_mask & STATX_MNT_ID) != 0)
    same = same && sa.stx_mnt_id == sb.stx_mnt_id;
  return same;
}

}  // namespace

absl::StatusOr<std::string> ContainerResolutionRoot(const std::string& proc, int pid,
                                                    const std::string& rootfs) {
  const std::string process_root = absl::StrCat(proc, "/", pid, "/root");
  UniqueFd root(::open(process_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    int err = errno;
    return ErrnoError(err, absl::StrCat("open ", process_root),
                      err == ENOENT ? "the container's process is gone"
                                    : "the hook needs root (CAP_SYS_PTRACE over the container)");
  }
  // The truth: the rootfs as the container's process reaches it from its own root.
  absl::StatusOr<UniqueFd> inside =
      OpenInRoot(root.get(), rootfs, O_PATH | O_DIRECTORY, process_root, "open root.path");
  if (!inside.ok()) {
    return Annotate(inside.status(),
                    "the container's root filesystem is not where config.json's root.path says "
                    "(run the hook as createRuntime, before the runtime's pivot_root)");
  }
  const std::string joined = process_root + rootfs;
  UniqueFd outside(::open(joined.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  absl::StatusOr<bool> same =
      outside.valid() ? SameDirectory(inside->get(), outside.get()) : absl::StatusOr<bool>(false);
  if (!same.ok()) return same.status();
  if (!*same) {
    return absl::FailedPreconditionError(absl::StrCat(
        "root.path ", rootfs, " reaches another directory through ", joined,
        " than inside the container's root (an absolute symlink in the path?); give root.path "
        "as the root filesystem's real path"));
  }
  return joined;
}

}  // namespace cvlsm
