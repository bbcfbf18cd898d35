#include "learn/file_system_view.h"

#include <fcntl.h>
#include <sys/stat.h>

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
  if (S_ISDIR(stx.stx_mode)) return true;
  const struct statx_timestamp& made = (stx.stx_mask & STATX_BTIME) ? stx.stx_btime : stx.stx_ctime;
  return made.tv_sec < run_start_.tv_sec ||
         (made.tv_sec == run_start_.tv_sec && made.tv_nsec < run_start_.tv_nsec);
}

bool BeforeRunFileSystemView::IsDirectory(const std::string& path) const {
  return HostFileSystemView().IsDirectory(path);
}

}  // namespace cvlsm
