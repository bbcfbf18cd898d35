#include "bpf_backend/bpf_lsm_enforcer.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bpf_backend/kernel_object_identifier.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/fd_limit.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "observe/cgroup_reports.h"

namespace cvlsm {
namespace {

// A file every kernel has, that the canary's empty policy must refuse.
constexpr char kCanaryTarget[] = "/proc/version";

enum CanaryResult { kCanaryDenied = 0, kCanaryOpened = 1, kCanaryJoinFailed = 2 };

absl::StatusOr<uint64_t> MapMemlockBytes(int map_fd) {
  std::ifstream fdinfo(absl::StrCat("/proc/self/fdinfo/", map_fd));
  std::string line;
  while (std::getline(fdinfo, line)) {
    uint64_t bytes = 0;
    if (absl::StartsWith(line, "memlock:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(line).substr(8)), &bytes)) {
      return bytes;
    }
  }
  return absl::UnavailableError(
      absl::StrCat("no memlock line in /proc/self/fdinfo/", map_fd, " (kernel too old?)"));
}

cvlsm_rule_key RuleKey(__u32 policy_id, const ResolvedPathRule& rule) {
  return cvlsm_rule_key{.policy_id = policy_id, .reserved = 0, .inode = rule.object.key};
}

cvlsm_rule_value RuleValue(const ResolvedPathRule& rule) {
  return cvlsm_rule_value{.allow = rule.modes.allow, .deny = rule.modes.deny};
}

struct CgroupEntryFields {
  __u32 policy_id, proc_self_modes, flags, wait_for_exec = 0;
  bool operator==(const CgroupEntryFields&) const = default;
  operator cvlsm_cgroup_policy() const {
    return cvlsm_cgroup_policy{.policy_id = policy_id,
                               .proc_self_modes = proc_self_modes,
                               .flags = flags,
                               .wait_for_exec = wait_for_exec};
  }
};

__u32 EntryFlags(const ResolvedPathRules& rules, bool deny_flag) {
  return (deny_flag ? CVLSM_POLICY_HAS_DENY_RULES : 0u) | (rules.audit ? CVLSM_POLICY_AUDIT : 0u);
}

CgroupEntryFields CgroupEntry(__u32 policy_id, const ResolvedPathRules& rules,
                              __u32 wait_for_exec = 0) {
  return CgroupEntryFields{policy_id, rules.proc_self_modes,
                           EntryFlags(rules, rules.has_deny_rules), wait_for_exec};
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> BpfLsmEnforcer::Create(const LoadOptions& options) {
  absl::StatusOr<std::unique_ptr<LsmSkeleton>> skeleton = LsmSkeleton::LoadAndAttach(options);
  if (!skeleton.ok()) return skeleton.status();
  std::unique_ptr<BpfLsmEnforcer> enforcer(new BpfLsmEnforcer(*std::move(skeleton)));
  if (absl::Status status = enforcer->SelfTest(); !status.ok()) return status;
  return enforcer;
}

std::unique_ptr<BpfLsmEnforcer> BpfLsmEnforcer::Attach(std::unique_ptr<LsmSkeleton> pinned,
                                                       std::unique_ptr<SharedPrograms> shared) {
  std::unique_ptr<BpfLsmEnforcer> enforcer(new BpfLsmEnforcer(std::move(pinned)));
  enforcer->shared_ = std::move(shared);
  return enforcer;
}

absl::StatusOr<std::unique_ptr<ManagerLock>> BpfLsmEnforcer::LockForChange() {
  if (!shared_) return std::unique_ptr<ManagerLock>();
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = shared_->LockForChange();
  if (!lock.ok()) return lock;
  // Counted before the change, so even a manager killed halfway through one makes the
  // others drop what they cache.
  __u32 changes = __atomic_add_fetch(&skeleton_->state()->changes, 1, __ATOMIC_SEQ_CST);
  if (changes != seen_changes_ + 1) confined_.clear();
  seen_changes_ = changes;
  return lock;
}

// From the programs' global state: every manager of pinned programs draws from one counter.
__u32 BpfLsmEnforcer::NextPolicyId() {
  __u32 id = 0;
  while (id == 0) id = __atomic_add_fetch(&skeleton_->state()->last_policy_id, 1, __ATOMIC_SEQ_CST);
  return id;
}

absl::Status BpfLsmEnforcer::KeepPins(__u32 policy_id, const std::vector<ResolvedPathRule>& rules) {
  if (!shared_ || rules.empty()) return absl::OkStatus();
  return Annotate(shared_->KeepPins(policy_id, rules), "hand the rules' pins to the keeper");
}

// A pin the keeper keeps too long only keeps an inode in memory: logged, not an error.
void BpfLsmEnforcer::DropPin(__u32 policy_id, uint64_t object_key) {
  if (!shared_) return;
  if (absl::Status status = shared_->DropPin(policy_id, object_key); !status.ok()) {
    LogWarning("bpf-lsm", absl::StrCat("the keeper keeps a pin of policy ", policy_id,
                                       " until the next clean-up: ", status.message()));
  }
}

void BpfLsmEnforcer::DropPins(__u32 policy_id) {
  if (!shared_) return;
  if (absl::Status status = shared_->DropPins(policy_id); !status.ok()) {
    LogWarning("bpf-lsm", absl::StrCat("the keeper keeps the pins of policy ", policy_id,
                                       " until the next clean-up: ", status.message()));
  }
}

ResolvedPathRules BpfLsmEnforcer::ReadRules(__u32 policy_id,
                                            const cvlsm_cgroup_policy& entry) const {
  ResolvedPathRules rules;
  rules.proc_self_modes = entry.proc_self_modes;
  rules.audit = (entry.flags & CVLSM_POLICY_AUDIT) != 0;
  for (const cvlsm_rule_key& key : skeleton_->path_rules().Keys()) {
    cvlsm_rule_value value{};
    if (key.policy_id != policy_id || !skeleton_->path_rules().Lookup(key, &value)) continue;
    ResolvedPathRule rule;
    rule.object.key = key.inode;
    rule.modes.allow = value.allow;
    rule.modes.deny = value.deny;
    rules.has_deny_rules |= value.deny != 0;
    rules.rules.push_back(std::move(rule));
  }
  return rules;
}

std::vector<BpfLsmEnforcer::CgroupConfinement> BpfLsmEnforcer::List() const {
  std::map<__u32, size_t> rules_by_policy;
  for (const cvlsm_rule_key& key : skeleton_->path_rules().Keys()) ++rules_by_policy[key.policy_id];
  std::vector<CgroupConfinement> confined;
  for (__u64 cgroup_id : skeleton_->cgroups().Keys()) {
    cvlsm_cgroup_policy entry{};
    if (!skeleton_->cgroups().Lookup(cgroup_id, &entry)) continue;
    confined.push_back({cgroup_id, entry.policy_id, rules_by_policy[entry.policy_id],
                        (entry.flags & CVLSM_POLICY_AUDIT) != 0});
  }
  return confined;
}

absl::StatusOr<size_t> BpfLsmEnforcer::CollectGarbage(
    const std::function<bool(uint64_t cgroup_id)>& alive) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  size_t released = 0;
  for (const CgroupConfinement& confinement : List()) {
    if (alive(confinement.cgroup_id)) continue;
    if (absl::Status status = ReleaseLocked(confinement.cgroup_id); !status.ok()) return status;
    ++released;
  }
  std::vector<uint32_t> in_use;
  std::set<uint64_t> confined;
  for (const CgroupConfinement& confinement : List()) {
    in_use.push_back(confinement.policy_id);
    confined.insert(confinement.cgroup_id);
  }
  // Counts and records a killed manager, or a hook racing a release, left behind.
  ForgetReportsExcept(skeleton_->stats_fd(), skeleton_->denials(), confined);
  std::vector<cvlsm_rule_key> unused;
  for (const cvlsm_rule_key& key : skeleton_->path_rules().Keys()) {
    if (std::find(in_use.begin(), in_use.end(), key.policy_id) == in_use.end()) {
      unused.push_back(key);
    }
  }
  if (absl::Status status = skeleton_->path_rules().DeleteBatch(unused); !status.ok()) {
    return Annotate(status, "delete rules no cgroup uses");
  }
  if (shared_) {
    // Under the lock no manager is resolving: a count left up by a killed one goes.
    __atomic_store_n(&skeleton_->state()->resolvers_active, 0, __ATOMIC_SEQ_CST);
    if (absl::Status status = shared_->RetainOnly(in_use); !status.ok()) {
      return Annotate(status, "drop the pins of rules no cgroup uses");
    }
  }
  return released;
}

absl::Status BpfLsmEnforcer::SelfTest() {
  absl::StatusOr<OwnedCgroup> cgroup = OwnedCgroup::Create(
      "cv-lsm", absl::StrCat("selftest-", ::getpid()), CVLSM_MAX_CGROUP_DEPTH - 1);
  if (!cgroup.ok()) return Annotate(cgroup.status(), "BPF LSM self-test");
  if (absl::Status status = ConfineResolved(cgroup->id(), ResolvedPathRules{}); !status.ok()) {
    return Annotate(status, "BPF LSM self-test");
  }

  UniqueFd procs(::open(cgroup->procs_file().c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs.valid()) return ErrnoError(errno, "BPF LSM self-test: open cgroup.procs");
  pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "BPF LSM self-test: fork");
  if (child == 0) {
    if (::write(procs.get(), "0", 1) != 1) ::_exit(kCanaryJoinFailed);
    int fd = ::open(kCanaryTarget, O_RDONLY | O_CLOEXEC);
    ::_exit(fd < 0 && errno == EACCES ? kCanaryDenied : kCanaryOpened);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  absl::Status released = Release(cgroup->id());
  if (!released.ok()) return Annotate(released, "BPF LSM self-test");

  int result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (result == kCanaryDenied) return absl::OkStatus();
  if (result == kCanaryOpened) {
    return absl::FailedPreconditionError(absl::StrCat(
        "BPF LSM self-test: the programs attached but did not run (a confined canary opened ",
        kCanaryTarget, "); add 'bpf' to the kernel's lsm= boot parameter"));
  }
  return absl::InternalError(
      absl::StrCat("BPF LSM self-test: the canary could not run (wait status ", status, ")"));
}

absl::Status BpfLsmEnforcer::DeleteRules(__u32 policy_id, const ResolvedPathRules& rules) {
  std::vector<cvlsm_rule_key> keys;
  keys.reserve(rules.rules.size());
  for (const ResolvedPathRule& rule : rules.rules) keys.push_back(RuleKey(policy_id, rule));
  return skeleton_->path_rules().DeleteBatch(keys);
}

absl::StatusOr<ResolvedPathRules> BpfLsmEnforcer::Resolve(const Policy& policy,
                                                          ObjectIdentifier& opener) {
  KernelObjectIdentifier identifier(*skeleton_, opener);
  return ResolvePathRules(policy, identifier);
}

absl::Status BpfLsmEnforcer::Apply(uint64_t cgroup_id, const Policy& policy,
                                   ObjectIdentifier& opener, bool from_next_exec, bool audit) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  absl::StatusOr<ResolvedPathRules> rules = Resolve(policy, opener);
  if (!rules.ok()) return rules.status();
  rules->audit = audit;
  if (Confined(cgroup_id).ok()) {
    return UpdateLocked(cgroup_id, *std::move(rules), /*in_place_ok=*/true, /*keep_mode=*/false);
  }
  return ConfineLocked(cgroup_id, *std::move(rules), from_next_exec);
}

__u32 BpfLsmEnforcer::WaitingForExec(uint64_t cgroup_id) const {
  cvlsm_cgroup_policy entry{};
  return skeleton_->cgroups().Lookup(cgroup_id, &entry) ? entry.wait_for_exec : 0;
}

absl::Status BpfLsmEnforcer::Repin(uint64_t cgroup_id, ResolvedPathRules rules) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  return UpdateLocked(cgroup_id, std::move(rules), /*in_place_ok=*/false);
}

absl::StatusOr<CgroupStats> BpfLsmEnforcer::Stats(uint64_t cgroup_id) const {
  return ReadCgroupStats(skeleton_->stats_fd(), cgroup_id);
}

std::vector<Denial> BpfLsmEnforcer::RecordedDenials(uint64_t cgroup_id) const {
  return ReadDenials(skeleton_->denials(), cgroup_id);
}

uint64_t BpfLsmEnforcer::DenialsNotRecorded(uint64_t cgroup_id) const {
  absl::StatusOr<CgroupStats> stats = Stats(cgroup_id);
  return stats.ok() ? stats->records_dropped : 0;
}

absl::StatusOr<uint64_t> BpfLsmEnforcer::RuleMapMemoryBytes() const {
  return MapMemlockBytes(skeleton_->path_rules().fd());
}

absl::Status BpfLsmEnforcer::Confine(uint64_t cgroup_id, const Policy& policy) {
  return ConfineInMode(cgroup_id, policy, /*audit=*/false);
}

absl::Status BpfLsmEnforcer::ConfineAudited(uint64_t cgroup_id, const Policy& policy) {
  return ConfineInMode(cgroup_id, policy, /*audit=*/true);
}

absl::Status BpfLsmEnforcer::ConfineInMode(uint64_t cgroup_id, const Policy& policy, bool audit) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  absl::StatusOr<ResolvedPathRules> rules = Resolve(policy);
  if (!rules.ok()) return rules.status();
  rules->audit = audit;
  return ConfineLocked(cgroup_id, *std::move(rules));
}

// One batch: a syscall per rule was most of the time for large policies (bench/).
absl::Status BpfLsmEnforcer::InstallRules(__u32 policy_id, const ResolvedPathRules& rules) {
  std::vector<cvlsm_rule_key> keys;
  std::vector<cvlsm_rule_value> values;
  keys.reserve(rules.rules.size());
  values.reserve(rules.rules.size());
  for (const ResolvedPathRule& rule : rules.rules) {
    keys.push_back(RuleKey(policy_id, rule));
    values.push_back(RuleValue(rule));
  }
  size_t written = 0;
  absl::Status status = skeleton_->path_rules().UpdateBatch(keys, values, &written);
  if (status.ok()) return status;
  keys.resize(written);  // only what was written: the rest would each fail with ENOENT
  (void)skeleton_->path_rules().DeleteBatch(keys);
  return Annotate(status, written < rules.rules.size()
                              ? absl::StrCat("install the rule for ", rules.rules[written].path)
                              : std::string("install the rules"));
}

absl::Status BpfLsmEnforcer::ConfineResolved(uint64_t cgroup_id, ResolvedPathRules rules) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  return ConfineLocked(cgroup_id, std::move(rules));
}

absl::Status BpfLsmEnforcer::ConfineLocked(uint64_t cgroup_id, ResolvedPathRules rules,
                                           bool from_next_exec) {
  cvlsm_cgroup_policy entry{};
  if (confined_.count(cgroup_id) || skeleton_->cgroups().Lookup(cgroup_id, &entry)) {
    return absl::AlreadyExistsError(absl::StrCat("cgroup ", cgroup_id, " is already confined"));
  }
  __u32 policy_id = NextPolicyId();
  // Pins, then rules, the cgroup entry last: the cgroup is either unconfined or fully
  // confined, whenever this process stops.
  if (absl::Status status = KeepPins(policy_id, rules.rules); !status.ok()) return status;
  if (absl::Status status = InstallRules(policy_id, rules); !status.ok()) {
    DropPins(policy_id);
    return status;
  }
  // Counting starts from zero with the confinement (a reused cgroup id starts afresh).
  if (absl::Status status = ResetCgroupStats(skeleton_->stats_fd(), cgroup_id); !status.ok()) {
    (void)DeleteRules(policy_id, rules);
    DropPins(policy_id);
    return status;
  }
  if (from_next_exec) {
    if (absl::Status status = skeleton_->exec_waits().Update(cgroup_id, 1); !status.ok()) {
      ForgetCgroupReports(skeleton_->stats_fd(), skeleton_->denials(), cgroup_id);
      (void)DeleteRules(policy_id, rules);
      DropPins(policy_id);
      return Annotate(status, "make the policy wait for the cgroup's first exec");
    }
  }
  if (absl::Status status = skeleton_->cgroups().Update(
          cgroup_id, CgroupEntry(policy_id, rules, from_next_exec ? 1u : 0u), BPF_NOEXIST);
      !status.ok()) {
    (void)DeleteRules(policy_id, rules);
    (void)skeleton_->exec_waits().Delete(cgroup_id);
    ForgetCgroupReports(skeleton_->stats_fd(), skeleton_->denials(), cgroup_id);
    DropPins(policy_id);
    return Annotate(status, "register the cgroup with the LSM programs");
  }
  // The rules (and the pins that keep their inodes alive) live as long as the confinement.
  confined_.emplace(cgroup_id, Confinement(policy_id, std::move(rules)));
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Update(uint64_t cgroup_id, const Policy& policy) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  absl::StatusOr<ResolvedPathRules> rules = Resolve(policy);
  if (!rules.ok()) return rules.status();
  return UpdateLocked(cgroup_id, *std::move(rules));
}

absl::StatusOr<bool> BpfLsmEnforcer::UpdateOneRuleInPlace(__u32 policy_id,
                                                          const ResolvedPathRules& old_rules,
                                                          const ResolvedPathRules& new_rules) {
  if (CgroupEntry(policy_id, old_rules) != CgroupEntry(policy_id, new_rules)) return false;
  absl::flat_hash_map<__u64, const ResolvedPathRule*> remaining;
  remaining.reserve(old_rules.rules.size());
  for (const ResolvedPathRule& rule : old_rules.rules) remaining.emplace(rule.object.key, &rule);
  const ResolvedPathRule* changed = nullptr;
  int changes = 0;
  for (const ResolvedPathRule& rule : new_rules.rules) {
    auto it = remaining.find(rule.object.key);
    bool same = it != remaining.end() && it->second->modes == rule.modes;
    if (it != remaining.end()) remaining.erase(it);
    if (!same) {
      changed = &rule;
      if (++changes > 1) return false;
    }
  }
  changes += static_cast<int>(remaining.size());
  if (changes > 1) return false;
  if (changed != nullptr) {
    if (absl::Status status = KeepPins(policy_id, {*changed}); !status.ok()) return status;
    if (absl::Status status =
            skeleton_->path_rules().Update(RuleKey(policy_id, *changed), RuleValue(*changed));
        !status.ok()) {
      return Annotate(status, absl::StrCat("update the rule for ", changed->path));
    }
  } else if (!remaining.empty()) {
    const ResolvedPathRule& removed = *remaining.begin()->second;
    if (absl::Status status = skeleton_->path_rules().Delete(RuleKey(policy_id, removed));
        !status.ok()) {
      return Annotate(status, absl::StrCat("remove the rule for ", removed.path));
    }
    DropPin(policy_id, removed.object.key);
  }
  return true;
}

absl::Status BpfLsmEnforcer::UpdateResolved(uint64_t cgroup_id, ResolvedPathRules rules) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  return UpdateLocked(cgroup_id, std::move(rules));
}

absl::Status BpfLsmEnforcer::UpdateLocked(uint64_t cgroup_id, ResolvedPathRules rules,
                                          bool in_place_ok, bool keep_mode) {
  absl::StatusOr<Confinement*> confinement = Confined(cgroup_id);
  if (!confinement.ok()) return confinement.status();
  Confinement& current = **confinement;
  if (keep_mode) rules.audit = current.rules.audit;
  absl::StatusOr<bool> in_place =
      in_place_ok ? UpdateOneRuleInPlace(current.policy_id, current.rules, rules) : false;
  if (!in_place.ok()) return in_place.status();
  if (*in_place) {
    // Old pins drop only now, after the map stopped naming them.
    current = Confinement(current.policy_id, std::move(rules));
    return absl::OkStatus();
  }
  __u32 policy_id = NextPolicyId();
  if (absl::Status status = KeepPins(policy_id, rules.rules); !status.ok()) return status;
  if (absl::Status status = InstallRules(policy_id, rules); !status.ok()) {
    DropPins(policy_id);
    return status;
  }
  // One update of an existing hash entry replaces it as a whole (RCU): an open sees the old
  // policy id or the new one. A policy still waiting for its first exec keeps waiting.
  if (absl::Status status = skeleton_->cgroups().Update(
          cgroup_id, CgroupEntry(policy_id, rules, WaitingForExec(cgroup_id)), BPF_EXIST);
      !status.ok()) {
    (void)DeleteRules(policy_id, rules);
    DropPins(policy_id);
    return Annotate(status, "switch the cgroup to the new rules");
  }
  absl::Status removed = DeleteRules(current.policy_id, current.rules);
  if (removed.ok()) DropPins(current.policy_id);
  current = Confinement(policy_id, std::move(rules));
  return Annotate(removed, "remove the replaced rules");
}

BpfLsmEnforcer::Confinement::Confinement(__u32 id, ResolvedPathRules installed)
    : policy_id(id), rules(std::move(installed)) {
  index.reserve(rules.rules.size());
  for (size_t i = 0; i < rules.rules.size(); ++i) {
    index.emplace(rules.rules[i].object.key, i);
    if (rules.rules[i].modes.deny != 0) ++deny_rules;
  }
}

void BpfLsmEnforcer::Confinement::Put(ResolvedPathRule rule) {
  auto [it, inserted] = index.try_emplace(rule.object.key, rules.rules.size());
  if (rule.modes.deny != 0) ++deny_rules;
  if (inserted) {
    rules.rules.push_back(std::move(rule));
  } else {
    if (rules.rules[it->second].modes.deny != 0) --deny_rules;
    rules.rules[it->second] = std::move(rule);  // the old pin drops here
  }
  rules.has_deny_rules = deny_rules > 0;
}

void BpfLsmEnforcer::Confinement::Erase(size_t position) {
  if (rules.rules[position].modes.deny != 0) --deny_rules;
  index.erase(rules.rules[position].object.key);
  if (position + 1 != rules.rules.size()) {
    rules.rules[position] = std::move(rules.rules.back());
    index[rules.rules[position].object.key] = position;
  }
  rules.rules.pop_back();
  rules.has_deny_rules = deny_rules > 0;
}

absl::StatusOr<BpfLsmEnforcer::Confinement*> BpfLsmEnforcer::Confined(uint64_t cgroup_id) {
  auto it = confined_.find(cgroup_id);
  if (shared_) {
    // The maps are the truth: another manager may have confined, changed or released it.
    cvlsm_cgroup_policy entry{};
    if (!skeleton_->cgroups().Lookup(cgroup_id, &entry)) {
      if (it != confined_.end()) confined_.erase(it);
      it = confined_.end();
    } else if (it == confined_.end() || it->second.policy_id != entry.policy_id) {
      it = confined_
               .insert_or_assign(cgroup_id,
                                 Confinement(entry.policy_id, ReadRules(entry.policy_id, entry)))
               .first;
    }
  }
  if (it == confined_.end()) {
    return absl::NotFoundError(
        absl::StrCat("cgroup ", cgroup_id, " is not confined: confine it before updating"));
  }
  return &it->second;
}

absl::StatusOr<ObjectId> BpfLsmEnforcer::IdentifyOne(const std::string& path) {
  KernelObjectIdentifier identifier(*skeleton_);
  absl::StatusOr<ObjectId> object = identifier.Identify(path);
  // Room for one more pin is checked only when it is missing: counting the open
  // descriptors costs as much as the policy is large.
  if (absl::IsResourceExhausted(object.status())) {  // EMFILE
    if (absl::Status room = EnsureDescriptorRoom(1); !room.ok()) return room;
    object = identifier.Identify(path);
  }
  if (!object.ok()) return Annotate(object.status(), absl::StrCat("path rule '", path, "'"));
  return object;
}

absl::Status BpfLsmEnforcer::WriteEntry(uint64_t cgroup_id, const Confinement& confinement,
                                        bool deny_flag) {
  CgroupEntryFields entry{confinement.policy_id, confinement.rules.proc_self_modes,
                          EntryFlags(confinement.rules, deny_flag), WaitingForExec(cgroup_id)};
  return Annotate(skeleton_->cgroups().Update(cgroup_id, entry, BPF_EXIST),
                  "rewrite the cgroup's entry");
}

// The rule change is done by now; a flag left on only makes walks go to the root, so its
// failure is logged rather than reported as a failed change.
void BpfLsmEnforcer::ClearDenyFlag(uint64_t cgroup_id, const Confinement& confinement) {
  if (absl::Status status = WriteEntry(cgroup_id, confinement, false); !status.ok()) {
    LogWarning("bpf-lsm", absl::StrCat("cgroup ", cgroup_id,
                                       ": the deny flag stays on (walks "
                                       "go to the root until the next update): ",
                                       status.message()));
  }
}

absl::Status BpfLsmEnforcer::SetProcSelfModes(uint64_t cgroup_id, Confinement& confinement,
                                              AccessModes modes) {
  AccessModes before = confinement.rules.proc_self_modes;
  confinement.rules.proc_self_modes = modes;
  absl::Status status = WriteEntry(cgroup_id, confinement, confinement.deny_rules > 0);
  if (!status.ok()) confinement.rules.proc_self_modes = before;
  return status;
}

absl::Status BpfLsmEnforcer::SetPathRule(uint64_t cgroup_id, const std::string& path,
                                         PathModes modes) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  absl::StatusOr<Confinement*> confinement = Confined(cgroup_id);
  if (!confinement.ok()) return confinement.status();
  Confinement& current = **confinement;
  if (absl::Status status = CheckPathRule(path, modes.allow | modes.deny); !status.ok()) {
    return status;
  }
  modes.required = true;
  if (IsProcSelfRule(path)) return SetProcSelfModes(cgroup_id, current, modes.allow & ~modes.deny);
  absl::StatusOr<ObjectId> object = IdentifyOne(path);
  if (!object.ok()) return object.status();
  ResolvedPathRule rule{path, *std::move(object), modes};

  auto existing = current.index.find(rule.object.key);
  bool had_deny =
      existing != current.index.end() && current.rules.rules[existing->second].modes.deny != 0;
  size_t deny_after = current.deny_rules - (had_deny ? 1 : 0) + (modes.deny != 0 ? 1 : 0);
  // The deny flag makes the walk go to the root: on before a deny rule is in the map, off
  // only after the last one left it, so no walk stops early above a deny rule.
  bool flag_on = current.deny_rules == 0 && deny_after > 0;
  bool flag_off = current.deny_rules > 0 && deny_after == 0;
  if (absl::Status status = KeepPins(current.policy_id, {rule}); !status.ok()) return status;
  if (flag_on) {
    if (absl::Status status = WriteEntry(cgroup_id, current, true); !status.ok()) return status;
  }
  if (absl::Status status =
          skeleton_->path_rules().Update(RuleKey(current.policy_id, rule), RuleValue(rule));
      !status.ok()) {
    if (flag_on) (void)WriteEntry(cgroup_id, current, false);
    if (existing == current.index.end()) DropPin(current.policy_id, rule.object.key);
    return Annotate(status, absl::StrCat("set the rule for ", path));
  }
  current.Put(std::move(rule));
  if (flag_off) ClearDenyFlag(cgroup_id, current);
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::RemovePathRule(uint64_t cgroup_id, const std::string& path) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  absl::StatusOr<Confinement*> confinement = Confined(cgroup_id);
  if (!confinement.ok()) return confinement.status();
  Confinement& current = **confinement;
  if (absl::Status status = CheckPathRule(path, kAllModes); !status.ok()) return status;
  if (IsProcSelfRule(path)) {
    if (current.rules.proc_self_modes == 0) {
      return absl::NotFoundError(absl::StrCat("cgroup ", cgroup_id, " has no rule on ", path));
    }
    return SetProcSelfModes(cgroup_id, current, 0);
  }
  std::optional<size_t> position;
  absl::StatusOr<ObjectId> object = IdentifyOne(path);
  if (object.ok()) {
    auto found = current.index.find(object->key);
    if (found != current.index.end()) position = found->second;
  }
  if (!position) {
    // The path is gone or names another object now (a file replaced by a rename): the rule
    // is still found by the name it was set with; its pin keeps the old object.
    for (size_t i = 0; i < current.rules.rules.size() && !position; ++i) {
      if (current.rules.rules[i].path == path) position = i;
    }
  }
  if (!position && !object.ok()) return object.status();
  if (!position) {
    return absl::NotFoundError(absl::StrCat("cgroup ", cgroup_id, " has no rule on ", path));
  }
  if (absl::Status status = skeleton_->path_rules().Delete(
          RuleKey(current.policy_id, current.rules.rules[*position]));
      !status.ok()) {
    return Annotate(status, absl::StrCat("remove the rule for ", path));
  }
  bool flag_off = current.rules.rules[*position].modes.deny != 0 && current.deny_rules == 1;
  DropPin(current.policy_id, current.rules.rules[*position].object.key);
  current.Erase(*position);
  if (flag_off) ClearDenyFlag(cgroup_id, current);
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Release(uint64_t cgroup_id) {
  absl::StatusOr<std::unique_ptr<ManagerLock>> lock = LockForChange();
  if (!lock.ok()) return lock.status();
  return ReleaseLocked(cgroup_id);
}

absl::Status BpfLsmEnforcer::ReleaseLocked(uint64_t cgroup_id) {
  absl::StatusOr<Confinement*> confinement = Confined(cgroup_id);
  if (absl::IsNotFound(confinement.status())) return absl::OkStatus();
  if (!confinement.ok()) return confinement.status();
  __u32 policy_id = (*confinement)->policy_id;
  // The cgroup entry first, so no process sees a policy with rules missing.
  absl::Status status = skeleton_->cgroups().Delete(cgroup_id);
  if (!status.ok()) return status;
  (void)skeleton_->exec_waits().Delete(cgroup_id);
  ForgetCgroupReports(skeleton_->stats_fd(), skeleton_->denials(), cgroup_id);
  status = DeleteRules(policy_id, (*confinement)->rules);
  if (status.ok()) DropPins(policy_id);
  confined_.erase(cgroup_id);
  return status;
}

}  // namespace cvlsm
