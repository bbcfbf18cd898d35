#include "machine/cgroup_policy.h"

#include <sys/vfs.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "cvlsm_abi.h"
#include "machine/cgroup_records.h"
#include "machine/machine_state.h"

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

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> Attached() {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = AttachMachineState();
  if (absl::IsNotFound(enforcer.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        enforcer.status().message(),
        " (policies on existing cgroups need the programs pinned, which needs the bpf-lsm "
        "tier: cv-lsm status says whether this kernel has it)"));
  }
  return enforcer;
}

// Releases removed cgroups in the maps and the keeper, then their records.
absl::StatusOr<size_t> CollectRemoved(BpfLsmEnforcer& enforcer, const StatePaths& paths) {
  absl::StatusOr<size_t> collected = enforcer.CollectGarbage(CgroupExists);
  if (!collected.ok()) return collected;
  PruneRecords(paths, CgroupExists);
  return collected;
}

}  // namespace

absl::Status ApplyCgroupPolicy(const ApplyRequest& request) {
  if (request.policy.mode != PolicyMode::kEnforce) {
    return absl::UnimplementedError("audit mode is not implemented: the policy must say enforce");
  }
  absl::StatusOr<uint64_t> cgroup_id = CgroupV2Id(request.cgroup_path);
  if (!cgroup_id.ok()) return cgroup_id.status();
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = Attached();
  if (!enforcer.ok()) return enforcer.status();
  if (absl::Status status = LimitNesting(request.cgroup_path, CVLSM_MAX_CGROUP_DEPTH - 1);
      !status.ok()) {
    return status;
  }
  // Cgroups removed since the last change release their rules here, so nothing grows with
  // the number of containers a machine has seen.
  StatePaths paths = ThisBuildState();
  if (absl::StatusOr<size_t> collected = CollectRemoved(**enforcer, paths); !collected.ok()) {
    return Annotate(collected.status(), "release the rules of removed cgroups");
  }

  // The record first: a keeper that dies later finds every confined cgroup's policy.
  absl::StatusOr<CgroupRecord> previous = ReadRecord(paths, *cgroup_id);
  CgroupRecord record{*cgroup_id, request.cgroup_path, request.policy_source,
                      request.resolution_root, request.policy};
  if (absl::Status status = WriteRecord(paths, record); !status.ok()) return status;
  absl::Status applied = [&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<ObjectIdentifier>> rooted = RootOpener(request.resolution_root);
    if (!rooted.ok()) return rooted.status();
    return (*enforcer)->Apply(*cgroup_id, request.policy.policy,
                              *rooted ? **rooted : OpenPathIdentifier(), request.from_next_exec);
  }();
  if (!applied.ok()) {
    if (previous.ok()) {
      (void)WriteRecord(paths, *previous);
    } else {
      RemoveRecord(paths, *cgroup_id);
    }
  }
  return applied;
}

absl::StatusOr<bool> DetachCgroupPolicy(const std::string& cgroup_path) {
  absl::StatusOr<uint64_t> cgroup_id = CgroupV2Id(cgroup_path);
  if (!cgroup_id.ok()) return cgroup_id.status();
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = Attached();
  if (!enforcer.ok()) return enforcer.status();
  bool confined = false;
  for (const auto& confinement : (*enforcer)->List())
    confined |= confinement.cgroup_id == *cgroup_id;
  if (absl::Status status = (*enforcer)->Release(*cgroup_id); !status.ok()) return status;
  RemoveRecord(ThisBuildState(), *cgroup_id);
  return confined;
}

absl::StatusOr<size_t> ReleaseRemovedCgroups() {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = Attached();
  if (!enforcer.ok()) return enforcer.status();
  return CollectRemoved(**enforcer, ThisBuildState());
}

absl::StatusOr<std::vector<CgroupPolicyListing>> ListCgroupPolicies() {
  absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> enforcer = Attached();
  if (!enforcer.ok()) return enforcer.status();
  StatePaths paths = ThisBuildState();
  std::vector<CgroupPolicyListing> listing;
  for (const auto& confinement : (*enforcer)->List()) {
    CgroupPolicyListing entry{confinement.cgroup_id, "", "", confinement.rules};
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
