#include "pinned/state_paths.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bpf_backend/lsm_skeleton.h"
#include "common/directory.h"
#include "common/errors.h"

namespace cvlsm {
namespace {
constexpr char kBpffs[] = "/sys/fs/bpf";
constexpr char kRunParent[] = "/run/cv-lsm";
constexpr long kBpffsMagic = 0xcafe4a11;
constexpr char kUnfinishedPrefix[] = "loading-";  // no dot: bpffs refuses those
}  // namespace

std::string PinsParent() { return absl::StrCat(kBpffs, "/cv-lsm"); }

std::string RuntimeParent() { return kRunParent; }

StatePaths StatePathsOf(const std::string& build_id) {
  return StatePaths{build_id, absl::StrCat(PinsParent(), "/", build_id),
                    absl::StrCat(kRunParent, "/", build_id)};
}

StatePaths ThisBuildState() { return StatePathsOf(ProgramsBuildId()); }

std::vector<std::string> PinnedBuilds() {
  std::vector<std::string> builds;
  for (std::string& name : DirectoryEntries(PinsParent())) {
    if (!absl::StartsWith(name, kUnfinishedPrefix)) builds.push_back(std::move(name));
  }
  return builds;
}

std::vector<std::string> UnfinishedPins() {
  std::vector<std::string> dirs;
  for (const std::string& name : DirectoryEntries(PinsParent())) {
    if (absl::StartsWith(name, kUnfinishedPrefix)) dirs.push_back(PinsParent() + "/" + name);
  }
  return dirs;
}

std::string UnfinishedPinsOfThisProcess() {
  return absl::StrCat(PinsParent(), "/", kUnfinishedPrefix, ::getpid());
}

absl::StatusOr<bool> EnsureBpffs() {
  struct statfs fs {};
  if (::statfs(kBpffs, &fs) == 0 && static_cast<long>(fs.f_type) == kBpffsMagic) return false;
  if (::mount("bpf", kBpffs, "bpf", 0, "mode=0700") != 0) {
    return ErrnoError(errno, absl::StrCat("mount bpffs at ", kBpffs),
                      "pinning needs bpffs; in a container, mount the host's /sys/fs/bpf");
  }
  return true;
}

void UnmountBpffs() { (void)::umount2(kBpffs, MNT_DETACH); }

void RemovePins(const std::string& dir) {
  std::vector<std::string> names = DirectoryEntries(dir);
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& name) { return absl::StartsWith(name, "link_"); });
  for (const std::string& name : names) ::unlink(absl::StrCat(dir, "/", name).c_str());
  ::rmdir(dir.c_str());
}

void RemoveRuntimeDir(const StatePaths& paths) {
  for (const std::string& name : DirectoryEntries(paths.records())) {
    ::unlink(absl::StrCat(paths.records(), "/", name).c_str());
  }
  ::rmdir(paths.records().c_str());
  ::unlink(paths.keeper_socket().c_str());
  ::unlink(paths.keeper_pid().c_str());
}

absl::Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(errno, absl::StrCat("create ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("open the lock ", path));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int err = errno;
      ::close(fd);
      return ErrnoError(err, absl::StrCat("lock ", path));
    }
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace cvlsm
