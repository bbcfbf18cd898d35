#include "machine/machine_state.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bpf_backend/lsm_skeleton.h"
#include "cgroup/cgroup.h"
#include "common/directory.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "machine/cgroup_records.h"
#include "machine/keeper_backed_programs.h"
#include "machine/pin_keeper.h"

namespace cvlsm {
namespace {

constexpr int kKeeperStartSeconds = 10;

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The programs compare the keeper's pid with task->tgid, a pid of the initial namespace.
absl::Status CheckInitialPidNamespace() {
  for (absl::string_view line : absl::StrSplit(ReadSmallFile("/proc/self/status"), '\n')) {
    if (!absl::ConsumePrefix(&line, "NSpid:")) continue;
    std::vector<absl::string_view> pids =
        absl::StrSplit(absl::StripAsciiWhitespace(line), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (pids.size() > 1) {
      return absl::FailedPreconditionError(
          "cv-lsm load runs in a child pid namespace; it must run in the host's (a pod needs "
          "hostPID: true) so the programs recognise the pin keeper");
    }
  }
  return absl::OkStatus();
}

absl::Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(errno, absl::StrCat("create ", path));
  }
  return absl::OkStatus();
}

// Unpins everything in a pinned-state directory, links first (the programs detach), then
// removes it.
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
  // The lock file stays: a manager may be waiting on it.
}

// The keeper's pid from its pid file, if that process is still a cv-lsm keeper.
pid_t LiveKeeperPid(const StatePaths& paths) {
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadSmallFile(paths.keeper_pid())), &pid) ||
      pid <= 0) {
    return 0;
  }
  std::string cmdline = ReadSmallFile(absl::StrCat("/proc/", pid, "/cmdline"));
  return absl::StrContains(cmdline, std::string("keeper\0--socket", 15)) ? pid : 0;
}

absl::StatusOr<pid_t> StartKeeper(const std::string& binary, const StatePaths& paths) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return ErrnoError(errno, "create a pipe for the keeper");
  UniqueFd ready_read(ready[0]), ready_write(ready[1]);
  std::string socket = paths.keeper_socket();
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError(errno, "fork the pin keeper");
  if (pid == 0) {
    ::setsid();  // not killed with the terminal or the process group of `cv-lsm load`
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::dup2(ready_write.get(), 3);  // dup2 clears close-on-exec
    ::execl(binary.c_str(), "cv-lsm", "keeper", "--socket", socket.c_str(), "--ready-fd", "3",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ready_write.Reset();
  pollfd waiting{ready_read.get(), POLLIN, 0};
  char byte = 0;
  if (::poll(&waiting, 1, kKeeperStartSeconds * 1000) != 1 ||
      ::read(ready_read.get(), &byte, 1) != 1) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return absl::InternalError(
        absl::StrCat("the pin keeper (", binary, " keeper) did not start listening on ", socket));
  }
  std::ofstream(paths.keeper_pid(), std::ios::trunc) << pid << "\n";
  return pid;
}

// Every keeper serving this build's socket, the pid file's or not (a load killed before it
// wrote the file leaves one nobody knows of).
void StopKeepers(const StatePaths& paths) {
  std::string wanted = absl::StrCat(std::string("keeper\0--socket\0", 16), paths.keeper_socket());
  for (const std::string& name : DirectoryEntries("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(name, &pid) || pid == ::getpid()) continue;
    if (absl::StrContains(ReadSmallFile(absl::StrCat("/proc/", pid, "/cmdline")), wanted)) {
      ::kill(pid, SIGKILL);
    }
  }
}

// Under a new keeper, every confined cgroup gets its rules again with new pins: from its
// record, or none at all (its processes keep failing closed) when there is no record.
// Under a new keeper, every confined cgroup gets its rules again with new pins: from its
// record, or none at all (its processes keep failing closed) when there is no record or its
// paths were resolved in a container's root, which the container's processes may have
// changed since (re-resolving there would let them choose what the rules name). Returns
// whether every confined cgroup now has only rules the new keeper pins.
bool Reapply(BpfLsmEnforcer& enforcer, const StatePaths& paths, LoadResult& result) {
  bool all_repinned = true;
  for (const BpfLsmEnforcer::CgroupConfinement& confined : enforcer.List()) {
    absl::StatusOr<CgroupRecord> record = ReadRecord(paths, confined.cgroup_id);
    absl::StatusOr<ResolvedPathRules> rules = ResolvedPathRules{};
    if (!record.ok()) {
      rules = record.status();
    } else if (!record->resolution_root.empty() && record->resolution_root != "/") {
      rules = absl::FailedPreconditionError(absl::StrCat(
          "its rule paths were resolved in a container's root (", record->resolution_root,
          "), which its processes may have changed since: restart the container"));
    } else {
      rules = enforcer.Resolve(record->policy.policy);
    }
    std::string cgroup =
        record.ok() ? record->cgroup_path : absl::StrCat("cgroup ", confined.cgroup_id);
    bool resolved = rules.ok();
    if (!resolved) {
      result.warnings.push_back(absl::StrCat(
          cgroup, " keeps no path rule (every open fails, or in audit mode is reported): ",
          rules.status().message()));
      rules = ResolvedPathRules{};
    }
    absl::Status status = enforcer.Repin(confined.cgroup_id, *std::move(rules));
    if (!status.ok() && resolved) {
      result.warnings.push_back(absl::StrCat(
          cgroup, " keeps no path rule (every open fails, or in audit mode is reported): ",
          status.message()));
      status = enforcer.Repin(confined.cgroup_id, ResolvedPathRules{});
    }
    if (!status.ok()) {
      // Its old rules, whose pins died with the old keeper, are still in the maps.
      all_repinned = false;
      result.warnings.push_back(absl::StrCat(cgroup, ": ", status.message()));
      continue;
    }
    if (resolved) ++result.reapplied;
  }
  return all_repinned;
}

// Whether `pid`, a child of this process, is still running (not exited, not a zombie).
bool ChildRunning(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == 0; }

}  // namespace

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> AttachMachineState(bool lock_held) {
  StatePaths paths = ThisBuildState();
  struct stat st {};
  if (::stat(paths.pins.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no pinned cv-lsm programs at ", paths.pins, ": run cv-lsm load first"));
  }
  absl::StatusOr<std::unique_ptr<LsmSkeleton>> pinned = LsmSkeleton::OpenPinned(paths.pins);
  if (!pinned.ok()) return pinned.status();
  volatile cvlsm_global_state* state = (*pinned)->state();
  return BpfLsmEnforcer::Attach(
      *std::move(pinned),
      std::make_unique<KeeperBackedPrograms>(
          paths, state,
          lock_held ? KeeperBackedPrograms::Mode::kLockHeld : KeeperBackedPrograms::Mode::kNormal));
}

namespace {

// The cgroups a build's pinned programs confine, read with the raw map: another build's
// layout may differ, its key (a cgroup id) does not.
std::vector<__u64> PinnedCgroupIds(const std::string& build) {
  std::vector<__u64> ids;
  UniqueFd cgroups(bpf_obj_get(absl::StrCat(PinsParent(), "/", build, "/cgroups").c_str()));
  __u64 key = 0, next = 0;
  for (const __u64* previous = nullptr;
       cgroups.valid() && bpf_map_get_next_key(cgroups.get(), previous, &next) == 0;
       previous = &key) {
    key = next;
    ids.push_back(key);
  }
  return ids;
}

}  // namespace

absl::StatusOr<UnloadResult> UnloadMachineState(bool force) {
  UnloadResult result;
  std::vector<std::string> builds = PinnedBuilds();
  // Every build's lock first, held to the end: no apply can confine a cgroup between the
  // count below and the removal.
  std::vector<std::unique_ptr<FileLock>> locks;
  for (const std::string& build : builds) {
    StatePaths paths = StatePathsOf(build);
    for (const std::string& dir : {std::string("/run/cv-lsm"), paths.runtime}) {
      if (absl::Status status = MakeDirectory(dir); !status.ok()) return status;
    }
    absl::StatusOr<std::unique_ptr<FileLock>> lock = FileLock::Acquire(paths.lock());
    if (!lock.ok()) return lock.status();
    locks.push_back(*std::move(lock));
  }
  for (const std::string& build : builds) {
    for (__u64 cgroup_id : PinnedCgroupIds(build)) {
      if (CgroupExists(cgroup_id)) ++result.cgroups_released;  // a removed one confines nothing
    }
  }
  if (result.cgroups_released > 0 && !force) {
    return absl::FailedPreconditionError(absl::StrCat(
        result.cgroups_released,
        " cgroups are confined by the pinned programs (cv-lsm list): detach them, or run "
        "cv-lsm unload --force to lift their confinement"));
  }
  for (const std::string& build : builds) {
    StatePaths paths = StatePathsOf(build);
    // Confinement ends with the entries, at once: a detached program may still run for a
    // moment (its link is released after a grace period).
    UniqueFd cgroups(bpf_obj_get(absl::StrCat(paths.pins, "/cgroups").c_str()));
    for (__u64 cgroup_id : PinnedCgroupIds(build)) {
      if (cgroups.valid()) (void)bpf_map_delete_elem(cgroups.get(), &cgroup_id);
    }
    // Links next: once the programs are detached, the keeper's exit changes nothing.
    RemovePins(paths.pins);
    StopKeepers(paths);
    RemoveRuntimeDir(paths);
    result.removed.push_back(paths.pins);
  }
  for (const std::string& unfinished : UnfinishedPins()) RemovePins(unfinished);
  ::rmdir(PinsParent().c_str());
  return result;
}

MachineStateStatus ReadMachineState() {
  MachineStateStatus status;
  if (::geteuid() != 0) {
    status.readable = false;  // bpffs and the pins are root's
    return status;
  }
  StatePaths paths = ThisBuildState();
  for (const std::string& build : PinnedBuilds()) {
    if (build != paths.build_id) status.other_builds.push_back(build);
  }
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> attached = AttachMachineState();
  if (!attached.ok()) return status;
  status.loaded = true;
  status.pins = paths.pins;
  status.keeper_pid = LiveKeeperPid(paths);
  volatile cvlsm_global_state* state = (*attached)->skeleton().state();
  status.keeper_alive = status.keeper_pid > 0 && !state->pins_lost &&
                        state->keeper_tgid == static_cast<__u32>(status.keeper_pid);
  status.confined_cgroups = (*attached)->List().size();
  return status;
}

absl::StatusOr<std::unique_ptr<ObjectIdentifier>> RootOpener(const std::string& root) {
  if (root.empty() || root == "/") return std::unique_ptr<ObjectIdentifier>();
  absl::StatusOr<RootedPathIdentifier> opener = RootedPathIdentifier::Open(root);
  if (!opener.ok()) return opener.status();
  return std::unique_ptr<ObjectIdentifier>(new RootedPathIdentifier(*std::move(opener)));
}

absl::StatusOr<LoadResult> LoadMachineState(const std::string& cv_lsm_binary,
                                            const LoadOptions& options) {
  if (absl::Status status = CheckInitialPidNamespace(); !status.ok()) return status;
  if (absl::Status status = EnsureBpffs(); !status.ok()) return status;
  StatePaths paths = ThisBuildState();
  struct stat st {};
  bool had_runtime = ::stat(paths.runtime.c_str(), &st) == 0;
  for (const std::string& dir : {PinsParent(), std::string("/run/cv-lsm"), paths.runtime}) {
    if (absl::Status status = MakeDirectory(dir); !status.ok()) return status;
  }
  absl::StatusOr<std::unique_ptr<FileLock>> lock = FileLock::Acquire(paths.lock());
  if (!lock.ok()) return lock.status();
  // A load that fails leaves no directory or file it created.
  auto undo = [&](absl::Status status) {
    if (!had_runtime) {
      ::unlink(paths.lock().c_str());
      ::rmdir(paths.runtime.c_str());
      ::rmdir("/run/cv-lsm");
    }
    ::rmdir(PinsParent().c_str());  // only when empty
    return status;
  };
  for (const std::string& unfinished : UnfinishedPins()) RemovePins(unfinished);

  for (const std::string& build : PinnedBuilds()) {
    if (build != paths.build_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          "another cv-lsm build's programs are loaded (", PinsParent(), "/", build,
          "); two sets would both enforce: run cv-lsm unload (it lifts their confinement; "
          "cv-lsm list shows it), then cv-lsm load"));
    }
  }
  LoadResult result;
  result.pins = paths.pins;
  if (::stat(paths.pins.c_str(), &st) == 0) {
    // Loaded already: keep it, and replace the keeper if it is gone.
    result.reused = true;
    absl::StatusOr<std::unique_ptr<LsmSkeleton>> pinned = LsmSkeleton::OpenPinned(paths.pins);
    if (!pinned.ok()) return pinned.status();
    result.counts_syscall_denials = (*pinned)->counts_syscall_denials();
    // Said, not refused: a dead keeper is still replaced below.
    if (options.count_syscall_denials && !result.counts_syscall_denials) {
      result.warnings.push_back(
          absl::StrCat("syscall denials are not counted: ", WhySyscallDenialsAreNotCounted()));
    }
    volatile cvlsm_global_state* state = (*pinned)->state();
    result.keeper_pid = LiveKeeperPid(paths);
    if (result.keeper_pid > 0 && !state->pins_lost &&
        state->keeper_tgid == static_cast<__u32>(result.keeper_pid)) {
      return result;
    }
    StopKeepers(paths);
    absl::StatusOr<pid_t> keeper = StartKeeper(cv_lsm_binary, paths);
    if (!keeper.ok()) return keeper.status();
    result.keeper_pid = *keeper;
    result.keeper_restarted = true;
    state->keeper_tgid = static_cast<__u32>(*keeper);
    std::unique_ptr<BpfLsmEnforcer> enforcer = BpfLsmEnforcer::Attach(
        *std::move(pinned), std::make_unique<KeeperBackedPrograms>(
                                paths, state, KeeperBackedPrograms::Mode::kRecovering));
    bool all_repinned = Reapply(*enforcer, paths, result);
    absl::StatusOr<size_t> collected = enforcer->CollectGarbage(CgroupExists);
    PruneRecords(paths, CgroupExists);
    if (!collected.ok()) return Annotate(collected.status(), "clean up after the old keeper");
    volatile cvlsm_global_state* programs = enforcer->skeleton().state();
    if (!all_repinned) {
      result.warnings.push_back(
          "every confined cgroup keeps failing closed until the ones above are detached or "
          "cv-lsm load succeeds for them");
      return result;
    }
    // Every rule left now is pinned by the new keeper: rules count again, unless that
    // keeper died meanwhile (then its exit set the flag, and it is set again here).
    __atomic_store_n(&programs->pins_lost, 0, __ATOMIC_SEQ_CST);
    if (!ChildRunning(*keeper)) {
      __atomic_store_n(&programs->pins_lost, 1, __ATOMIC_SEQ_CST);
      return absl::InternalError("the new pin keeper exited at once: run cv-lsm load again");
    }
    return result;
  }

  // A fresh load: self-tested programs of this process, then the keeper, then the pins.
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> loaded = BpfLsmEnforcer::Create(options);
  if (!loaded.ok()) return undo(loaded.status());
  result.counts_syscall_denials = (*loaded)->skeleton().counts_syscall_denials();
  if (options.count_syscall_denials && !result.counts_syscall_denials) {
    result.warnings.push_back(
        "syscall denials are not counted: the counter could not be loaded here (see the "
        "warning above); the filter enforces them all the same");
  }
  StopKeepers(paths);  // left by a load killed before it pinned anything
  absl::StatusOr<pid_t> keeper = StartKeeper(cv_lsm_binary, paths);
  if (!keeper.ok()) return undo(keeper.status());
  result.keeper_pid = *keeper;
  (*loaded)->skeleton().state()->keeper_tgid = static_cast<__u32>(*keeper);
  // Pinned under a temporary name and renamed: a load killed halfway leaves no set that
  // looks complete, and the next load removes what it left.
  std::string unfinished = UnfinishedPinsOfThisProcess();
  absl::Status pinned = MakeDirectory(unfinished);
  if (pinned.ok()) pinned = (*loaded)->skeleton().PinTo(unfinished);
  if (pinned.ok() && ::rename(unfinished.c_str(), paths.pins.c_str()) != 0) {
    pinned = ErrnoError(errno, absl::StrCat("rename ", unfinished, " to ", paths.pins));
  }
  if (!pinned.ok()) {
    RemovePins(unfinished);
    ::kill(*keeper, SIGTERM);
    ::unlink(paths.keeper_pid().c_str());
    return undo(pinned);
  }
  return result;
}

}  // namespace cvlsm
