// The bpf-lsm tier: path rules written into the maps of the attached LSM programs, per
// enforced cgroup. Every change goes through a RuleTransaction; with programs pinned for the
// machine, under the managers' lock, the maps being the truth.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/installed_policy.h"
#include "bpf_backend/lsm_skeleton.h"
#include "bpf_backend/shared_programs.h"
#include "enforcement/enforcer.h"

namespace cvlsm {

class BpfLsmEnforcer : public Enforcer {
 public:
  // This process's own programs: loaded, attached, then proven to run by the canary
  // self-test (a kernel that attaches LSM programs without running them fails here). They
  // and every confinement they hold end with this object.
  static absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> Create(const LoadOptions& options = {});
  // Programs pinned for the machine (self-tested when they were loaded): every change holds
  // `shared`'s lock, and the keeper holds the rules' pins, so confinements outlive this
  // process.
  static std::unique_ptr<BpfLsmEnforcer> Attach(std::unique_ptr<LsmSkeleton> pinned,
                                                std::unique_ptr<SharedPrograms> shared);

  Tier tier() const override { return Tier::kBpfLsm; }
  // Every rule class has its hook here (what an older kernel lacks, status names).
  std::vector<std::string> NotEnforced(const ResolvedPolicy&, const ApplyOptions&) const override {
    return {};
  }
  // A new confinement installs the rules, then registers the cgroup. An update changing one
  // rule is one map operation; anything more installs the rules under a new policy id,
  // switches the cgroup's entry in one map update, then deletes the old rules.
  absl::Status Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                     const ApplyOptions& options) override;
  // One map update (plus the cgroup's entry when the deny flag changes; only the entry for
  // /proc/self), whatever the policy's size: the rules are indexed by object.
  absl::Status SetPathRule(uint64_t cgroup_id, const std::string& path, PathModes modes) override;
  absl::Status RemovePathRule(uint64_t cgroup_id, const std::string& path) override;
  absl::Status Release(uint64_t cgroup_id) override;

  // A confined cgroup as the maps say, whichever manager confined it.
  struct CgroupConfinement {
    uint64_t cgroup_id = 0;
    uint32_t policy_id = 0;
    size_t rules = 0;  // path rules (not counting /proc/self)
    // Of those, rules whose object is gone (deleted, or its filesystem unmounted): they
    // match nothing (cvlsm_rule_key).
    size_t void_rules = 0;
    bool audit = false;
  };
  std::vector<CgroupConfinement> List() const;

  // The programs, for what they counted and reported (observe/) and their state.
  const LsmSkeleton& programs() const { return *skeleton_; }

 private:
  BpfLsmEnforcer(std::unique_ptr<LsmSkeleton> skeleton, std::unique_ptr<SharedPrograms> shared);
  // The lock for a change of pinned programs (null for this process's own programs).
  absl::StatusOr<std::unique_ptr<ManagerLock>> LockForChange();
  uint32_t NextPolicyId();
  absl::Status Confine(uint64_t cgroup_id, ResolvedPolicy rules, PolicyMode mode,
                       bool from_next_exec);
  absl::Status Replace(uint64_t cgroup_id, InstalledPolicy& current, ResolvedPolicy rules,
                       PolicyMode mode, bool fresh_generation);
  // The in-place change when the cgroup's entry stays and at most one rule differs; false
  // (nothing done) when the change is larger.
  absl::StatusOr<bool> ChangeOneRuleInPlace(InstalledPolicy& current, const ResolvedPolicy& rules,
                                            PolicyMode mode);
  void ClearDenyFlag(uint64_t cgroup_id, const InstalledPolicy& current);
  absl::Status DeletePolicy(const InstalledPolicy& policy);
  // The cgroup's installed policy; NotFound when it is not confined.
  absl::StatusOr<InstalledPolicy*> Confined(uint64_t cgroup_id);
  // The installed rules of one policy id, read back from the map (no paths, no pins).
  ResolvedPolicy ReadRules(const cvlsm_cgroup_policy& entry) const;
  uint32_t WaitingForExec(uint64_t cgroup_id) const;  // the entry's hint, kept on rewrites
  // The rule one path names, resolved and keyed like a policy's.
  absl::StatusOr<ResolvedPathRule> ResolveOne(const std::string& path, PathModes modes);
  // /proc/self's modes live in the cgroup's entry, not in a rule.
  absl::Status SetProcSelfModes(uint64_t cgroup_id, InstalledPolicy& current, AccessModes modes);

  std::unique_ptr<LsmSkeleton> skeleton_;
  std::unique_ptr<SharedPrograms> shared_;  // set when the programs are pinned
  uint32_t seen_changes_ = 0;               // the state's change count after our last lock
  // By cgroup id. The rules' pins live here for this process's own programs; with pinned
  // programs it is a cache of the maps (the keeper holds the pins).
  std::map<uint64_t, InstalledPolicy> confined_;
};

}  // namespace cvlsm
