// What learning asks of the filesystem the run used: whether a path is still there, and
// whether it is a directory. An interface so that tests can describe a filesystem.
#pragma once

#include <string>

namespace cvlsm {

class FileSystemView {
 public:
  virtual ~FileSystemView() = default;
  // Whether something has this name (a dangling symlink counts).
  virtual bool Exists(const std::string& path) const = 0;
  // Whether the path reaches a directory (symlinks followed).
  virtual bool IsDirectory(const std::string& path) const = 0;
};

// This process's view: lstat() and stat(). Learning from a process in another mount
// namespace needs a view of that namespace's filesystem instead.
class HostFileSystemView final : public FileSystemView {
 public:
  bool Exists(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
};

}  // namespace cvlsm
