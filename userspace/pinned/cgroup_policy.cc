#include "pinned/cgroup_policy.h"

#include <sys/vfs.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "cvlsm_abi.h"
#include "pinned/cgroup_records.h"
#include "pinned/garbage.h"
#include "pinned/pinned_programs.h"
#include "pinned/state_paths.h"

namespace cvlsm {
namespace {

constexpr long kCgroup2Magic = 0x63677270;

absl::StatusOr<uint64_t> CgroupV2Id(const std::string& cgroup_path) {
  struct statfs fs {};
  if (::statfs(cgroup_path.c_str(), &fs) != 0) {
    return ErrnoError(errno, absl::StrCat("cgroup ", cgroup_path),
                      "name an existing cgroup v2 directory, such as /sys/fs/cgroup/<group>");
  }
  if (static_cast<long>(fs.f_type) != kCgroup2Magic) {
    return absl::InvalidArgumentError(
        absl::StrCat(cgroup_path, " is not a cgroup v2 directory (cv-lsm confines cgroup v2)"));
  }
  return CgroupIdOf(cgroup_path);
}

// The pinned programs and, for a change, the managers' lock, held by the caller around all
// of it: the records are written under it too.
struct LockedPrograms {
  std::unique_ptr<FileLock> lock;
  std::unique_ptr<BpfLsmEnforcer> enforcer;
};

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> Attached(
    KeeperBackedPrograms::Mode mode = KeeperBackedPrograms::Mode::kNormal) {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = AttachPinnedPrograms(mode);
  if (absl::IsNotFound(enforcer.status())) {
    return WithRemedy(
        absl::FailedPreconditionError(absl::StrCat(
            enforcer.status().message(),
            " (policies on existing cgroups need the programs pinned, which needs the bpf-lsm "
            "tier: cv-lsm status says whether this kernel has it)")),
        RemedyOf(enforcer.status()));
  }
  return enforcer;
}

absl::StatusOr<LockedPrograms> AttachedForChange(const StatePaths& paths) {
  ASSIGN_OR_RETURN(std::unique_ptr<BpfLsmEnforcer> enforcer,
                   Attached(KeeperBackedPrograms::Mode::kLockHeld));
  ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock, FileLock::Acquire(paths.lock()));
  return LockedPrograms{std::move(lock), std::move(enforcer)};
}

// One policy confining another's cgroup from inside would replace it there (the hooks take
// the nearest enforced ancestor): a policy on a cgroup below a confined one, or above one,
// is refused.
absl::Status CheckNotNested(const std::string& cgroup_path, uint64_t cgroup_id,
                            const std::vector<BpfLsmEnforcer::CgroupConfinement>& confined) {
  auto confined_other = [&](uint64_t id) {
    if (id == cgroup_id) return false;
    for (const auto& confinement : confined) {
      if (confinement.cgroup_id == id) return true;
    }
    return false;
  };
  ASSIGN_OR_RETURN(std::string mount, FindCgroup2Mount());
  std::string dir = cgroup_path;
  while (dir.size() > mount.size() && dir.rfind('/') != std::string::npos) {
    dir.resize(dir.rfind('/'));
    if (absl::StatusOr<uint64_t> id = CgroupIdOf(dir); id.ok() && confined_other(*id)) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, " is confined, and its policy covers ", cgroup_path,
          " already; a policy here would replace it for this cgroup: detach ", dir, " first"));
    }
  }
  std::vector<std::pair<std::string, int>> pending = {{cgroup_path, 0}};
  while (!pending.empty()) {
    auto [parent, depth] = pending.back();
    pending.pop_back();
    if (depth >= CVLSM_MAX_CGROUP_DEPTH) continue;
    for (const std::string& child : ChildCgroups(parent)) {
      if (absl::StatusOr<uint64_t> id = CgroupIdOf(child); id.ok() && confined_other(*id)) {
        return absl::FailedPreconditionError(
            absl::StrCat(child,
                         " is confined by a policy of its own, which would keep "
                         "replacing this one there: detach it first"));
      }
      pending.emplace_back(child, depth + 1);
    }
  }
  return absl::OkStatus();
}

// Releases removed cgroups in the maps and the keeper, then their records. The caller holds
// the lock.
absl::StatusOr<size_t> CollectRemoved(BpfLsmEnforcer& enforcer, const StatePaths& paths) {
  KeeperBackedPrograms keeper(paths, enforcer.programs().state(),
                              KeeperBackedPrograms::Mode::kLockHeld);
  ASSIGN_OR_RETURN(size_t collected, CollectGarbage(enforcer, keeper, CgroupExists));
  PruneRecords(paths, CgroupExists);
  return collected;
}

}  // namespace

absl::Status ApplyCgroupPolicy(const ApplyRequest& request) {
  ASSIGN_OR_RETURN(uint64_t cgroup_id, CgroupV2Id(request.cgroup_path));
  StatePaths paths = ThisBuildState();
  ASSIGN_OR_RETURN(LockedPrograms programs, AttachedForChange(paths));
  BpfLsmEnforcer* enforcer = programs.enforcer.get();
  RETURN_IF_ERROR(LimitNesting(request.cgroup_path, CVLSM_MAX_CGROUP_DEPTH - 1));
  // Cgroups removed since the last change release their rules here, so nothing grows with
  // the number of containers a machine has seen.
  if (absl::StatusOr<size_t> collected = CollectRemoved(*enforcer, paths); !collected.ok()) {
    return Annotate(collected.status(), "release the rules of removed cgroups");
  }
  RETURN_IF_ERROR(CheckNotNested(request.cgroup_path, cgroup_id, enforcer->List()));

  // The record first: a keeper that dies later finds every confined cgroup's policy.
  absl::StatusOr<CgroupRecord> previous = ReadRecord(paths, cgroup_id);
  CgroupRecord record{cgroup_id, request.cgroup_path, request.policy_source,
                      request.resolution_root, request.policy};
  RETURN_IF_ERROR(WriteRecord(paths, record));
  absl::Status applied = [&]() -> absl::Status {
    std::unique_ptr<ObjectIdentifier> rooted;
    ASSIGN_OR_RETURN(ObjectIdentifier * opener, OpenerForRoot(request.resolution_root, rooted));
    ASSIGN_OR_RETURN(ResolvedPolicy rules, ResolvePathRules(request.policy.policy, *opener));
    return enforcer->Apply(cgroup_id, std::move(rules),
                           ApplyOptions{.to = ApplyTo::kConfineOrUpdate,
                                        .mode = request.policy.mode,
                                        .from_next_exec = request.from_next_exec});
  }();
  if (!applied.ok()) {
    if (previous.ok()) {
      (void)WriteRecord(paths, *previous);
    } else {
      RemoveRecord(paths, cgroup_id);
    }
  }
  return applied;
}

absl::StatusOr<bool> DetachCgroupPolicy(const std::string& cgroup_path) {
  ASSIGN_OR_RETURN(uint64_t cgroup_id, CgroupV2Id(cgroup_path));
  StatePaths paths = ThisBuildState();
  ASSIGN_OR_RETURN(LockedPrograms programs, AttachedForChange(paths));
  bool confined = false;
  for (const auto& confinement : programs.enforcer->List()) {
    confined |= confinement.cgroup_id == cgroup_id;
  }
  RETURN_IF_ERROR(programs.enforcer->Release(cgroup_id));
  RemoveRecord(paths, cgroup_id);
  return confined;
}

absl::StatusOr<size_t> ReleaseRemovedCgroups() {
  StatePaths paths = ThisBuildState();
  ASSIGN_OR_RETURN(LockedPrograms programs, AttachedForChange(paths));
  return CollectRemoved(*programs.enforcer, paths);
}

absl::StatusOr<std::vector<CgroupPolicyListing>> ListCgroupPolicies() {
  ASSIGN_OR_RETURN(std::unique_ptr<BpfLsmEnforcer> enforcer, Attached());
  StatePaths paths = ThisBuildState();
  std::vector<CgroupPolicyListing> listing;
  for (const auto& confinement : enforcer->List()) {
    CgroupPolicyListing entry{
        confinement.cgroup_id, "", "", confinement.rules, confinement.void_rules,
        confinement.audit};
    if (absl::StatusOr<CgroupRecord> record = ReadRecord(paths, confinement.cgroup_id);
        record.ok()) {
      entry.cgroup_path = record->cgroup_path;
      entry.policy_source = record->policy_source;
    }
    listing.push_back(std::move(entry));
  }
  return listing;
}

}  // namespace cvlsm
