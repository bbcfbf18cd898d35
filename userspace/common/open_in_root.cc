#include "common/open_in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cvlsm {

absl::StatusOr<UniqueFd> OpenInRoot(int root_fd, const std::string& path, uint64_t flags,
                                    absl::string_view root_name, absl::string_view what) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  // EAGAIN: a rename or mount somewhere on the system raced the walk (the kernel refuses
  // rather than risk a result outside the root); trying again is the documented answer.
  for (int attempt = 0; attempt < 16; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno != EAGAIN) break;
  }
  int err = errno;
  std::string context = absl::StrCat(what, " ", path, " in ", root_name);
  switch (err) {
    case ENOSYS:
      return ErrnoError(err, context,
                        "resolving paths inside a root needs openat2(), Linux 5.6 or later");
    case ELOOP:
      return ErrnoError(err, context,
                        "a symlink loop, or a /proc magic link (such as /proc/PID/root), which "
                        "is never followed inside a root: name the object itself");
    default:
      return ErrnoError(err, context);
  }
}

}  // namespace cvlsm
