// What learning asks of the filesystem the run used: whether a path is still there, and
// whether it is a directory. An interface so that tests can describe a filesystem.
#pragma once

#include <time.h>

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

// The filesystem as the next run of the same command will find it: a non-directory the
// learning run created is as good as gone (the next run makes it again, perhaps under
// another name), so learning names it by the directory it was made in. "Created" is a birth
// time at or after `run_start`; on filesystems without birth times, a change time then
// (which a file the run only wrote also has: it too is then named by its directory).
class BeforeRunFileSystemView final : public FileSystemView {
 public:
  explicit BeforeRunFileSystemView(const struct timespec& run_start) : run_start_(run_start) {}
  bool Exists(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;

 private:
  struct timespec run_start_;
};

}  // namespace cvlsm
