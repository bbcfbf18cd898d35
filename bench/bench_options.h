// Command-line options shared by the benchmarks: sizes of the run and where the scratch tree
// goes. Each benchmark supplies its own defaults (an exec costs far more than an open).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cvlsm::bench {

struct BenchOptions {
  int rounds = 30;
  int iterations = 2000;
  std::vector<int> depths = {1, 4, 8, 16};
  std::vector<int> rules = {0, 10, 1000, 10000};
  // Parent of the scratch tree (a fresh directory is made below it and removed at exit).
  std::string scratch_parent = "/var/tmp";
  // exec benchmark: the tiny static binary to copy into the tree and run.
  std::string exec_binary;
  // syscall benchmark: the Docker seccomp profile to compare with.
  std::string profile;
};

// Sizes a benchmark uses for the default run, --smoke and --full.
struct BenchDefaults {
  BenchOptions normal;
  BenchOptions smoke;
  std::vector<int> full_rules;       // --full replaces the rule counts with these
  std::optional<BenchOptions> full;  // if set, --full replaces all sizes with these instead
};

// Parses [--smoke|--full] [--rounds N] [--iterations N] [--depths 1,4] [--rules 0,10]
// [--scratch DIR] [--exec-binary PATH] [--profile PATH]; explicit sizes override the preset's.
absl::StatusOr<BenchOptions> ParseBenchOptions(int argc, char** argv,
                                               const BenchDefaults& defaults);

}  // namespace cvlsm::bench
