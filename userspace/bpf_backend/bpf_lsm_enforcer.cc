#include "bpf_backend/bpf_lsm_enforcer.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <optional>
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
  __u32 policy_id, proc_self_modes, flags;
  bool operator==(const CgroupEntryFields&) const = default;
  operator cvlsm_cgroup_policy() const {
    return cvlsm_cgroup_policy{
        .policy_id = policy_id, .proc_self_modes = proc_self_modes, .flags = flags, .reserved = 0};
  }
};

CgroupEntryFields CgroupEntry(__u32 policy_id, const ResolvedPathRules& rules) {
  return CgroupEntryFields{policy_id, rules.proc_self_modes,
                           rules.has_deny_rules ? CVLSM_POLICY_HAS_DENY_RULES : 0u};
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> BpfLsmEnforcer::Create() {
  absl::StatusOr<std::unique_ptr<LsmSkeleton>> skeleton = LsmSkeleton::LoadAndAttach();
  if (!skeleton.ok()) return skeleton.status();
  std::unique_ptr<BpfLsmEnforcer> enforcer(new BpfLsmEnforcer(*std::move(skeleton)));
  if (absl::Status status = enforcer->SelfTest(); !status.ok()) return status;
  return enforcer;
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

absl::StatusOr<ResolvedPathRules> BpfLsmEnforcer::Resolve(const Policy& policy) {
  KernelObjectIdentifier identifier(*skeleton_);
  return ResolvePathRules(policy, identifier);
}

absl::StatusOr<uint64_t> BpfLsmEnforcer::RuleMapMemoryBytes() const {
  return MapMemlockBytes(skeleton_->path_rules().fd());
}

absl::Status BpfLsmEnforcer::Confine(uint64_t cgroup_id, const Policy& policy) {
  absl::StatusOr<ResolvedPathRules> rules = Resolve(policy);
  if (!rules.ok()) return rules.status();
  return ConfineResolved(cgroup_id, *std::move(rules));
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
  if (confined_.count(cgroup_id)) {
    return absl::AlreadyExistsError(absl::StrCat("cgroup ", cgroup_id, " is already confined"));
  }
  __u32 policy_id = next_policy_id_++;
  // Rules first, the cgroup entry last: the cgroup is either unconfined or fully confined.
  if (absl::Status status = InstallRules(policy_id, rules); !status.ok()) return status;
  if (absl::Status status =
          skeleton_->cgroups().Update(cgroup_id, CgroupEntry(policy_id, rules), BPF_NOEXIST);
      !status.ok()) {
    (void)DeleteRules(policy_id, rules);
    return Annotate(status, "register the cgroup with the LSM programs");
  }
  // The rules (and the pins that keep their inodes alive) live as long as the confinement.
  confined_.emplace(cgroup_id, Confinement(policy_id, std::move(rules)));
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Update(uint64_t cgroup_id, const Policy& policy) {
  absl::StatusOr<ResolvedPathRules> rules = Resolve(policy);
  if (!rules.ok()) return rules.status();
  return UpdateResolved(cgroup_id, *std::move(rules));
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
  }
  return true;
}

absl::Status BpfLsmEnforcer::UpdateResolved(uint64_t cgroup_id, ResolvedPathRules rules) {
  auto it = confined_.find(cgroup_id);
  if (it == confined_.end()) {
    return absl::NotFoundError(
        absl::StrCat("cgroup ", cgroup_id, " is not confined: confine it before updating"));
  }
  Confinement& current = it->second;
  absl::StatusOr<bool> in_place = UpdateOneRuleInPlace(current.policy_id, current.rules, rules);
  if (!in_place.ok()) return in_place.status();
  if (*in_place) {
    // Old pins drop only now, after the map stopped naming them.
    current = Confinement(current.policy_id, std::move(rules));
    return absl::OkStatus();
  }
  __u32 policy_id = next_policy_id_++;
  if (absl::Status status = InstallRules(policy_id, rules); !status.ok()) return status;
  // One update of an existing hash entry replaces it as a whole (RCU): an open sees the old
  // policy id or the new one.
  if (absl::Status status =
          skeleton_->cgroups().Update(cgroup_id, CgroupEntry(policy_id, rules), BPF_EXIST);
      !status.ok()) {
    (void)DeleteRules(policy_id, rules);
    return Annotate(status, "switch the cgroup to the new rules");
  }
  absl::Status removed = DeleteRules(current.policy_id, current.rules);
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
                          deny_flag ? CVLSM_POLICY_HAS_DENY_RULES : 0u};
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
  if (flag_on) {
    if (absl::Status status = WriteEntry(cgroup_id, current, true); !status.ok()) return status;
  }
  if (absl::Status status =
          skeleton_->path_rules().Update(RuleKey(current.policy_id, rule), RuleValue(rule));
      !status.ok()) {
    if (flag_on) (void)WriteEntry(cgroup_id, current, false);
    return Annotate(status, absl::StrCat("set the rule for ", path));
  }
  current.Put(std::move(rule));
  if (flag_off) ClearDenyFlag(cgroup_id, current);
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::RemovePathRule(uint64_t cgroup_id, const std::string& path) {
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
  current.Erase(*position);
  if (flag_off) ClearDenyFlag(cgroup_id, current);
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Release(uint64_t cgroup_id) {
  auto it = confined_.find(cgroup_id);
  if (it == confined_.end()) return absl::OkStatus();
  // The cgroup entry first, so no process sees a policy with rules missing.
  absl::Status status = skeleton_->cgroups().Delete(cgroup_id);
  if (!status.ok()) return status;
  status = DeleteRules(it->second.policy_id, it->second.rules);
  confined_.erase(it);
  return status;
}

}  // namespace cvlsm
