#include "harness.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bpf_prog_stats.h"
#include "json_line.h"
#include "machine_info.h"
#include "scratch_tree.h"
#include "stats.h"

namespace cvlsm::bench {
namespace {

void EmitMeta(const Workload& workload, const BenchOptions& options) {
  Emit(MachineMeta(workload.bench)
           .Add("rounds", options.rounds)
           .Add("iterations", options.iterations)
           .Add("depths", options.depths)
           .Add("rules", options.rules));
}

// The BPF programs whose own run time a benchmark reports: output key prefix -> program.
struct TracedProg {
  std::string key;
  std::string name;
  UniqueFd fd;
};

std::vector<TracedProg> FindTracedProgs(const Workload& workload, uint32_t loaded_after) {
  std::vector<TracedProg> progs;
  for (const auto& [key, name] : workload.traced_programs) {
    absl::StatusOr<UniqueFd> fd = FindBpfProg(name, loaded_after);
    if (!fd.ok()) {
      std::fprintf(stderr, "bench: %s: %s\n", name.c_str(), fd.status().ToString().c_str());
      continue;
    }
    progs.push_back({key, name, *std::move(fd)});
  }
  return progs;
}

struct ProgDelta {
  double avg_ns = NAN;
  uint64_t runs = 0;
};

// One extra child per (depth, config) with run-time statistics on, outside the timed
// rounds: the statistics add two clock reads to every program run.
absl::StatusOr<std::vector<ProgDelta>> MeasureProgs(const ConfigSet& configs,
                                                    const Workload& workload, const ChildRun& run,
                                                    const std::vector<TracedProg>& progs) {
  absl::StatusOr<UniqueFd> stats = EnableRunTimeStats();
  if (!stats.ok()) return stats.status();
  std::vector<ProgRunStats> before;
  for (const TracedProg& prog : progs) {
    absl::StatusOr<ProgRunStats> now = ReadRunStats(prog.fd.get());
    if (!now.ok()) return now.status();
    before.push_back(*now);
  }
  if (absl::StatusOr<double> median = RunInChild(configs, workload, run); !median.ok()) {
    return median.status();
  }
  std::vector<ProgDelta> deltas;
  for (size_t i = 0; i < progs.size(); ++i) {
    absl::StatusOr<ProgRunStats> now = ReadRunStats(progs[i].fd.get());
    if (!now.ok()) return now.status();
    ProgDelta delta;
    delta.runs = now->run_cnt - before[i].run_cnt;
    if (delta.runs > 0) {
      delta.avg_ns = static_cast<double>(now->run_time_ns - before[i].run_time_ns) /
                     static_cast<double>(delta.runs);
    }
    deltas.push_back(delta);
  }
  return deltas;
}

// The statistics are means over every call, so one interrupt or emulator hiccup inside a
// program run skews a child's figure: take the median over a few children, interleaved.
constexpr int kProgStatRepeats = 5;

absl::StatusOr<std::map<Config, std::vector<ProgDelta>>> MeasureProgsRepeated(
    const ConfigSet& configs, const Workload& workload, ChildRun run,
    const std::vector<TracedProg>& progs) {
  std::map<Config, std::vector<ProgDelta>> result;
  std::map<Config, std::vector<std::vector<double>>> averages;  // config -> prog -> values
  for (int repeat = 0; repeat < kProgStatRepeats; ++repeat) {
    for (Config config : {Config::kNone, Config::kBpfLsm}) {
      run.config = config;
      absl::StatusOr<std::vector<ProgDelta>> deltas = MeasureProgs(configs, workload, run, progs);
      if (!deltas.ok()) return deltas.status();
      result[config].resize(progs.size());
      averages[config].resize(progs.size());
      for (size_t i = 0; i < progs.size(); ++i) {
        result[config][i].runs += (*deltas)[i].runs;
        averages[config][i].push_back((*deltas)[i].avg_ns);
      }
    }
  }
  for (auto& [config, deltas] : result) {
    for (size_t i = 0; i < deltas.size(); ++i) {
      deltas[i].avg_ns = Percentile(averages[config][i], 0.5);
    }
  }
  return result;
}

std::string TargetAt(const Workload& workload, const ScratchTree& tree, int depth) {
  if (!workload.fixed_target.empty()) return workload.fixed_target;
  return workload.runs_binary ? tree.BinaryAt(depth) : tree.FileAt(depth);
}

absl::StatusOr<Policy> BenchPolicy(const ScratchTree& tree, int rules) {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  // The one rule that matters (rwx: the exec benchmark runs binaries from the tree), then
  // decoys on other directories so the maps and rulesets hold `rules` entries in all.
  if (absl::Status status = policy.AddPath(tree.tree(), kAllModes); !status.ok()) return status;
  for (int i = 0; i + 1 < rules; ++i) {
    if (absl::Status status = policy.AddPath(tree.Decoy(i), kRead); !status.ok()) return status;
  }
  return policy;
}

}  // namespace

absl::Status RunBenchmark(const Workload& workload, const BenchOptions& options) {
  EmitMeta(workload, options);
  int max_rules = *std::max_element(options.rules.begin(), options.rules.end());
  int max_depth = *std::max_element(options.depths.begin(), options.depths.end());
  RaiseFileLimit(max_rules);

  absl::StatusOr<ScratchTree> tree = ScratchTree::Create(
      options.scratch_parent, max_depth, workload.runs_binary ? options.exec_binary : "");
  if (!tree.ok()) return tree.status();
  if (absl::Status status = tree->EnsureDecoys(max_rules); !status.ok()) return status;

  // The machine before this bench loads anything: what every process outside confinement
  // pays for the programs being attached is "none" over this. Skipped when cv-lsm programs
  // are loaded already (pinned), since then there is no such machine to measure.
  std::map<int, std::vector<double>> unloaded;  // depth -> per-round medians
  if (!FindBpfProg("cvlsm_file_open", 0).ok()) {
    ConfigSet nothing_loaded;
    for (int round = 0; round < options.rounds; ++round) {
      for (int depth : options.depths) {
        ChildRun run{Config::kNone, TargetAt(workload, *tree, depth), tree->outside(),
                     options.iterations};
        absl::StatusOr<double> median = RunInChild(nothing_loaded, workload, run);
        if (!median.ok()) return median.status();
        unloaded[depth].push_back(*median);
      }
    }
    for (const auto& [depth, values] : unloaded) {
      Emit(JsonLine()
               .Add("bench", workload.bench)
               .Add("config", "unloaded")
               .Add("depth", depth)
               .Add("rounds", options.rounds)
               .Add("iterations", options.iterations)
               .Add("median_ns", Percentile(values, 0.5))
               .Add("p10_ns", Percentile(values, 0.1))
               .Add("p90_ns", Percentile(values, 0.9)));
    }
  }

  uint32_t loaded_before = HighestBpfProgId();
  ConfigSet configs = ConfigSet::Load(workload.seccomp_preset);
  std::vector<Config> available;
  for (Config config : kAllConfigs) {
    if (configs.unavailable(config).empty()) {
      available.push_back(config);
    } else {
      Emit(JsonLine()
               .Add("bench", workload.bench)
               .Add("config", ConfigName(config))
               .Add("unavailable", configs.unavailable(config)));
    }
  }
  std::vector<TracedProg> progs;
  if (configs.unavailable(Config::kBpfLsm).empty())
    progs = FindTracedProgs(workload, loaded_before);

  for (int rules : options.rules) {
    int policy_rules = std::max(rules, 1);  // the target rule is always there
    absl::Time start = absl::Now();
    absl::StatusOr<Policy> policy =
        workload.policy ? workload.policy(*tree, policy_rules) : BenchPolicy(*tree, policy_rules);
    if (!policy.ok()) return policy.status();
    if (absl::Status status = configs.Apply(*policy); !status.ok()) return status;
    std::fprintf(stderr, "bench: %s: %d rules applied in %.1f s\n", workload.bench.c_str(),
                 policy_rules, absl::ToDoubleSeconds(absl::Now() - start));

    // medians[depth][config]: one per-round median per round.
    std::map<int, std::map<Config, std::vector<double>>> medians;
    for (int round = 0; round < options.rounds; ++round) {
      for (int depth : options.depths) {
        for (size_t i = 0; i < available.size(); ++i) {
          // Rotate the order each round, so no configuration always runs first.
          Config config = available[(i + round) % available.size()];
          ChildRun run{config, TargetAt(workload, *tree, depth), tree->outside(),
                       options.iterations};
          absl::StatusOr<double> median = RunInChild(configs, workload, run);
          if (!median.ok()) return median.status();
          medians[depth][config].push_back(*median);
        }
      }
    }

    for (int depth : options.depths) {
      std::map<Config, std::vector<ProgDelta>> prog_deltas;
      if (!progs.empty()) {
        ChildRun run{Config::kNone, TargetAt(workload, *tree, depth), tree->outside(),
                     options.iterations};
        absl::StatusOr<std::map<Config, std::vector<ProgDelta>>> measured =
            MeasureProgsRepeated(configs, workload, run, progs);
        if (!measured.ok()) return measured.status();
        prog_deltas = *std::move(measured);
      }
      double none = Percentile(medians[depth][Config::kNone], 0.5);
      for (Config config : available) {
        const std::vector<double>& values = medians[depth][config];
        double median = Percentile(values, 0.5);
        JsonLine line;
        line.Add("bench", workload.bench)
            .Add("config", ConfigName(config))
            .Add("depth", depth)
            .Add("rules", rules)
            .Add("policy_rules", policy_rules)
            .Add("rounds", options.rounds)
            .Add("iterations", options.iterations)
            .Add("median_ns", median)
            .Add("p10_ns", Percentile(values, 0.1))
            .Add("p90_ns", Percentile(values, 0.9))
            .Add("ratio_to_none", median / none);
        if (config == Config::kNone && unloaded.contains(depth)) {
          line.Add("ratio_to_unloaded", median / Percentile(unloaded[depth], 0.5));
        }
        if (auto it = prog_deltas.find(config); it != prog_deltas.end()) {
          for (size_t i = 0; i < progs.size(); ++i) {
            line.Add(progs[i].key + "_avg_ns", it->second[i].avg_ns)
                .Add(progs[i].key + "_runs", it->second[i].runs);
          }
        }
        Emit(line);
      }
    }
  }
  return configs.ReleasePolicy();
}

int BenchMain(int argc, char** argv, const Workload& workload, const BenchDefaults& defaults) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(argc, argv, defaults);
  if (!options.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], std::string(options.status().message()).c_str());
    return 2;
  }
  if (absl::Status status = RunBenchmark(workload, *options); !status.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace cvlsm::bench
