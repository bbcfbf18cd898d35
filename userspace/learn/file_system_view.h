// What learning asks of the filesystem the run used: whether a path is still there, and
// whether it is a directory. An interface so that tests can describe a filesystem.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <set>
#include <string>
#include <utility>

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

// The filesystem as the next run of the same command will find it: what the learning run
// created is as good as gone (the next run makes it again, perhaps under another name), so
// learning names it by the directory it was made in. "Created" is a birth time at or after
// `run_start`. On filesystems without birth times, a non-directory changed since then in a
// directory the run created entries in (`creation_dirs`) counts as created too; nothing
// else does, so a file the run only modified keeps its own rule rather than widening to
// its directory.
class BeforeRunFileSystemView final : public FileSystemView {
 public:
  BeforeRunFileSystemView(const struct timespec& run_start, std::set<std::string> creation_dirs)
      : run_start_(run_start), creation_dirs_(std::move(creation_dirs)) {}
  bool Exists(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;

 private:
  bool SinceRunStart(const struct statx_timestamp& time) const;

  struct timespec run_start_;
  std::set<std::string> creation_dirs_;
};

}  // namespace cvlsm
