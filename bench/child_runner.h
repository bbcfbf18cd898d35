// One measurement: a forked child puts itself under a configuration, proves the restriction
// is in force, warms up, runs the workload and reports the median of its samples. A fresh
// child per measurement, so restrictions never stack.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "configs.h"

namespace cvlsm::bench {

class ScratchTree;

struct Workload {
  std::string bench;         // "file_open", "exec": the "bench" key of the output
  bool runs_binary = false;  // the target is ScratchTree::BinaryAt, else FileAt
  PolicyType seccomp_preset = PolicyType::kMinimal;
  // When set, the target of every measurement (e.g. "127.0.0.1:PORT"), whatever the depth.
  std::string fixed_target;
  // The policy of `rules` rules in force; when null, the tree's rule plus rules-1 decoy
  // path rules.
  absl::StatusOr<Policy> (*policy)(const ScratchTree& tree, int rules) = nullptr;
  // The programs whose own run time is reported: {output key, program name (15 chars)}.
  std::vector<std::pair<std::string, std::string>> traced_programs = {
      {"bpf_file_open", "cvlsm_file_open"}};
  // In the confined child: `iterations` operations on `target`, writing one sample (mean ns
  // per operation over a block of operations) per block into `samples`. Returns the number
  // of samples written (at most `max_samples`) or -errno. Only syscalls, no allocation.
  int (*run)(const char* target, int iterations, double* samples, int max_samples) = nullptr;
};

struct ChildRun {
  Config config;
  std::string target;   // what the workload operates on
  std::string outside;  // a file no rule allows: bpf-lsm and landlock must refuse it
  int iterations = 0;
};

// The child's median sample (ns per operation); an error names the stage that failed.
absl::StatusOr<double> RunInChild(const ConfigSet& configs, const Workload& workload,
                                  const ChildRun& run);

}  // namespace cvlsm::bench
