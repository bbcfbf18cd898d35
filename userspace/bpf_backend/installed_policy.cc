#include "bpf_backend/installed_policy.h"

#include <utility>

#include "bpf_backend/net_entries.h"

namespace cvlsm {

InstalledPolicy::InstalledPolicy(uint32_t id, ResolvedPolicy read_back, PolicyMode policy_mode,
                                 uint32_t entry_network_flags)
    : InstalledPolicy(id, std::move(read_back), policy_mode) {
  network_flags = entry_network_flags & kNetworkPolicyFlags;
  network_known = false;
}

InstalledPolicy::InstalledPolicy(uint32_t id, ResolvedPolicy installed, PolicyMode policy_mode)
    : policy_id(id),
      rules(std::move(installed)),
      mode(policy_mode),
      network_flags(NetworkPolicyFlags(rules.network)) {
  index.reserve(rules.rules.size());
  for (size_t i = 0; i < rules.rules.size(); ++i) {
    index.emplace(rules.rules[i].object.key, i);
    if (rules.rules[i].modes.deny != 0) ++deny_rules;
  }
}

void InstalledPolicy::Put(ResolvedPathRule rule) {
  auto [it, inserted] = index.try_emplace(rule.object.key, rules.rules.size());
  if (rule.modes.deny != 0) ++deny_rules;
  if (inserted) {
    rules.rules.push_back(std::move(rule));
  } else {
    if (rules.rules[it->second].modes.deny != 0) --deny_rules;
    rules.rules[it->second] = std::move(rule);
  }
  rules.has_deny_rules = deny_rules > 0;
}

void InstalledPolicy::Erase(size_t position) {
  if (rules.rules[position].modes.deny != 0) --deny_rules;
  index.erase(rules.rules[position].object.key);
  if (position + 1 != rules.rules.size()) {
    rules.rules[position] = std::move(rules.rules.back());
    index[rules.rules[position].object.key] = position;
  }
  rules.rules.pop_back();
  rules.has_deny_rules = deny_rules > 0;
}

cvlsm_cgroup_policy CgroupEntry(const InstalledPolicy& policy, bool deny_flag,
                                uint32_t wait_for_exec) {
  return cvlsm_cgroup_policy{
      .policy_id = policy.policy_id,
      .proc_self_modes = policy.rules.proc_self_modes,
      .flags = (deny_flag ? CVLSM_POLICY_HAS_DENY_RULES : 0u) |
               (policy.mode == PolicyMode::kAudit ? CVLSM_POLICY_AUDIT : 0u) | policy.network_flags,
      .wait_for_exec = wait_for_exec};
}

}  // namespace cvlsm
