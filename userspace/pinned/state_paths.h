// Where the machine-wide state of cv-lsm lives: the pinned programs and maps in bpffs under
// a directory per build (/sys/fs/bpf/cv-lsm/<build id>), and the runtime files beside them
// in /run/cv-lsm/<build id> (the managers' lock, the keeper's socket and pid, one record per
// confined cgroup). Both are gone at reboot, as the programs are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/shared_programs.h"

namespace cvlsm {

struct StatePaths {
  std::string build_id;
  std::string pins;     // the bpffs directory
  std::string runtime;  // the /run directory
  std::string lock() const { return runtime + "/lock"; }
  std::string keeper_socket() const { return runtime + "/keeper.sock"; }
  std::string keeper_pid() const { return runtime + "/keeper.pid"; }
  std::string records() const { return runtime + "/cgroups"; }
};

StatePaths StatePathsOf(const std::string& build_id);
StatePaths ThisBuildState();  // ProgramsBuildId()

// The build ids with pinned state on this machine (complete directories only).
std::vector<std::string> PinnedBuilds();
// Directories left by a load that was killed before it finished (to remove).
std::vector<std::string> UnfinishedPins();
std::string UnfinishedPinsOfThisProcess();  // where a load pins before its rename
std::string PinsParent();                   // /sys/fs/bpf/cv-lsm
std::string RuntimeParent();                // /run/cv-lsm

// Mounts bpffs at /sys/fs/bpf when something else (or nothing) is there; says whether it
// did, so that a failed command can undo it (UnmountBpffs).
absl::StatusOr<bool> EnsureBpffs();
void UnmountBpffs();

// Unpins everything in a pinned-state directory, links first (the programs detach), then
// removes it.
void RemovePins(const std::string& dir);
// Removes a build's runtime files but its lock (a manager may be waiting on it).
void RemoveRuntimeDir(const StatePaths& paths);

// Creates a directory (0700) unless it exists.
absl::Status MakeDirectory(const std::string& path);

// An exclusive flock on a file, released when destroyed (or when the process dies).
class FileLock : public ManagerLock {
 public:
  static absl::StatusOr<std::unique_ptr<FileLock>> Acquire(const std::string& path);
  ~FileLock() override;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cvlsm
