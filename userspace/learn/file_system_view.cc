#include "learn/file_system_view.h"

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

}  // namespace cvlsm
