#include "bpf_backend/bpf_lsm_enforcer.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "bpf_backend/canary_self_test.h"
#include "bpf_backend/kernel_objects.h"
#include "bpf_backend/net_entries.h"
#include "bpf_backend/report_entries.h"
#include "bpf_backend/rule_transaction.h"
#include "common/errors.h"
#include "common/fd_limit.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace cvlsm {

BpfLsmEnforcer::BpfLsmEnforcer(std::unique_ptr<LsmSkeleton> skeleton,
                               std::unique_ptr<SharedPrograms> shared)
    : skeleton_(std::move(skeleton)), shared_(std::move(shared)) {}

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> BpfLsmEnforcer::Create(const LoadOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<LsmSkeleton> skeleton, LsmSkeleton::LoadAndAttach(options));
  std::unique_ptr<BpfLsmEnforcer> enforcer(new BpfLsmEnforcer(std::move(skeleton), nullptr));
  RETURN_IF_ERROR(RunCanarySelfTest(*enforcer));
  return enforcer;
}

std::unique_ptr<BpfLsmEnforcer> BpfLsmEnforcer::Attach(std::unique_ptr<LsmSkeleton> pinned,
                                                       std::unique_ptr<SharedPrograms> shared) {
  return std::unique_ptr<BpfLsmEnforcer>(new BpfLsmEnforcer(std::move(pinned), std::move(shared)));
}

absl::StatusOr<std::unique_ptr<ManagerLock>> BpfLsmEnforcer::LockForChange() {
  if (!shared_) return std::unique_ptr<ManagerLock>();
  ASSIGN_OR_RETURN(std::unique_ptr<ManagerLock> lock, shared_->LockForChange());
  // Counted before the change, so even a manager killed halfway through one makes the
  // others drop what they cache.
  uint32_t changes = __atomic_add_fetch(&skeleton_->state()->changes, 1, __ATOMIC_SEQ_CST);
  if (changes != seen_changes_ + 1) confined_.clear();
  seen_changes_ = changes;
  return lock;
}

// From the programs' global state: every manager of pinned programs draws from one counter.
uint32_t BpfLsmEnforcer::NextPolicyId() {
  uint32_t id = 0;
  while (id == 0) id = __atomic_add_fetch(&skeleton_->state()->last_policy_id, 1, __ATOMIC_SEQ_CST);
  return id;
}

absl::Status BpfLsmEnforcer::Apply(uint64_t cgroup_id, ResolvedPolicy rules,
                                   const ApplyOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<ManagerLock> lock, LockForChange());
  absl::StatusOr<InstalledPolicy*> current = Confined(cgroup_id);
  if (!current.ok() && !absl::IsNotFound(current.status())) return current.status();
  if (current.ok() && options.to == ApplyTo::kNewConfinement) {
    return absl::AlreadyExistsError(absl::StrCat("cgroup ", cgroup_id, " is already confined"));
  }
  if (!current.ok() && options.to == ApplyTo::kUpdate) return current.status();
  if (!rules.keyed_by_kernel_inode) {
    KernelObjects objects(*skeleton_);
    ASSIGN_OR_RETURN(rules, objects.Key(std::move(rules)));
  }
  if (!current.ok())
    return Confine(cgroup_id, std::move(rules), options.mode, options.from_next_exec);
  PolicyMode mode = options.to == ApplyTo::kUpdate ? (*current)->mode : options.mode;
  return Replace(cgroup_id, **current, std::move(rules), mode, options.fresh_generation);
}

// Pins, then rules, the cgroup entry last: the cgroup is either unconfined or fully
// confined, whenever this process stops.
absl::Status BpfLsmEnforcer::Confine(uint64_t cgroup_id, ResolvedPolicy rules, PolicyMode mode,
                                     bool from_next_exec) {
  InstalledPolicy installed(NextPolicyId(), std::move(rules), mode);
  const uint32_t policy_id = installed.policy_id;
  RuleTransaction change(*skeleton_, shared_.get());
  RETURN_IF_ERROR(change.KeepPinsOfNewPolicy(policy_id, installed.rules.rules));
  RETURN_IF_ERROR(change.InstallRules(policy_id, installed.rules.rules));
  RETURN_IF_ERROR(change.InstallNetwork(policy_id, installed.rules.network));
  // Counting starts from zero with the confinement (a reused cgroup id starts afresh).
  RETURN_IF_ERROR(change.ResetReports(cgroup_id));
  if (from_next_exec) RETURN_IF_ERROR(change.WaitForExec(cgroup_id));
  RETURN_IF_ERROR(change.PutCgroupEntry(
      cgroup_id, CgroupEntry(installed, installed.rules.has_deny_rules, from_next_exec ? 1u : 0u),
      BPF_NOEXIST));
  change.Commit();
  // The rules (and the pins that keep their inodes alive) live as long as the confinement.
  confined_.insert_or_assign(cgroup_id, std::move(installed));
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Replace(uint64_t cgroup_id, InstalledPolicy& current,
                                     ResolvedPolicy rules, PolicyMode mode, bool fresh_generation) {
  if (!fresh_generation) {
    ASSIGN_OR_RETURN(bool in_place, ChangeOneRuleInPlace(current, rules, mode));
    if (in_place) {
      // Old pins drop only now, after the map stopped naming them.
      current = InstalledPolicy(current.policy_id, std::move(rules), mode);
      return absl::OkStatus();
    }
  }
  InstalledPolicy replacement(NextPolicyId(), std::move(rules), mode);
  const uint32_t policy_id = replacement.policy_id;
  RuleTransaction change(*skeleton_, shared_.get());
  RETURN_IF_ERROR(change.KeepPinsOfNewPolicy(policy_id, replacement.rules.rules));
  RETURN_IF_ERROR(change.InstallRules(policy_id, replacement.rules.rules));
  RETURN_IF_ERROR(change.InstallNetwork(policy_id, replacement.rules.network));
  // One update of an existing hash entry replaces it as a whole (RCU): an open sees the old
  // policy id or the new one. A policy still waiting for its first exec keeps waiting.
  RETURN_IF_ERROR(Annotate(
      change.PutCgroupEntry(
          cgroup_id,
          CgroupEntry(replacement, replacement.rules.has_deny_rules, WaitingForExec(cgroup_id)),
          BPF_EXIST),
      "switch the cgroup to the new rules"));
  change.Commit();
  absl::Status removed = DeletePolicy(current);
  current = std::move(replacement);
  return Annotate(removed, "remove the replaced rules");
}

absl::StatusOr<bool> BpfLsmEnforcer::ChangeOneRuleInPlace(InstalledPolicy& current,
                                                          const ResolvedPolicy& rules,
                                                          PolicyMode mode) {
  // The cgroup's entry and the network rules must stay as they are.
  if (current.rules.proc_self_modes != rules.proc_self_modes ||
      current.rules.has_deny_rules != rules.has_deny_rules || current.mode != mode ||
      !current.network_known || current.rules.network != rules.network) {
    return false;
  }
  absl::flat_hash_map<uint64_t, const ResolvedPathRule*> remaining;
  remaining.reserve(current.rules.rules.size());
  for (const ResolvedPathRule& rule : current.rules.rules)
    remaining.emplace(rule.object.key, &rule);
  const ResolvedPathRule* changed = nullptr;
  bool changed_is_new = false;
  int changes = 0;
  for (const ResolvedPathRule& rule : rules.rules) {
    auto it = remaining.find(rule.object.key);
    bool same = it != remaining.end() && it->second->modes == rule.modes;
    if (!same) {
      changed = &rule;
      changed_is_new = it == remaining.end();
      if (++changes > 1) return false;
    }
    if (it != remaining.end()) remaining.erase(it);
  }
  changes += static_cast<int>(remaining.size());
  if (changes > 1) return false;
  RuleTransaction change(*skeleton_, shared_.get());
  if (changed != nullptr) {
    RETURN_IF_ERROR(change.KeepPin(current.policy_id, *changed, changed_is_new));
    RETURN_IF_ERROR(change.SetRule(current.policy_id, *changed));
    change.Commit();
  } else if (!remaining.empty()) {
    const ResolvedPathRule& removed = *remaining.begin()->second;
    RETURN_IF_ERROR(change.RemoveRule(current.policy_id, removed));
    change.Commit();
    DropPin(shared_.get(), current.policy_id, removed.object.key);
  }
  return true;
}

namespace {

// Whether a rule still names the inode it was made for: its generation is the one the
// programs hold for that address (cvlsm_rule_key).
bool RuleIsLive(const LsmSkeleton& programs, const cvlsm_rule_key& key,
                const cvlsm_rule_value& value) {
  __u64 generation = 0;
  return programs.rule_inodes().Lookup(key.inode, &generation) && generation == value.generation;
}

}  // namespace

std::vector<BpfLsmEnforcer::CgroupConfinement> BpfLsmEnforcer::List() const {
  std::map<uint32_t, size_t> rules_by_policy, void_by_policy;
  for (const cvlsm_rule_key& key : skeleton_->path_rules().Keys()) {
    ++rules_by_policy[key.policy_id];
    cvlsm_rule_value value{};
    if (skeleton_->path_rules().Lookup(key, &value) && !RuleIsLive(*skeleton_, key, value)) {
      ++void_by_policy[key.policy_id];
    }
  }
  std::vector<CgroupConfinement> confined;
  for (uint64_t cgroup_id : skeleton_->cgroups().Keys()) {
    cvlsm_cgroup_policy entry{};
    if (!skeleton_->cgroups().Lookup(cgroup_id, &entry)) continue;
    confined.push_back({cgroup_id, entry.policy_id, rules_by_policy[entry.policy_id],
                        void_by_policy[entry.policy_id], (entry.flags & CVLSM_POLICY_AUDIT) != 0});
  }
  return confined;
}

ResolvedPolicy BpfLsmEnforcer::ReadRules(const cvlsm_cgroup_policy& entry) const {
  ResolvedPolicy rules;
  rules.proc_self_modes = entry.proc_self_modes;
  rules.keyed_by_kernel_inode = true;
  for (const cvlsm_rule_key& key : skeleton_->path_rules().Keys()) {
    cvlsm_rule_value value{};
    // A void rule is left out: an object resolved at its address now is another inode,
    // whose rule must be written anew, with that inode's generation.
    if (key.policy_id != entry.policy_id || !skeleton_->path_rules().Lookup(key, &value) ||
        !RuleIsLive(*skeleton_, key, value)) {
      continue;
    }
    ResolvedPathRule rule;
    rule.object.key = key.inode;
    rule.modes.allow = value.allow;
    rule.modes.deny = value.deny;
    rules.has_deny_rules |= value.deny != 0;
    rules.rules.push_back(std::move(rule));
  }
  return rules;
}

uint32_t BpfLsmEnforcer::WaitingForExec(uint64_t cgroup_id) const {
  cvlsm_cgroup_policy entry{};
  return skeleton_->cgroups().Lookup(cgroup_id, &entry) ? entry.wait_for_exec : 0;
}

absl::StatusOr<InstalledPolicy*> BpfLsmEnforcer::Confined(uint64_t cgroup_id) {
  auto it = confined_.find(cgroup_id);
  if (shared_) {
    // The maps are the truth: another manager may have confined, changed or released it.
    cvlsm_cgroup_policy entry{};
    if (!skeleton_->cgroups().Lookup(cgroup_id, &entry)) {
      if (it != confined_.end()) confined_.erase(it);
      it = confined_.end();
    } else if (it == confined_.end() || it->second.policy_id != entry.policy_id) {
      PolicyMode mode =
          (entry.flags & CVLSM_POLICY_AUDIT) != 0 ? PolicyMode::kAudit : PolicyMode::kEnforce;
      it = confined_
               .insert_or_assign(
                   cgroup_id, InstalledPolicy(entry.policy_id, ReadRules(entry), mode, entry.flags))
               .first;
    }
  }
  if (it == confined_.end()) {
    return absl::NotFoundError(
        absl::StrCat("cgroup ", cgroup_id, " is not confined: confine it before updating"));
  }
  return &it->second;
}

absl::StatusOr<ResolvedPathRule> BpfLsmEnforcer::ResolveOne(const std::string& path,
                                                            PathModes modes) {
  absl::StatusOr<ObjectId> object = OpenPathIdentifier().Identify(path);
  // Room for one more pin is checked only when it is missing: counting the open
  // descriptors costs as much as the policy is large.
  if (absl::IsResourceExhausted(object.status())) {  // EMFILE
    RETURN_IF_ERROR(EnsureDescriptorRoom(1));
    object = OpenPathIdentifier().Identify(path);
  }
  if (!object.ok()) return Annotate(object.status(), absl::StrCat("path rule '", path, "'"));
  KernelObjects objects(*skeleton_);
  RETURN_IF_ERROR(objects.KeyObject(*object, path));
  return ResolvedPathRule{path, *std::move(object), modes};
}

absl::Status BpfLsmEnforcer::SetProcSelfModes(uint64_t cgroup_id, InstalledPolicy& current,
                                              AccessModes modes) {
  const AccessModes before = current.rules.proc_self_modes;
  current.rules.proc_self_modes = modes;
  RuleTransaction change(*skeleton_, shared_.get());
  absl::Status written = change.PutCgroupEntry(
      cgroup_id, CgroupEntry(current, current.deny_rules > 0, WaitingForExec(cgroup_id)),
      BPF_EXIST);
  if (!written.ok()) {
    current.rules.proc_self_modes = before;
    return written;
  }
  change.Commit();
  return absl::OkStatus();
}

// The rule change is done by now; a flag left on only makes walks go to the root, so its
// failure is logged rather than reported as a failed change.
void BpfLsmEnforcer::ClearDenyFlag(uint64_t cgroup_id, const InstalledPolicy& current) {
  absl::Status status = skeleton_->cgroups().Update(
      cgroup_id, CgroupEntry(current, false, WaitingForExec(cgroup_id)), BPF_EXIST);
  if (!status.ok()) {
    LogWarning("bpf-lsm", absl::StrCat("cgroup ", cgroup_id,
                                       ": the deny flag stays on (walks go to the root until the "
                                       "next update): ",
                                       ErrorText(status)));
  }
}

absl::Status BpfLsmEnforcer::SetPathRule(uint64_t cgroup_id, const std::string& path,
                                         PathModes modes) {
  ASSIGN_OR_RETURN(std::unique_ptr<ManagerLock> lock, LockForChange());
  ASSIGN_OR_RETURN(InstalledPolicy * current, Confined(cgroup_id));
  RETURN_IF_ERROR(CheckPathRule(path, modes.allow | modes.deny));
  modes.required = true;
  if (IsProcSelfRule(path)) return SetProcSelfModes(cgroup_id, *current, modes.allow & ~modes.deny);
  ASSIGN_OR_RETURN(ResolvedPathRule rule, ResolveOne(path, modes));

  auto existing = current->index.find(rule.object.key);
  bool had_deny =
      existing != current->index.end() && current->rules.rules[existing->second].modes.deny != 0;
  size_t deny_after = current->deny_rules - (had_deny ? 1 : 0) + (modes.deny != 0 ? 1 : 0);
  // The deny flag makes the walk go to the root: on before a deny rule is in the map, off
  // only after the last one left it, so no walk stops early above a deny rule.
  bool flag_on = current->deny_rules == 0 && deny_after > 0;
  bool flag_off = current->deny_rules > 0 && deny_after == 0;
  uint32_t waiting = WaitingForExec(cgroup_id);
  RuleTransaction change(*skeleton_, shared_.get());
  RETURN_IF_ERROR(change.KeepPin(current->policy_id, rule, existing == current->index.end()));
  if (flag_on) {
    RETURN_IF_ERROR(
        change.PutCgroupEntry(cgroup_id, CgroupEntry(*current, true, waiting), BPF_EXIST));
  }
  RETURN_IF_ERROR(change.SetRule(current->policy_id, rule));
  change.Commit();
  current->Put(std::move(rule));
  if (flag_off) ClearDenyFlag(cgroup_id, *current);
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::RemovePathRule(uint64_t cgroup_id, const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<ManagerLock> lock, LockForChange());
  ASSIGN_OR_RETURN(InstalledPolicy * current, Confined(cgroup_id));
  RETURN_IF_ERROR(CheckPathRule(path, kAllModes));
  if (IsProcSelfRule(path)) {
    if (current->rules.proc_self_modes == 0) {
      return absl::NotFoundError(absl::StrCat("cgroup ", cgroup_id, " has no rule on ", path));
    }
    return SetProcSelfModes(cgroup_id, *current, 0);
  }
  std::optional<size_t> position;
  absl::StatusOr<ResolvedPathRule> named = ResolveOne(path, PathModes{});
  if (named.ok()) {
    auto found = current->index.find(named->object.key);
    if (found != current->index.end()) position = found->second;
  }
  if (!position) {
    // The path is gone or names another object now (a file replaced by a rename): the rule
    // is still found by the name it was set with; its pin keeps the old object.
    for (size_t i = 0; i < current->rules.rules.size() && !position; ++i) {
      if (current->rules.rules[i].path == path) position = i;
    }
  }
  if (!position && !named.ok()) return named.status();
  if (!position) {
    return absl::NotFoundError(absl::StrCat("cgroup ", cgroup_id, " has no rule on ", path));
  }
  const ResolvedPathRule& removed = current->rules.rules[*position];
  bool flag_off = removed.modes.deny != 0 && current->deny_rules == 1;
  RuleTransaction change(*skeleton_, shared_.get());
  RETURN_IF_ERROR(change.RemoveRule(current->policy_id, removed));
  change.Commit();
  DropPin(shared_.get(), current->policy_id, removed.object.key);
  current->Erase(*position);
  if (flag_off) ClearDenyFlag(cgroup_id, *current);
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Release(uint64_t cgroup_id) {
  ASSIGN_OR_RETURN(std::unique_ptr<ManagerLock> lock, LockForChange());
  absl::StatusOr<InstalledPolicy*> current = Confined(cgroup_id);
  if (absl::IsNotFound(current.status())) return absl::OkStatus();
  if (!current.ok()) return current.status();
  // The cgroup entry first, so no process sees a policy with rules missing.
  RETURN_IF_ERROR(skeleton_->cgroups().Delete(cgroup_id));
  (void)skeleton_->exec_waits().Delete(cgroup_id);
  ForgetCgroupReports(*skeleton_, cgroup_id);
  absl::Status status = DeletePolicy(**current);
  confined_.erase(cgroup_id);
  return status;
}

// What a policy id no cgroup entry names any more holds: its rules, network entries and pins.
absl::Status BpfLsmEnforcer::DeletePolicy(const InstalledPolicy& policy) {
  const uint32_t policy_id = policy.policy_id;
  std::vector<cvlsm_rule_key> keys;
  keys.reserve(policy.rules.rules.size());
  for (const ResolvedPathRule& rule : policy.rules.rules) {
    keys.push_back(RuleKey(policy_id, rule.object.key));
  }
  absl::Status status = skeleton_->path_rules().DeleteBatch(keys);
  if (policy.network_flags & (CVLSM_POLICY_CONNECT_RULES | CVLSM_POLICY_BIND_RULES) ||
      !policy.rules.network.abstract_unix_names.empty() || !policy.network_known) {
    DeleteNetworkEntries(*skeleton_, [policy_id](uint32_t id) { return id == policy_id; });
  }
  if (status.ok()) DropPins(shared_.get(), policy_id);
  return status;
}

}  // namespace cvlsm
