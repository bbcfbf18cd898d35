// file_open: open()+close() of a file d components below the tree a policy allows, with N
// path rules in force, under no policy, bpf-lsm, landlock and the minimal seccomp filter.
// One JSON object per line on stdout (see README.md).
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "harness.h"

namespace cvlsm::bench {
namespace {

// Operations per sample: one clock read per block keeps the timer's own cost (and, where
// the clock is not in the vDSO, its syscall) out of the per-open figure.
constexpr int kBlock = 20;

int64_t NowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int OpenClose(const char* target, int iterations, double* samples, int max_samples) {
  int count = 0;
  for (int done = 0; done < iterations && count < max_samples; done += kBlock) {
    int block = iterations - done < kBlock ? iterations - done : kBlock;
    int64_t start = NowNs();
    for (int i = 0; i < block; ++i) {
      int fd = ::open(target, O_RDONLY | O_CLOEXEC);
      if (fd < 0) return -errno;
      ::close(fd);
    }
    samples[count++] = static_cast<double>(NowNs() - start) / block;
  }
  return count;
}

}  // namespace
}  // namespace cvlsm::bench

int main(int argc, char** argv) {
  using namespace cvlsm::bench;
  Workload workload;
  workload.bench = "file_open";
  workload.seccomp_preset = cvlsm::PolicyType::kMinimal;
  workload.run = OpenClose;
  BenchDefaults defaults;
  defaults.smoke.rounds = 3;
  defaults.smoke.iterations = 200;
  defaults.smoke.depths = {1, 8};
  defaults.smoke.rules = {0, 10};
  defaults.full_rules = {0, 10, 1000, 10000, 100000};
  return BenchMain(argc, argv, workload, defaults);
}
