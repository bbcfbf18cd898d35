#include "pinned/garbage.h"

#include <set>
#include <vector>

#include "bpf_backend/net_entries.h"
#include "bpf_backend/report_entries.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace cvlsm {

absl::StatusOr<size_t> CollectGarbage(BpfLsmEnforcer& enforcer, SharedPrograms& keeper,
                                      const std::function<bool(uint64_t cgroup_id)>& alive) {
  size_t released = 0;
  for (const BpfLsmEnforcer::CgroupConfinement& confinement : enforcer.List()) {
    if (alive(confinement.cgroup_id)) continue;
    RETURN_IF_ERROR(enforcer.Release(confinement.cgroup_id));
    ++released;
  }
  std::set<uint32_t> in_use;
  std::set<uint64_t> confined;
  for (const BpfLsmEnforcer::CgroupConfinement& confinement : enforcer.List()) {
    in_use.insert(confinement.policy_id);
    confined.insert(confinement.cgroup_id);
  }
  const LsmSkeleton& programs = enforcer.programs();
  // Counts and records a killed manager, or a hook racing a release, left behind.
  ForgetReportsExcept(programs, confined);
  std::vector<cvlsm_rule_key> unused;
  std::set<__u64> named;  // the inodes the rules left still name
  for (const cvlsm_rule_key& key : programs.path_rules().Keys()) {
    if (!in_use.contains(key.policy_id)) {
      unused.push_back(key);
    } else {
      named.insert(key.inode);
    }
  }
  RETURN_IF_ERROR(
      Annotate(programs.path_rules().DeleteBatch(unused), "delete rules no cgroup uses"));
  // Generations of inodes no rule names: the entry would otherwise stay until the inode is
  // freed, which a cached one may never be.
  std::vector<__u64> unnamed;
  for (__u64 inode : programs.rule_inodes().Keys()) {
    if (!named.contains(inode)) unnamed.push_back(inode);
  }
  RETURN_IF_ERROR(Annotate(programs.rule_inodes().DeleteBatch(unnamed),
                           "forget the generations of inodes no rule names"));
  DeleteNetworkEntries(programs, [&in_use](uint32_t id) { return !in_use.contains(id); });
  // Under the lock no manager is resolving: a count left up by a killed one goes.
  __atomic_store_n(&programs.state()->resolvers_active, 0, __ATOMIC_SEQ_CST);
  RETURN_IF_ERROR(Annotate(keeper.RetainOnly(std::vector<uint32_t>(in_use.begin(), in_use.end())),
                           "drop the pins of rules no cgroup uses"));
  return released;
}

}  // namespace cvlsm
