// The bpf-lsm tier: path rules written into the maps of the attached LSM programs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "bpf_backend/shared_programs.h"
#include "observe/cgroup_reports.h"
#include "runtime/enforcer.h"

namespace cvlsm {

class BpfLsmEnforcer : public PathEnforcer {
 public:
  // Loads and attaches the programs, then proves they run: a canary process in a throwaway
  // enforced cgroup must be refused an open. A kernel that attaches LSM programs without
  // running them (bpf missing from lsm=) fails here instead of claiming protection.
  static absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> Create(const LoadOptions& options = {});
  // Manages programs pinned for the machine (already self-tested when they were loaded):
  // every change holds `shared`'s lock, and the keeper holds the rules' pins, so the
  // confinement does not depend on this process living.
  static std::unique_ptr<BpfLsmEnforcer> Attach(std::unique_ptr<LsmSkeleton> pinned,
                                                std::unique_ptr<SharedPrograms> shared);
  // Runs the canary self-test on these programs (Create does; `cv-lsm load` before pinning).
  absl::Status SelfTest();

  Tier tier() const override { return Tier::kBpfLsm; }
  absl::Status Confine(uint64_t cgroup_id, const Policy& policy) override;
  absl::Status ConfineAudited(uint64_t cgroup_id, const Policy& policy) override;
  // The policy's rules resolved to the kernel objects the hooks match (each one pinned).
  // `opener` opens the rule paths (a container's root; OpenPathIdentifier() by default).
  absl::StatusOr<ResolvedPathRules> Resolve(const Policy& policy,
                                            ObjectIdentifier& opener = OpenPathIdentifier());
  // Confines the cgroup, or replaces its policy atomically when it is confined already
  // (under one lock, so two managers cannot both confine it).
  // `from_next_exec`: a cgroup confined now waits for its first exec (cgroup_policy.h).
  // `audit`: the policy's mode (ConfineAudited), also when it replaces a policy.
  absl::Status Apply(uint64_t cgroup_id, const Policy& policy,
                     ObjectIdentifier& opener = OpenPathIdentifier(), bool from_next_exec = false,
                     bool audit = false);
  // Replaces the cgroup's rules under a new policy id however few differ, so every rule gets
  // a new pin (after the keeper that held the old ones died).
  absl::Status Repin(uint64_t cgroup_id, ResolvedPathRules rules);
  // Confines to rules already resolved to objects (by this enforcer's identifier).
  absl::Status ConfineResolved(uint64_t cgroup_id, ResolvedPathRules rules);
  // A change of one rule is one map operation, atomic by itself. Anything more installs the
  // new rules under a new policy id, then switches the cgroup's entry in one map update,
  // then removes the old rules: a generation switch.
  absl::Status Update(uint64_t cgroup_id, const Policy& policy) override;
  absl::Status UpdateResolved(uint64_t cgroup_id, ResolvedPathRules rules);
  // One map update (plus the cgroup's entry when the deny flag changes; only the entry for
  // /proc/self), independent of the policy's size: the rules are indexed by object.
  absl::Status SetPathRule(uint64_t cgroup_id, const std::string& path, PathModes modes) override;
  absl::Status RemovePathRule(uint64_t cgroup_id, const std::string& path) override;
  absl::Status Release(uint64_t cgroup_id) override;

  // What the programs counted for a confined cgroup, and the denials they recorded.
  absl::StatusOr<CgroupStats> Stats(uint64_t cgroup_id) const;
  std::vector<Denial> RecordedDenials(uint64_t cgroup_id) const override;
  uint64_t DenialsNotRecorded(uint64_t cgroup_id) const override;
  bool RecordsSyscallDenials() const override { return skeleton_->counts_syscall_denials(); }

  // What the path-rules map charges the kernel now (fdinfo "memlock": the memory in use
  // on 6.4 and later, an estimate from the map's limits before).
  absl::StatusOr<uint64_t> RuleMapMemoryBytes() const;

  // A confined cgroup as the maps say, whichever manager confined it.
  struct CgroupConfinement {
    uint64_t cgroup_id = 0;
    uint32_t policy_id = 0;
    size_t rules = 0;  // path rules (not counting /proc/self)
    bool audit = false;
  };
  std::vector<CgroupConfinement> List() const;

  // With pinned programs: releases every cgroup `alive` says is gone, deletes rules no
  // cgroup uses (left by a killed manager) and tells the keeper to drop their pins.
  // Returns how many cgroups were released.
  absl::StatusOr<size_t> CollectGarbage(const std::function<bool(uint64_t cgroup_id)>& alive);
  const LsmSkeleton& skeleton() const { return *skeleton_; }

 private:
  explicit BpfLsmEnforcer(std::unique_ptr<LsmSkeleton> skeleton) : skeleton_(std::move(skeleton)) {}
  // The lock for a change of pinned programs (null for this process's own programs).
  absl::StatusOr<std::unique_ptr<ManagerLock>> LockForChange();
  __u32 NextPolicyId();
  absl::Status ConfineInMode(uint64_t cgroup_id, const Policy& policy, bool audit);
  absl::Status ConfineLocked(uint64_t cgroup_id, ResolvedPathRules rules,
                             bool from_next_exec = false);
  __u32 WaitingForExec(uint64_t cgroup_id) const;  // the entry's wait_for_exec, kept on rewrites
  // `keep_mode`: the confinement stays in its mode (audit or enforce), whatever `rules` say.
  absl::Status UpdateLocked(uint64_t cgroup_id, ResolvedPathRules rules, bool in_place_ok = true,
                            bool keep_mode = true);
  absl::Status ReleaseLocked(uint64_t cgroup_id);
  // Pins for the keeper (no-ops without pinned programs).
  absl::Status KeepPins(__u32 policy_id, const std::vector<ResolvedPathRule>& rules);
  void DropPin(__u32 policy_id, uint64_t object_key);
  void DropPins(__u32 policy_id);
  // The installed rules of one policy id, read back from the map (no paths, no pins).
  ResolvedPathRules ReadRules(__u32 policy_id, const cvlsm_cgroup_policy& entry) const;
  absl::Status InstallRules(__u32 policy_id, const ResolvedPathRules& rules);
  absl::Status DeleteRules(__u32 policy_id, const ResolvedPathRules& rules);
  // The in-place update when the cgroup's entry stays and at most one rule differs; false
  // (nothing done) when the change is larger.
  absl::StatusOr<bool> UpdateOneRuleInPlace(__u32 policy_id, const ResolvedPathRules& old_rules,
                                            const ResolvedPathRules& new_rules);

  // A confined cgroup's rules as installed under its policy id.
  struct Confinement {
    Confinement(__u32 id, ResolvedPathRules installed);
    __u32 policy_id;
    ResolvedPathRules rules;
    absl::flat_hash_map<uint64_t, size_t> index;  // object key -> position in rules.rules
    size_t deny_rules = 0;                        // rules with deny modes
    void Put(ResolvedPathRule rule);
    void Erase(size_t position);
  };
  absl::StatusOr<Confinement*> Confined(uint64_t cgroup_id);
  // The rule one path names, resolved like a policy's (pinned, a missing path named).
  absl::StatusOr<ObjectId> IdentifyOne(const std::string& path);
  // Rewrites the cgroup's entry: the confinement's policy id and /proc/self modes, and the
  // deny flag as given (it changes on either side of a rule write).
  absl::Status WriteEntry(uint64_t cgroup_id, const Confinement& confinement, bool deny_flag);
  void ClearDenyFlag(uint64_t cgroup_id, const Confinement& confinement);
  // /proc/self's modes live in the cgroup's entry, not in a rule.
  absl::Status SetProcSelfModes(uint64_t cgroup_id, Confinement& confinement, AccessModes modes);

  std::unique_ptr<LsmSkeleton> skeleton_;
  std::unique_ptr<SharedPrograms> shared_;    // set when the programs are pinned
  __u32 seen_changes_ = 0;                    // the state's change count after our last lock
  std::map<uint64_t, Confinement> confined_;  // by cgroup id; with pinned programs, a cache
};

}  // namespace cvlsm
