// The benchmark loop shared by file_open and exec: for each rule count, puts a policy of
// that many rules in force, then runs every (depth, configuration) in a fresh child per
// round, interleaved round-robin, and prints one JSON line per (depth, rules, config).
#pragma once

#include "absl/status/status.h"
#include "bench_options.h"
#include "child_runner.h"

namespace cvlsm::bench {

absl::Status RunBenchmark(const Workload& workload, const BenchOptions& options);

// main() of a benchmark: parses the options, runs, reports errors; the exit status.
int BenchMain(int argc, char** argv, const Workload& workload, const BenchDefaults& defaults);

}  // namespace cvlsm::bench
