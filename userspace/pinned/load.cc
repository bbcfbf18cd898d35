#include "pinned/load.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "pinned/cgroup_records.h"
#include "pinned/garbage.h"
#include "pinned/keeper_backed_programs.h"
#include "pinned/keeper_process.h"
#include "pinned/state_paths.h"

namespace cvlsm {
namespace {

// The programs compare the keeper's pid with task->tgid, a pid of the initial namespace.
absl::Status CheckInitialPidNamespace() {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << in.rdbuf();
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    if (!absl::ConsumePrefix(&line, "NSpid:")) continue;
    std::vector<absl::string_view> pids =
        absl::StrSplit(absl::StripAsciiWhitespace(line), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (pids.size() > 1) {
      return WithRemedy(
          absl::FailedPreconditionError(
              "cv-lsm load runs in a child pid namespace; it must run in the host's so the "
              "programs recognise the pin keeper"),
          "run it in the host's pid namespace (a pod needs hostPID: true)");
    }
  }
  return absl::OkStatus();
}

// What a confined cgroup keeps when `cv-lsm load` replaces a dead keeper: its recorded
// policy, resolved again, or no rules at all (its processes keep failing closed) when there
// is no record or its paths were resolved in a container's root, which the container's
// processes may have changed since (re-resolving there would let them choose what the rules
// name).
absl::StatusOr<ResolvedPolicy> RecordedRules(const absl::StatusOr<CgroupRecord>& record) {
  if (!record.ok()) return record.status();
  if (!record->resolution_root.empty() && record->resolution_root != "/") {
    return WithRemedy(
        absl::FailedPreconditionError(
            absl::StrCat("its rule paths were resolved in a container's root (",
                         record->resolution_root, "), which its processes may have changed since")),
        "restart the container");
  }
  return ResolvePathRules(record->policy.policy);
}

// Under a new keeper, every confined cgroup gets its rules again with new pins. Returns
// whether every confined cgroup now has only rules the new keeper pins.
bool Reapply(BpfLsmEnforcer& enforcer, const StatePaths& paths, LoadResult& result) {
  const ApplyOptions repin{.to = ApplyTo::kUpdate, .fresh_generation = true};
  bool all_repinned = true;
  for (const BpfLsmEnforcer::CgroupConfinement& confined : enforcer.List()) {
    absl::StatusOr<CgroupRecord> record = ReadRecord(paths, confined.cgroup_id);
    std::string cgroup =
        record.ok() ? record->cgroup_path : absl::StrCat("cgroup ", confined.cgroup_id);
    auto keeps_no_rule = [&](const absl::Status& why) {
      result.warnings.push_back(absl::StrCat(
          cgroup, " keeps no path rule (every open fails, or in audit mode is reported): ",
          ErrorText(why)));
    };
    absl::StatusOr<ResolvedPolicy> rules = RecordedRules(record);
    absl::Status status = rules.status();
    if (rules.ok()) status = enforcer.Apply(confined.cgroup_id, *std::move(rules), repin);
    if (status.ok()) {
      ++result.reapplied;
      continue;
    }
    keeps_no_rule(status);
    status = enforcer.Apply(confined.cgroup_id, ResolvedPolicy{}, repin);
    if (!status.ok()) {
      // Its old rules, whose pins died with the old keeper, are still in the maps.
      all_repinned = false;
      result.warnings.push_back(absl::StrCat(cgroup, ": ", ErrorText(status)));
    }
  }
  return all_repinned;
}

// Whether `pid`, a child of this process, is still running (not exited, not a zombie).
bool ChildRunning(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == 0; }

// Loaded already, with a dead keeper: a new one, the recorded policies under it, and only
// when every cgroup holds only newly pinned rules do rules count again.
absl::Status ReplaceDeadKeeper(const std::string& binary, const StatePaths& paths,
                               std::unique_ptr<LsmSkeleton> pinned, LoadResult& result) {
  volatile cvlsm_global_state* state = pinned->state();
  StopKeepers(paths);
  ASSIGN_OR_RETURN(pid_t keeper, StartKeeper(binary, paths));
  result.keeper_pid = keeper;
  result.keeper_restarted = true;
  state->keeper_tgid = static_cast<__u32>(keeper);
  std::unique_ptr<BpfLsmEnforcer> enforcer = BpfLsmEnforcer::Attach(
      std::move(pinned), std::make_unique<KeeperBackedPrograms>(
                             paths, state, KeeperBackedPrograms::Mode::kRecovering));
  bool all_repinned = Reapply(*enforcer, paths, result);
  KeeperBackedPrograms collector(paths, state, KeeperBackedPrograms::Mode::kRecovering);
  absl::StatusOr<size_t> collected = CollectGarbage(*enforcer, collector, CgroupExists);
  PruneRecords(paths, CgroupExists);
  RETURN_IF_ERROR(Annotate(collected.status(), "clean up after the old keeper"));
  if (!all_repinned) {
    result.warnings.push_back(
        "every confined cgroup keeps failing closed until the ones above are detached or "
        "cv-lsm load succeeds for them");
    return absl::OkStatus();
  }
  // Every rule left now is pinned by the new keeper: rules count again, unless that keeper
  // died meanwhile (then its exit set the flag, and it is set again here).
  __atomic_store_n(&state->pins_lost, 0, __ATOMIC_SEQ_CST);
  if (!ChildRunning(keeper)) {
    __atomic_store_n(&state->pins_lost, 1, __ATOMIC_SEQ_CST);
    return WithRemedy(absl::InternalError("the new pin keeper exited at once"),
                      "run cv-lsm load again");
  }
  return absl::OkStatus();
}

// Loaded already: kept as it is, the keeper replaced if it is gone.
absl::Status Reuse(const std::string& binary, const StatePaths& paths, const LoadOptions& options,
                   LoadResult& result) {
  result.reused = true;
  ASSIGN_OR_RETURN(std::unique_ptr<LsmSkeleton> pinned, LsmSkeleton::OpenPinned(paths.pins));
  result.counts_syscall_denials = pinned->counts_syscall_denials();
  // Said, not refused: a dead keeper is still replaced below.
  if (options.count_syscall_denials && !result.counts_syscall_denials) {
    result.warnings.push_back(
        absl::StrCat("syscall denials are not counted: ", WhySyscallDenialsAreNotCounted()));
  }
  result.keeper_pid = LiveKeeperPid(paths);
  if (KeeperServes(result.keeper_pid, pinned->state())) return absl::OkStatus();
  return ReplaceDeadKeeper(binary, paths, std::move(pinned), result);
}

// A fresh load: self-tested programs of this process, then the keeper, then the pins, under
// a temporary name renamed at the end, so a load killed halfway leaves no set that looks
// complete (the next load removes what it left).
absl::Status LoadFresh(const std::string& binary, const StatePaths& paths,
                       const LoadOptions& options, LoadResult& result) {
  ASSIGN_OR_RETURN(std::unique_ptr<BpfLsmEnforcer> loaded, BpfLsmEnforcer::Create(options));
  result.counts_syscall_denials = loaded->programs().counts_syscall_denials();
  if (options.count_syscall_denials && !result.counts_syscall_denials) {
    result.warnings.push_back(
        "syscall denials are not counted: the counter could not be loaded here (see the "
        "warning above); the filter enforces them all the same");
  }
  StopKeepers(paths);  // left by a load killed before it pinned anything
  ASSIGN_OR_RETURN(result.keeper_pid, StartKeeper(binary, paths));
  loaded->programs().state()->keeper_tgid = static_cast<__u32>(result.keeper_pid);
  std::string unfinished = UnfinishedPinsOfThisProcess();
  absl::Status pinned = MakeDirectory(unfinished);
  if (pinned.ok()) pinned = loaded->programs().PinTo(unfinished);
  if (pinned.ok() && ::rename(unfinished.c_str(), paths.pins.c_str()) != 0) {
    pinned = ErrnoError(errno, absl::StrCat("rename ", unfinished, " to ", paths.pins));
  }
  if (!pinned.ok()) {
    RemovePins(unfinished);
    ::kill(result.keeper_pid, SIGTERM);
    ::unlink(paths.keeper_pid().c_str());
    RemoveKeeperCgroup();
  }
  return pinned;
}

// What a load created, undone unless it succeeds (Commit), so a failed command leaves the
// machine as it found it: the files and directories (a directory only while empty), newest
// first, then the bpffs mount.
class LoadUndo {
 public:
  LoadUndo() = default;
  LoadUndo(const LoadUndo&) = delete;
  LoadUndo& operator=(const LoadUndo&) = delete;
  ~LoadUndo() {
    if (committed_) return;
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      if (::unlink(it->c_str()) != 0) ::rmdir(it->c_str());
    }
    if (mounted_bpffs_) UnmountBpffs();
  }
  absl::Status MountBpffs() {
    ASSIGN_OR_RETURN(mounted_bpffs_, EnsureBpffs());
    return absl::OkStatus();
  }
  // Creates the directory unless it exists.
  absl::Status MakeDirectory(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) return absl::OkStatus();
    RETURN_IF_ERROR(cvlsm::MakeDirectory(dir));
    created_.push_back(dir);
    return absl::OkStatus();
  }
  // A file the load is about to create, unless it exists.
  void Creates(const std::string& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) created_.push_back(file);
  }
  void Commit() { committed_ = true; }

 private:
  std::vector<std::string> created_;
  bool mounted_bpffs_ = false;
  bool committed_ = false;
};

}  // namespace

absl::StatusOr<LoadResult> LoadPinnedPrograms(const std::string& cv_lsm_binary,
                                              const LoadOptions& options) {
  RETURN_IF_ERROR(CheckInitialPidNamespace());
  LoadUndo undo;
  RETURN_IF_ERROR(undo.MountBpffs());
  StatePaths paths = ThisBuildState();
  for (const std::string& dir : {PinsParent(), RuntimeParent(), paths.runtime}) {
    RETURN_IF_ERROR(undo.MakeDirectory(dir));
  }
  undo.Creates(paths.lock());
  ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock, FileLock::Acquire(paths.lock()));
  for (const std::string& unfinished : UnfinishedPins()) RemovePins(unfinished);
  for (const std::string& build : PinnedBuilds()) {
    if (build == paths.build_id) continue;
    return WithRemedy(
        absl::FailedPreconditionError(absl::StrCat("another cv-lsm build's programs are loaded (",
                                                   PinsParent(), "/", build,
                                                   "); two sets would both enforce")),
        "run cv-lsm unload (it lifts their confinement; cv-lsm list shows it), then cv-lsm load");
  }
  LoadResult result;
  result.pins = paths.pins;
  struct stat st {};
  if (::stat(paths.pins.c_str(), &st) == 0) {
    RETURN_IF_ERROR(Reuse(cv_lsm_binary, paths, options, result));
  } else {
    RETURN_IF_ERROR(LoadFresh(cv_lsm_binary, paths, options, result));
  }
  undo.Commit();
  return result;
}

absl::StatusOr<std::optional<LoadResult>> LoadPinnedProgramsOnFirstUse(
    const std::string& cv_lsm_binary) {
  struct stat st {};
  if (::stat(ThisBuildState().pins.c_str(), &st) == 0) return std::nullopt;
  // Two first uses at once: the second finds the first's programs under the lock.
  ASSIGN_OR_RETURN(LoadResult loaded, LoadPinnedPrograms(cv_lsm_binary));
  if (loaded.reused) return std::nullopt;
  return loaded;
}

}  // namespace cvlsm
