// One change of the programs' maps made of several steps (the keeper's pins, rules, report
// entries, the cgroup's entry), each undone, in reverse order, when the transaction is
// destroyed before Commit(): a change happens whole or leaves the maps as they were,
// whichever step fails. Every way of installing or changing rules goes through it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "bpf_backend/shared_programs.h"
#include "policy/path_resolution.h"

namespace cvlsm {

class RuleTransaction {
 public:
  // `shared` is null for this process's own programs (no keeper: the rules' pins live in
  // the enforcer).
  RuleTransaction(const LsmSkeleton& programs, SharedPrograms* shared)
      : programs_(programs), shared_(shared) {}
  ~RuleTransaction();
  RuleTransaction(const RuleTransaction&) = delete;
  RuleTransaction& operator=(const RuleTransaction&) = delete;

  // Hands the pins of a policy id no rule uses yet to the keeper; undone: all of them go.
  absl::Status KeepPinsOfNewPolicy(__u32 policy_id, const std::vector<ResolvedPathRule>& rules);
  // One pin for a policy in force; undone only when `new_object` (a pin replacing the one
  // of the same object would hold the same inode).
  absl::Status KeepPin(__u32 policy_id, const ResolvedPathRule& rule, bool new_object);
  // Writes the rules under `policy_id` (one batch); undone: deleted.
  absl::Status InstallRules(__u32 policy_id, const std::vector<ResolvedPathRule>& rules);
  // Writes the network entries under `policy_id` (bpf_backend/net_entries.h); undone:
  // deleted. Fails before writing anything when the rules cannot be folded.
  absl::Status InstallNetwork(__u32 policy_id, const NetworkRules& network);
  // Sets or removes one rule; undone: the rule as it was.
  absl::Status SetRule(__u32 policy_id, const ResolvedPathRule& rule);
  absl::Status RemoveRule(__u32 policy_id, const ResolvedPathRule& rule);
  // Counting starts from zero with a confinement; undone: the cgroup's reports go.
  absl::Status ResetReports(uint64_t cgroup_id);
  // The cgroup's policy waits for its first exec; undone: it does not.
  absl::Status WaitForExec(uint64_t cgroup_id);
  // Writes the cgroup's entry (BPF_NOEXIST for a new confinement, BPF_EXIST to rewrite one);
  // undone: the entry as it was, or none.
  absl::Status PutCgroupEntry(uint64_t cgroup_id, const cvlsm_cgroup_policy& entry, __u64 flags);

  // Keeps every step.
  void Commit() { undo_.clear(); }

 private:
  const LsmSkeleton& programs_;
  SharedPrograms* shared_;
  std::vector<std::function<void()>> undo_;
};

// Releases pins after the maps stopped naming them. A pin the keeper keeps too long only
// keeps an inode in memory until the next clean-up: logged, not an error. No-ops without
// a keeper (`shared` null).
void DropPins(SharedPrograms* shared, __u32 policy_id);
void DropPin(SharedPrograms* shared, __u32 policy_id, uint64_t object_key);

// The path-rules map's key and value of a rule.
cvlsm_rule_key RuleKey(__u32 policy_id, uint64_t inode);
cvlsm_rule_value RuleValue(const PathModes& modes, __u64 generation);
// The generation of the inode at address `inode` (cvlsm_rule_key), given a new one when it
// has none. The caller holds the inode (a pin), so it cannot be freed meanwhile.
absl::StatusOr<__u64> RuleInodeGeneration(const LsmSkeleton& programs, uint64_t inode);
// The same for every rule's inode, in order, in a few batched syscalls for large policies
// (one lookup per rule made a 10k-rule install 2.6 times as costly).
absl::StatusOr<std::vector<__u64>> RuleInodeGenerations(const LsmSkeleton& programs,
                                                        const std::vector<ResolvedPathRule>& rules);

}  // namespace cvlsm
