// The cost of policy operations, not of enforcement: building a policy of N path rules,
// resolving it to kernel objects, installing it for a cgroup, updating one rule, replacing
// all of it (the generation switch) and releasing it (bpf-lsm), and building the Landlock
// ruleset of the same rules. Each operation is one-shot with a fresh cgroup and its own
// setup, so rounds are timed by hand rather than with a micro-benchmark loop. Memory: the
// path-rules map's charge and the manager's resident set, before and after install.
//
// Output: one JSON line per (rules, tier, operation) and one "policy_memory" line per rule
// count; see bench/README.md.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench_options.h"
#include "bpf_backend/bpf_lsm_enforcer.h"
#include "bpf_backend/kernel_objects.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "cvlsm_abi.h"
#include "json_line.h"
#include "landlock/landlock_enforcer.h"
#include "machine_info.h"
#include "observe/cgroup_reports.h"
#include "scratch_tree.h"
#include "stats.h"

namespace cvlsm::bench {
namespace {

double NowNs() {
  struct timespec now {};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// Resident set of this process in bytes (VmRSS), 0 when unreadable.
double ResidentBytes() {
  FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof(line), status) != nullptr) {
    if (std::sscanf(line, "VmRSS: %lf kB", &kib) == 1) break;
  }
  std::fclose(status);
  return kib * 1024;
}

const ApplyOptions kUpdate{.to = ApplyTo::kUpdate};

// The policy's rules as the bpf-lsm tier installs them: opened, then keyed by kernel inode.
absl::StatusOr<ResolvedPolicy> KernelKeyed(const BpfLsmEnforcer& enforcer, const Policy& policy) {
  absl::StatusOr<ResolvedPolicy> rules = ResolvePathRules(policy);
  if (!rules.ok()) return rules.status();
  KernelObjects objects(enforcer.programs());
  return objects.Key(*std::move(rules));
}

// N rules, each allowing reads below its own directory.
absl::StatusOr<Policy> PolicyOf(const ScratchTree& tree, int rules) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  for (int i = 0; i < rules; ++i) {
    if (absl::Status status = policy.AddPath(tree.Decoy(i), kRead); !status.ok()) return status;
  }
  return policy;
}

// operation -> one time per round, in nanoseconds.
using Timings = std::map<std::string, std::vector<double>>;

struct MemoryReading {
  double map_bytes_before = 0, map_bytes_after = 0;
  double rss_before = 0, rss_after = 0;
  bool valid = false;
};

// One round of the bpf-lsm operations on a fresh cgroup. `spare` is a directory outside
// the policy that the one-rule update adds.
absl::Status BpfLsmRound(BpfLsmEnforcer& enforcer, const Policy& policy, const std::string& spare,
                         int round, Timings& timings, MemoryReading* memory) {
  absl::StatusOr<OwnedCgroup> cgroup = OwnedCgroup::Create(
      "cv-lsm", absl::StrCat("policy-ops-", ::getpid(), "-", round), CVLSM_MAX_CGROUP_DEPTH - 1);
  if (!cgroup.ok()) return Annotate(cgroup.status(), "policy-ops cgroup");
  const int rule_map = enforcer.programs().path_rules().fd();
  absl::StatusOr<uint64_t> map_before = MapMemoryBytes(rule_map);
  double rss_before = ResidentBytes();

  // Resolving: each path opened once, then which inode it is, as the hooks see it.
  double start = NowNs();
  absl::StatusOr<ResolvedPolicy> rules = KernelKeyed(enforcer, policy);
  timings["resolve"].push_back(NowNs() - start);
  if (!rules.ok()) return rules.status();
  ResolvedPolicy installed = *rules;  // kept to build the updates from

  start = NowNs();
  absl::Status status = enforcer.Apply(cgroup->id(), *std::move(rules), ApplyOptions{});
  timings["install"].push_back(NowNs() - start);
  if (!status.ok()) return status;
  if (memory != nullptr) {
    absl::StatusOr<uint64_t> map_after = MapMemoryBytes(rule_map);
    memory->valid = map_before.ok() && map_after.ok();
    if (memory->valid) {
      memory->map_bytes_before = static_cast<double>(*map_before);
      memory->map_bytes_after = static_cast<double>(*map_after);
    }
    memory->rss_before = rss_before;
    memory->rss_after = ResidentBytes();
  }

  // One more rule through the one-rule call: resolve that path, one map update.
  start = NowNs();
  status = enforcer.SetPathRule(cgroup->id(), spare, PathModes{.allow = kRead});
  timings["update_one"].push_back(NowNs() - start);
  if (!status.ok()) return status;
  start = NowNs();
  status = enforcer.RemovePathRule(cgroup->id(), spare);
  timings["remove_one"].push_back(NowNs() - start);
  if (!status.ok()) return status;

  // The same change handed over as a whole policy: Update finds the one difference (O(N)).
  ResolvedPolicy plus_one = installed;
  Policy one = Policy::Preset(PolicyType::kCustom);
  if (status = one.AddPath(spare, kRead); !status.ok()) return status;
  start = NowNs();
  absl::StatusOr<ResolvedPolicy> added = KernelKeyed(enforcer, one);
  if (!added.ok()) return added.status();
  plus_one.rules.push_back(added->rules.front());
  status = enforcer.Apply(cgroup->id(), std::move(plus_one), kUpdate);
  timings["update_diff"].push_back(NowNs() - start);
  if (!status.ok()) return status;

  // Every rule's modes change: a new generation of all N rules, then one switch.
  ResolvedPolicy changed = installed;
  for (ResolvedPathRule& rule : changed.rules) rule.modes.allow |= kWrite;
  start = NowNs();
  status = enforcer.Apply(cgroup->id(), std::move(changed), kUpdate);
  timings["replace_all"].push_back(NowNs() - start);
  if (!status.ok()) return status;

  start = NowNs();
  status = enforcer.Release(cgroup->id());
  timings["release"].push_back(NowNs() - start);
  if (!status.ok()) return status;
  return cgroup->Remove();
}

// Resolving the rules, then building the ruleset a launched process applies to itself.
absl::Status LandlockRound(Enforcer& landlock, const Policy& policy, Timings& timings) {
  constexpr uint64_t kCgroup = 1;  // Landlock keeps the rules under it; nothing is confined
  double start = NowNs();
  absl::StatusOr<ResolvedPolicy> rules = ResolvePathRules(policy);
  absl::Status status = rules.status();
  if (status.ok()) status = landlock.Apply(kCgroup, *std::move(rules), ApplyOptions{});
  absl::StatusOr<std::unique_ptr<ChildRestriction>> ruleset =
      status.ok() ? landlock.RestrictionForProcess(kCgroup) : status;
  timings["ruleset"].push_back(NowNs() - start);
  (void)landlock.Release(kCgroup);
  return ruleset.status();
}

void EmitTimings(int rules, absl::string_view tier, const Timings& timings) {
  for (const auto& [operation, values] : timings) {
    double median = Percentile(values, 0.5);
    Emit(JsonLine()
             .Add("bench", "policy_ops")
             .Add("tier", tier)
             .Add("operation", operation)
             .Add("rules", rules)
             .Add("rounds", static_cast<int>(values.size()))
             .Add("median_ns", median)
             .Add("p10_ns", Percentile(values, 0.1))
             .Add("p90_ns", Percentile(values, 0.9))
             .Add("per_rule_ns", median / rules));
  }
}

void EmitMemory(int rules, const MemoryReading& memory) {
  JsonLine line;
  line.Add("bench", "policy_memory").Add("tier", "bpf-lsm").Add("rules", rules);
  if (memory.valid) {
    double map_delta = memory.map_bytes_after - memory.map_bytes_before;
    // Before 6.4 the kernel charges a hash map by its limits, not its contents: the delta
    // is then 0 and only map_bytes_total (the whole map's charge) says anything.
    line.Add("map_bytes", map_delta)
        .Add("map_bytes_per_rule", map_delta / rules)
        .Add("map_bytes_total", memory.map_bytes_after);
  }
  double rss_delta = memory.rss_after - memory.rss_before;
  line.Add("rss_bytes", rss_delta).Add("rss_bytes_per_rule", rss_delta / rules);
  Emit(line);
}

absl::Status RunPolicyOps(const BenchOptions& options) {
  int max_rules = 1;
  for (int rules : options.rules) max_rules = std::max(max_rules, rules);
  RaiseFileLimit(max_rules);
  absl::StatusOr<ScratchTree> tree = ScratchTree::Create(options.scratch_parent, 1, "");
  if (!tree.ok()) return tree.status();
  // One decoy beyond the largest policy: the directory the one-rule update adds.
  if (absl::Status status = tree->EnsureDecoys(max_rules + 1); !status.ok()) return status;

  std::unique_ptr<BpfLsmEnforcer> bpf;
  if (absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> created = BpfLsmEnforcer::Create();
      created.ok()) {
    bpf = *std::move(created);
  } else {
    Emit(JsonLine()
             .Add("bench", "policy_ops")
             .Add("tier", "bpf-lsm")
             .Add("unavailable", created.status().message()));
  }
  std::unique_ptr<Enforcer> landlock;
  if (absl::StatusOr<std::unique_ptr<Enforcer>> created = LandlockEnforcer::Create();
      created.ok()) {
    landlock = *std::move(created);
  } else {
    Emit(JsonLine()
             .Add("bench", "policy_ops")
             .Add("tier", "landlock")
             .Add("unavailable", created.status().message()));
  }

  for (int rules : options.rules) {
    if (rules < 1) continue;  // an operation on no rules measures nothing
    Timings userspace, bpf_timings, landlock_timings;
    MemoryReading memory;
    for (int round = 0; round < options.rounds; ++round) {
      double start = NowNs();
      absl::StatusOr<Policy> policy = PolicyOf(*tree, rules);
      userspace["build"].push_back(NowNs() - start);
      if (!policy.ok()) return policy.status();
      if (bpf) {
        absl::Status status = BpfLsmRound(*bpf, *policy, tree->Decoy(max_rules), round, bpf_timings,
                                          round == 0 ? &memory : nullptr);
        if (!status.ok()) return Annotate(status, absl::StrCat("bpf-lsm, ", rules, " rules"));
      }
      if (landlock) {
        absl::Status status = LandlockRound(*landlock, *policy, landlock_timings);
        if (!status.ok()) return Annotate(status, absl::StrCat("landlock, ", rules, " rules"));
      }
    }
    EmitTimings(rules, "any", userspace);
    if (bpf) {
      EmitTimings(rules, "bpf-lsm", bpf_timings);
      EmitMemory(rules, memory);
    }
    if (landlock) EmitTimings(rules, "landlock", landlock_timings);
    std::fprintf(stderr, "bench: policy_ops: %d rules done\n", rules);
  }
  return absl::OkStatus();
}

void EmitMeta(const BenchOptions& options) {
  Emit(MachineMeta("policy_ops").Add("rounds", options.rounds).Add("rules", options.rules));
}

}  // namespace
}  // namespace cvlsm::bench

int main(int argc, char** argv) {
  using cvlsm::bench::BenchOptions;
  BenchOptions normal;
  normal.rounds = 5;
  normal.rules = {10, 1000, 10000};
  BenchOptions smoke = normal;
  smoke.rounds = 2;
  smoke.rules = {10, 100};
  absl::StatusOr<BenchOptions> options = cvlsm::bench::ParseBenchOptions(
      argc, argv,
      {.normal = normal, .smoke = smoke, .full_rules = {10, 1000, 10000, 100000}, .full = {}});
  if (!options.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], std::string(options.status().message()).c_str());
    return 2;
  }
  cvlsm::bench::EmitMeta(*options);
  if (absl::Status status = cvlsm::bench::RunPolicyOps(*options); !status.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], status.ToString().c_str());
    return 1;
  }
  return 0;
}
