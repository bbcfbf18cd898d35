#include "cgroup/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"

namespace cvlsm {
namespace {

absl::Status WriteFile(const std::string& path, absl::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(errno, absl::StrCat("open ", path));
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return ErrnoError(errno, absl::StrCat("write '", value, "' to ", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> ChildCgroups(const std::string& dir) {
  std::vector<std::string> children;
  DIR* stream = ::opendir(dir.c_str());
  if (!stream) return children;
  while (struct dirent* entry = ::readdir(stream)) {
    std::string name = entry->d_name;
    if (entry->d_type == DT_DIR && name != "." && name != "..") {
      children.push_back(dir + "/" + name);
    }
  }
  ::closedir(stream);
  return children;
}

namespace {

// Sends SIGKILL to every process in the tree; returns how many were still there.
int KillTree(const std::string& dir) {
  int seen = 0;
  for (const std::string& child : ChildCgroups(dir)) seen += KillTree(child);
  std::ifstream procs(dir + "/cgroup.procs");
  pid_t pid;
  while (procs >> pid) {
    ::kill(pid, SIGKILL);
    ++seen;
  }
  return seen;
}

absl::Status RemoveTree(const std::string& dir) {
  for (const std::string& child : ChildCgroups(dir)) {
    RETURN_IF_ERROR(RemoveTree(child));
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, absl::StrCat("remove cgroup ", dir));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> FindCgroup2Mount() {
  std::ifstream mountinfo("/proc/self/mountinfo");
  if (!mountinfo) return ErrnoError(errno, "read /proc/self/mountinfo", "is /proc mounted?");
  std::string line;
  while (std::getline(mountinfo, line)) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source ...
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    for (size_t i = 6; i + 1 < fields.size(); ++i) {
      if (fields[i] == "-") {
        if (fields[i + 1] == "cgroup2" && fields.size() > 4) return std::string(fields[4]);
        break;
      }
    }
  }
  return absl::FailedPreconditionError(
      "no cgroup v2 hierarchy is mounted; mount one with "
      "'mount -t cgroup2 none /sys/fs/cgroup' (or /sys/fs/cgroup/unified on hybrid machines)");
}

void SweepStaleCgroups(const std::string& group) {
  absl::StatusOr<std::string> root = FindCgroup2Mount();
  if (!root.ok()) return;
  for (const std::string& dir : ChildCgroups(absl::StrCat(*root, "/", group))) {
    size_t dash = dir.rfind('-');
    int owner = 0;
    if (dash == std::string::npos || !absl::SimpleAtoi(dir.substr(dash + 1), &owner) ||
        owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) {
      continue;  // not ours, or its owner still runs (or the pid was reused: keep it)
    }
    LogWarning("cgroup", absl::StrCat("removing ", dir, ": its manager (pid ", owner, ") is gone"));
    for (int attempt = 0; attempt < 100; ++attempt) {
      KillTree(dir);
      if (RemoveTree(dir).ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

absl::StatusOr<uint64_t> CgroupIdOf(const std::string& cgroup_dir) {
  struct stat st {};
  if (::stat(cgroup_dir.c_str(), &st) != 0) {
    return ErrnoError(errno, absl::StrCat("stat cgroup ", cgroup_dir));
  }
  return static_cast<uint64_t>(st.st_ino);
}

bool CgroupExists(uint64_t cgroup_id) {
  absl::StatusOr<std::string> root = FindCgroup2Mount();
  if (!root.ok()) return true;
  UniqueFd mount(::open(root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!mount.valid()) return true;
  // cgroupfs file handles are the kernfs id (FILEID_KERNFS), the same id the hooks use.
  struct {
    struct file_handle header;
    uint64_t id;
  } handle{};
  handle.header.handle_bytes = sizeof(uint64_t);
  handle.header.handle_type = 0xfe;
  handle.id = cgroup_id;
  UniqueFd opened(::open_by_handle_at(mount.get(), &handle.header, O_RDONLY | O_CLOEXEC));
  return opened.valid() || (errno != ESTALE && errno != ENOENT);
}

namespace {
// How many levels of cgroups exist below `dir` (0: none), stopping past `limit`.
int DescendantDepth(const std::string& dir, int limit) {
  if (limit < 0) return 0;
  int deepest = 0;
  for (const std::string& child : ChildCgroups(dir)) {
    deepest = std::max(deepest, 1 + DescendantDepth(child, limit - 1));
  }
  return deepest;
}
}  // namespace

absl::Status LimitNesting(const std::string& cgroup_dir, int max_depth) {
  if (int depth = DescendantDepth(cgroup_dir, max_depth); depth > max_depth) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroups below ", cgroup_dir, " nest more than ", max_depth,
                     " levels deep, past what the LSM hooks search for an enforced ancestor: "
                     "confine a deeper cgroup instead"));
  }
  std::ifstream current_file(cgroup_dir + "/cgroup.max.depth");
  std::string current;
  std::getline(current_file, current);
  int current_depth = 0;
  if (current != "max" && absl::SimpleAtoi(current, &current_depth) && current_depth <= max_depth) {
    return absl::OkStatus();
  }
  return Annotate(WriteFile(cgroup_dir + "/cgroup.max.depth", std::to_string(max_depth)),
                  "limit nesting below the enforced cgroup");
}

absl::StatusOr<OwnedCgroup> OwnedCgroup::Create(const std::string& group, const std::string& name,
                                                int max_descendant_depth) {
  ASSIGN_OR_RETURN(std::string root, FindCgroup2Mount());
  std::string group_dir = absl::StrCat(root, "/", group);
  if (::mkdir(group_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoError(errno, absl::StrCat("create cgroup ", group_dir),
                      "cv-lsm needs root (or a delegated cgroup v2 subtree)");
  }
  std::string path = absl::StrCat(group_dir, "/", name);
  if (::mkdir(path.c_str(), 0755) != 0) {
    int err = errno;
    ::rmdir(group_dir.c_str());  // only succeeds if empty: leave nothing behind
    return ErrnoError(err, absl::StrCat("create cgroup ", path));
  }
  absl::StatusOr<uint64_t> id = CgroupIdOf(path);
  OwnedCgroup cgroup(path, group_dir, id.ok() ? *id : 0);
  if (!id.ok()) return id.status();
  if (absl::Status status =
          WriteFile(path + "/cgroup.max.depth", std::to_string(max_descendant_depth));
      !status.ok()) {
    return Annotate(status, "limit nesting below the enforced cgroup");
  }
  return cgroup;
}

OwnedCgroup::OwnedCgroup(OwnedCgroup&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      group_dir_(std::exchange(other.group_dir_, {})),
      id_(std::exchange(other.id_, 0)) {}

OwnedCgroup& OwnedCgroup::operator=(OwnedCgroup&& other) noexcept {
  if (this != &other) {
    (void)Remove();
    path_ = std::exchange(other.path_, {});
    group_dir_ = std::exchange(other.group_dir_, {});
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

OwnedCgroup::~OwnedCgroup() {
  if (absl::Status status = Remove(); !status.ok()) LogWarning("cgroup", ErrorText(status));
}

absl::Status OwnedCgroup::Remove() {
  if (path_.empty()) return absl::OkStatus();
  // cgroup.kill (5.14+) kills the whole tree atomically, forks included; older kernels get
  // repeated sweeps until a sweep finds nobody, which also catches processes forked meanwhile.
  (void)WriteFile(path_ + "/cgroup.kill", "1");
  absl::Status status;
  for (int attempt = 0; attempt < 500; ++attempt) {
    KillTree(path_);
    status = RemoveTree(path_);
    if (status.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // killed tasks exit async
  }
  if (!status.ok()) return status;
  ::rmdir(group_dir_.c_str());  // fails while other workloads use the group: intended
  path_.clear();
  return absl::OkStatus();
}

}  // namespace cvlsm
