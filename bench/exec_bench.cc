// exec: fork+exec+wait of a tiny static binary placed d components below the tree a policy
// allows, with N path rules in force, under no policy, bpf-lsm, landlock and the build
// preset's seccomp filter (the minimal one has no fork or exec). Output as file_open's.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "harness.h"

namespace cvlsm::bench {
namespace {

int64_t NowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int ForkExecWait(const char* target, int iterations, double* samples, int max_samples) {
  char* const argv[] = {const_cast<char*>(target), nullptr};
  char* const envp[] = {nullptr};
  int count = 0;
  for (; count < iterations && count < max_samples; ++count) {
    int64_t start = NowNs();
    pid_t child = ::fork();
    if (child < 0) return -errno;
    if (child == 0) {
      ::execve(target, argv, envp);
      ::_exit(errno == EACCES ? 126 : 127);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) return -errno;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return WIFEXITED(status) && WEXITSTATUS(status) == 126 ? -EACCES : -ECHILD;
    }
    samples[count] = static_cast<double>(NowNs() - start);
  }
  return count;
}

// The static binary is built next to this program.
std::string DefaultBinary() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "cvlsm_bench_true";
  std::string path(self, n);
  return path.substr(0, path.rfind('/') + 1) + "cvlsm_bench_true";
}

}  // namespace
}  // namespace cvlsm::bench

int main(int argc, char** argv) {
  using namespace cvlsm::bench;
  Workload workload;
  workload.bench = "exec";
  workload.runs_binary = true;
  workload.seccomp_preset = cvlsm::PolicyType::kBuild;
  workload.run = ForkExecWait;
  // An exec is checked three ways: the open (FMODE_EXEC), bprm_check, and mmap_file per
  // executable mapping.
  workload.traced_programs = {{"bpf_file_open", "cvlsm_file_open"},
                              {"bpf_bprm_check", "cvlsm_bprm_chec"},
                              {"bpf_mmap_file", "cvlsm_mmap_file"}};
  BenchDefaults defaults;
  defaults.normal.rounds = 15;
  defaults.normal.iterations = 100;
  defaults.normal.depths = {1, 8};
  defaults.normal.rules = {0, 10000};
  defaults.smoke.rounds = 3;
  defaults.smoke.iterations = 20;
  defaults.smoke.depths = {1, 8};
  defaults.smoke.rules = {0, 10};
  defaults.full_rules = {0, 10, 1000, 10000, 100000};
  std::string binary = DefaultBinary();
  defaults.normal.exec_binary = binary;
  defaults.smoke.exec_binary = binary;
  return BenchMain(argc, argv, workload, defaults);
}
