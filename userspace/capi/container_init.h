// The container's init: a small process created with the container's namespaces (mount,
// pid, uts, ipc, and network unless shared) that holds them for the container's life, is
// PID 1 of its pid namespace (reaps orphans; when it dies the kernel kills every process
// of the namespace) and exits when the library process dies. Spawned processes enter its
// namespaces (Entry) instead of making their own, so they all share one container.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "enforcement/enforcer.h"

namespace cvlsm::capi {

struct InitOptions {
  std::string root_fs;            // empty: the host's root
  std::string hostname;           // set in the container's UTS namespace
  std::string cgroup_procs_file;  // the init joins this cgroup first
  bool new_network = true;
};

// Enters the init's namespaces from a forked child, before its capabilities are dropped:
// setns for ipc, uts, net and mount (which also moves root and working directory to the
// container's root), then marks every inherited descriptor close-on-exec.
class NamespaceEntry : public ChildRestriction {
 public:
  int ApplyInChild() const noexcept override;

 private:
  friend class ContainerInit;
  UniqueFd ipc_, uts_, net_, mnt_;
};

class ContainerInit {
 public:
  static absl::StatusOr<std::unique_ptr<ContainerInit>> Start(const InitOptions& options);
  ~ContainerInit();  // kills and reaps the init (and so its pid namespace)

  pid_t pid() const { return pid_; }
  const NamespaceEntry& entry() const { return entry_; }
  int pid_namespace_fd() const { return pid_ns_.get(); }

  // Sends SIGKILL: the kernel then kills every process in the pid namespace.
  void Kill();

 private:
  ContainerInit() = default;
  pid_t pid_ = -1;
  UniqueFd lifeline_;  // write end; the init exits when it reads EOF
  UniqueFd pid_ns_;
  NamespaceEntry entry_;
};

// While alive, processes the calling thread forks start in another pid namespace (setns
// on pid_for_children); the thread itself stays where it is.
class ScopedPidNamespace {
 public:
  static absl::StatusOr<std::unique_ptr<ScopedPidNamespace>> Enter(int pid_ns_fd);
  ~ScopedPidNamespace();

 private:
  ScopedPidNamespace() = default;
  UniqueFd own_;
};

}  // namespace cvlsm::capi
