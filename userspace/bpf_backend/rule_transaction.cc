#include "bpf_backend/rule_transaction.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "bpf_backend/net_entries.h"
#include "bpf_backend/report_entries.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace cvlsm {

cvlsm_rule_key RuleKey(__u32 policy_id, uint64_t inode) {
  return cvlsm_rule_key{.policy_id = policy_id, .reserved = 0, .inode = inode};
}

cvlsm_rule_value RuleValue(const PathModes& modes, __u64 generation) {
  return cvlsm_rule_value{.allow = modes.allow, .deny = modes.deny, .generation = generation};
}

absl::StatusOr<__u64> RuleInodeGeneration(const LsmSkeleton& programs, uint64_t inode) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    __u64 generation = 0;
    if (programs.rule_inodes().Lookup(inode, &generation)) return generation;
    generation = __atomic_add_fetch(&programs.state()->last_generation, 1, __ATOMIC_SEQ_CST);
    absl::Status made = programs.rule_inodes().Update(inode, generation, BPF_NOEXIST);
    if (made.ok()) return generation;
    // Made meanwhile by a manager of other cgroups (private programs share no map, pinned
    // ones take turns, but a change and a clean-up may): take that one.
    if (ErrnoOf(made).value_or(0) != EEXIST)
      return Annotate(made, "give a rule inode its generation");
  }
  return absl::InternalError("a rule inode's generation keeps changing");
}

namespace {

// Below this many rules, a lookup each costs less than reading the whole map.
constexpr size_t kBatchedGenerationsFrom = 256;

// Gives each inode of `missing` (indexes into `inodes`) a new generation, in batches.
// Batches cannot refuse to overwrite (BPF_NOEXIST is per call, not per entry), which is
// safe because only a manager makes generations, and managers take turns: pinned ones
// under the manager lock, one process's under its enforcer's. The programs only delete
// entries, of inodes being freed, which are not the held inodes of these rules.
absl::Status MakeGenerations(const LsmSkeleton& programs, const std::vector<uint64_t>& inodes,
                             const std::vector<size_t>& missing, std::vector<__u64>* generations) {
  std::vector<__u64> keys;
  std::vector<__u64> values;
  for (size_t index : missing) {
    keys.push_back(inodes[index]);
    values.push_back(__atomic_add_fetch(&programs.state()->last_generation, 1, __ATOMIC_SEQ_CST));
    (*generations)[index] = values.back();
  }
  size_t written = 0;
  return Annotate(programs.rule_inodes().UpdateBatch(keys, values, &written),
                  "give the rule inodes their generations");
}

}  // namespace

absl::StatusOr<std::vector<__u64>> RuleInodeGenerations(
    const LsmSkeleton& programs, const std::vector<ResolvedPathRule>& rules) {
  std::vector<__u64> generations(rules.size(), 0);
  auto one_by_one = [&]() -> absl::StatusOr<std::vector<__u64>> {
    for (size_t i = 0; i < rules.size(); ++i) {
      ASSIGN_OR_RETURN(generations[i], RuleInodeGeneration(programs, rules[i].object.key));
    }
    return generations;
  };
  if (rules.size() < kBatchedGenerationsFrom) return one_by_one();
  absl::StatusOr<std::vector<std::pair<__u64, __u64>>> entries = programs.rule_inodes().Entries();
  if (!entries.ok()) return one_by_one();  // e.g. a bucket fuller than a batch
  absl::flat_hash_map<uint64_t, __u64> known(entries->begin(), entries->end());
  std::vector<uint64_t> inodes;
  std::vector<size_t> missing;
  absl::flat_hash_map<uint64_t, size_t> first_missing;  // a policy may name an inode twice
  inodes.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    inodes.push_back(rules[i].object.key);
    if (auto it = known.find(inodes[i]); it != known.end()) {
      generations[i] = it->second;
    } else if (first_missing.emplace(inodes[i], i).second) {
      missing.push_back(i);
    }
  }
  RETURN_IF_ERROR(MakeGenerations(programs, inodes, missing, &generations));
  for (size_t i = 0; i < rules.size(); ++i) {
    if (auto it = first_missing.find(inodes[i]); it != first_missing.end()) {
      generations[i] = generations[it->second];
    }
  }
  return generations;
}

void DropPins(SharedPrograms* shared, __u32 policy_id) {
  if (shared == nullptr) return;
  if (absl::Status status = shared->DropPins(policy_id); !status.ok()) {
    LogWarning("bpf-lsm", absl::StrCat("the keeper keeps the pins of policy ", policy_id,
                                       " until the next clean-up: ", ErrorText(status)));
  }
}

void DropPin(SharedPrograms* shared, __u32 policy_id, uint64_t object_key) {
  if (shared == nullptr) return;
  if (absl::Status status = shared->DropPin(policy_id, object_key); !status.ok()) {
    LogWarning("bpf-lsm", absl::StrCat("the keeper keeps a pin of policy ", policy_id,
                                       " until the next clean-up: ", ErrorText(status)));
  }
}

RuleTransaction::~RuleTransaction() {
  for (auto step = undo_.rbegin(); step != undo_.rend(); ++step) (*step)();
}

absl::Status RuleTransaction::KeepPinsOfNewPolicy(__u32 policy_id,
                                                  const std::vector<ResolvedPathRule>& rules) {
  if (shared_ == nullptr || rules.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(
      Annotate(shared_->KeepPins(policy_id, rules), "hand the rules' pins to the keeper"));
  undo_.push_back([shared = shared_, policy_id] { DropPins(shared, policy_id); });
  return absl::OkStatus();
}

absl::Status RuleTransaction::KeepPin(__u32 policy_id, const ResolvedPathRule& rule,
                                      bool new_object) {
  if (shared_ == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(
      Annotate(shared_->KeepPins(policy_id, {rule}), "hand the rule's pin to the keeper"));
  if (new_object) {
    undo_.push_back(
        [shared = shared_, policy_id, key = rule.object.key] { DropPin(shared, policy_id, key); });
  }
  return absl::OkStatus();
}

// One batch: a syscall per rule was most of the time for large policies (bench/).
absl::Status RuleTransaction::InstallRules(__u32 policy_id,
                                           const std::vector<ResolvedPathRule>& rules) {
  std::vector<cvlsm_rule_key> keys;
  std::vector<cvlsm_rule_value> values;
  keys.reserve(rules.size());
  values.reserve(rules.size());
  ASSIGN_OR_RETURN(std::vector<__u64> generations, RuleInodeGenerations(programs_, rules));
  for (size_t i = 0; i < rules.size(); ++i) {
    RETURN_IF_ERROR(Annotate(programs_.MarkRuleInode(rules[i].object), rules[i].path));
    keys.push_back(RuleKey(policy_id, rules[i].object.key));
    values.push_back(RuleValue(rules[i].modes, generations[i]));
  }
  size_t written = 0;
  absl::Status status = programs_.path_rules().UpdateBatch(keys, values, &written);
  keys.resize(written);  // only what was written: the rest would each fail with ENOENT
  undo_.push_back(
      [this, keys = std::move(keys)] { (void)programs_.path_rules().DeleteBatch(keys); });
  if (status.ok()) return status;
  return Annotate(status, written < rules.size()
                              ? absl::StrCat("install the rule for ", rules[written].path)
                              : std::string("install the rules"));
}

absl::Status RuleTransaction::InstallNetwork(__u32 policy_id, const NetworkRules& network) {
  ASSIGN_OR_RETURN(NetworkEntries entries, NetworkEntriesOf(policy_id, network));
  if (entries.v4.empty() && entries.v6.empty() && entries.unix_names.empty()) {
    return absl::OkStatus();
  }
  // Whatever gets written is deleted again unless committed (by policy id: nothing else
  // uses a policy id before its cgroup entry names it).
  undo_.push_back([this, policy_id] {
    DeleteNetworkEntries(programs_, [policy_id](uint32_t id) { return id == policy_id; });
  });
  for (const auto& [key, ports] : entries.v4) {
    RETURN_IF_ERROR(
        Annotate(programs_.net4().Update(key, ports), "install the IPv4 network rules"));
  }
  for (const auto& [key, ports] : entries.v6) {
    RETURN_IF_ERROR(
        Annotate(programs_.net6().Update(key, ports), "install the IPv6 network rules"));
  }
  for (const cvlsm_unix_name_key& key : entries.unix_names) {
    RETURN_IF_ERROR(
        Annotate(programs_.unix_names().Update(key, 1), "install the abstract unix socket names"));
  }
  return absl::OkStatus();
}

absl::Status RuleTransaction::SetRule(__u32 policy_id, const ResolvedPathRule& rule) {
  cvlsm_rule_key key = RuleKey(policy_id, rule.object.key);
  cvlsm_rule_value before{};
  bool existed = programs_.path_rules().Lookup(key, &before);
  ASSIGN_OR_RETURN(__u64 generation, RuleInodeGeneration(programs_, rule.object.key));
  RETURN_IF_ERROR(Annotate(programs_.MarkRuleInode(rule.object), rule.path));
  RETURN_IF_ERROR(Annotate(programs_.path_rules().Update(key, RuleValue(rule.modes, generation)),
                           absl::StrCat("set the rule for ", rule.path)));
  undo_.push_back([this, key, before, existed] {
    if (existed) {
      (void)programs_.path_rules().Update(key, before);
    } else {
      (void)programs_.path_rules().Delete(key);
    }
  });
  return absl::OkStatus();
}

absl::Status RuleTransaction::RemoveRule(__u32 policy_id, const ResolvedPathRule& rule) {
  cvlsm_rule_key key = RuleKey(policy_id, rule.object.key);
  cvlsm_rule_value before{};
  bool existed = programs_.path_rules().Lookup(key, &before);
  RETURN_IF_ERROR(Annotate(programs_.path_rules().Delete(key),
                           absl::StrCat("remove the rule for ", rule.path)));
  if (existed) {
    undo_.push_back([this, key, before] { (void)programs_.path_rules().Update(key, before); });
  }
  return absl::OkStatus();
}

absl::Status RuleTransaction::ResetReports(uint64_t cgroup_id) {
  RETURN_IF_ERROR(ResetCgroupReports(programs_, cgroup_id));
  undo_.push_back([this, cgroup_id] { ForgetCgroupReports(programs_, cgroup_id); });
  return absl::OkStatus();
}

absl::Status RuleTransaction::WaitForExec(uint64_t cgroup_id) {
  RETURN_IF_ERROR(Annotate(programs_.exec_waits().Update(cgroup_id, 1),
                           "make the policy wait for the cgroup's first exec"));
  undo_.push_back([this, cgroup_id] { (void)programs_.exec_waits().Delete(cgroup_id); });
  return absl::OkStatus();
}

absl::Status RuleTransaction::PutCgroupEntry(uint64_t cgroup_id, const cvlsm_cgroup_policy& entry,
                                             __u64 flags) {
  cvlsm_cgroup_policy before{};
  bool existed = programs_.cgroups().Lookup(cgroup_id, &before);
  RETURN_IF_ERROR(Annotate(programs_.cgroups().Update(cgroup_id, entry, flags),
                           flags == BPF_NOEXIST ? "register the cgroup with the LSM programs"
                                                : "rewrite the cgroup's entry"));
  undo_.push_back([this, cgroup_id, before, existed] {
    if (existed) {
      (void)programs_.cgroups().Update(cgroup_id, before, BPF_EXIST);
    } else {
      (void)programs_.cgroups().Delete(cgroup_id);
    }
  });
  return absl::OkStatus();
}

}  // namespace cvlsm
