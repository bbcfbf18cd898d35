#include "learn/file_system_view.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "learn/learned_rules.h"

namespace cvlsm {

bool HostFileSystemView::Exists(const std::string& path) const {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool HostFileSystemView::IsDirectory(const std::string& path) const {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool BeforeRunFileSystemView::Exists(const std::string& path) const {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_BTIME | STATX_CTIME,
              &stx) != 0) {
    return false;
  }
  if (stx.stx_mask & STATX_BTIME) return !SinceRunStart(stx.stx_btime);
  // A directory's change time moves with every entry made in it: no sign of its birth.
  if (S_ISDIR(stx.stx_mode)) return true;
  return !(SinceRunStart(stx.stx_ctime) && creation_dirs_.contains(ParentPath(path)));
}

bool BeforeRunFileSystemView::SinceRunStart(const struct statx_timestamp& time) const {
  return time.tv_sec > run_start_.tv_sec ||
         (time.tv_sec == run_start_.tv_sec && time.tv_nsec >= run_start_.tv_nsec);
}

bool BeforeRunFileSystemView::IsDirectory(const std::string& path) const {
  return HostFileSystemView().IsDirectory(path);
}

}  // namespace cvlsm
