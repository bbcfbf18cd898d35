// syscall: the cost of a seccomp filter per syscall, natively on the host, no root needed
// (no_new_privs + seccomp). Filters: none, each cv-lsm preset and Docker's default profile
// compiled as runc does, each with libseccomp's priority order and its binary tree, each
// with the kernel's action cache working and defeated. One JSON object per line on stdout
// (see README.md).
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench_options.h"
#include "common/errors.h"
#include "common/unique_fd.h"
#include "json_line.h"
#include "machine_info.h"
#include "policy/policy.h"
#include "seccomp/oci_profile.h"
#include "seccomp/seccomp_program.h"
#include "seccomp/syscall_filter.h"
#include "stats.h"
#include "syscall_workloads.h"
#include "testing/bpf_evaluator.h"
#include "testing/oci_compiler.h"

namespace cvlsm::bench {
namespace {

// The profile's file name only: results are committed, and a machine's paths stay out.
std::string ProfileName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Operations per sample: one clock read per block keeps the timer out of the figure.
constexpr int kBlock = 50;
constexpr int kWarmupOps = 200;

// Reading instruction_pointer makes every verdict depend on more than the syscall number,
// so the kernel's action cache (5.11+), which skips the filters for syscalls they allow
// whatever the arguments, stays empty for every syscall; stacked on top of a filter it
// turns the cache off for that filter too (the cache is the intersection over the stack).
const sock_filter kCacheDefeat[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

struct FilterConfig {
  std::string name;      // "none", "minimal", ..., "docker-default"
  std::string optimize;  // "none", "priority", "binary-tree"
  std::optional<SeccompProgram> program;
};

struct Cell {
  size_t config;
  bool action_cache;
};

int64_t NowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Whether the child is under what it should be: a filter must refuse personality(
// ADDR_NO_RANDOMIZE) (every preset leaves personality out, Docker allows five other
// values); the defeat filter alone allows everything; none has no filter.
int CheckRestricted(bool filtered, bool defeat) {
  if (filtered) {
    if (::personality(ADDR_NO_RANDOMIZE) != -1) return EPERM;
    return errno == EPERM ? 0 : errno;
  }
  const int mode = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  if (mode < 0) return errno;
  return mode == (defeat ? SECCOMP_MODE_FILTER : SECCOMP_MODE_DISABLED) ? 0 : EPERM;
}

struct Report {
  int32_t stage = 0;  // 0 success, 1 install, 2 check, 3 workload
  int32_t error = 0;
  double median_ns = 0;
};

[[noreturn]] void ChildMain(const FilterConfig& config, bool action_cache,
                            const SyscallWorkload& workload, const WorkloadFds& fds, int ops,
                            double* samples, int max_samples, int report_fd) {
  Report report;
  auto finish = [&](int32_t stage, int error) {
    report.stage = stage;
    report.error = error;
    (void)!::write(report_fd, &report, sizeof(report));
    ::_exit(0);
  };
  const SeccompProgram defeat(
      std::vector<sock_filter>(std::begin(kCacheDefeat), std::end(kCacheDefeat)));
  if (config.program || !action_cache) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) finish(1, errno);
  }
  // The defeat filter first: the configs' filters refuse seccomp(2) itself.
  if (!action_cache) {
    if (int err = defeat.InstallInCurrentThread(); err != 0) finish(1, err);
  }
  if (config.program) {
    if (int err = config.program->InstallInCurrentThread(); err != 0) finish(1, err);
  }
  if (int err = CheckRestricted(config.program.has_value(), !action_cache); err != 0) {
    finish(2, err);
  }
  for (int i = 0; i < kWarmupOps; ++i) {
    if (int err = workload.op(fds); err != 0) finish(3, -err);
  }
  const double per_block = static_cast<double>(kBlock) * workload.syscalls.size();
  int count = 0;
  for (int done = 0; done < ops && count < max_samples; done += kBlock) {
    const int64_t start = NowNs();
    for (int i = 0; i < kBlock; ++i) {
      if (int err = workload.op(fds); err != 0) finish(3, -err);
    }
    samples[count++] = static_cast<double>(NowNs() - start) / per_block;
  }
  if (count == 0) finish(3, EIO);
  std::nth_element(samples, samples + count / 2, samples + count);
  report.median_ns = samples[count / 2];
  finish(0, 0);
  ::_exit(0);  // not reached: finish exits
}

absl::string_view StageName(int32_t stage) {
  switch (stage) {
    case 1:
      return "installing the filters";
    case 2:
      return "checking the filter is in force";
    case 3:
      return "running the workload (is one of its syscalls refused?)";
  }
  return "?";
}

// One measurement in a fresh child (filters cannot be removed): its median ns per syscall.
absl::StatusOr<double> MeasureInChild(const FilterConfig& config, bool action_cache,
                                      const SyscallWorkload& workload, const WorkloadFds& fds,
                                      int ops) {
  std::vector<double> samples(ops / kBlock + 1);  // allocated before fork
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoError(errno, "pipe");
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  const pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "fork");
  if (child == 0) {
    ChildMain(config, action_cache, workload, fds, ops, samples.data(),
              static_cast<int>(samples.size()), write_end.get());
  }
  write_end.Reset();
  Report report;
  size_t got = 0;
  while (got < sizeof(report)) {
    const ssize_t n =
        ::read(read_end.get(), reinterpret_cast<char*>(&report) + got, sizeof(report) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string what =
      absl::StrCat("syscall ", workload.name, " ", config.name, " (", config.optimize,
                   ", action cache ", action_cache ? "on" : "off", ") child");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(what, " died (wait status ", status, ")"));
  }
  if (got != sizeof(report)) return absl::InternalError(absl::StrCat(what, " sent no report"));
  if (report.stage != 0) {
    return ErrnoError(report.error, absl::StrCat(what, ": ", StageName(report.stage)));
  }
  return report.median_ns;
}

// Instructions the filter runs per syscall of the workload (mean), from the evaluator.
double InstructionsPerSyscall(const FilterConfig& config, const SyscallWorkload& workload) {
  if (!config.program) return 0;
  double total = 0;
  for (int nr : workload.syscalls) {
    seccomp_data data{};
    data.nr = nr;
    data.arch = seccomp_arch_native();
    total += EvaluateSeccompProgram(config.program->instructions(), data).instructions;
  }
  return total / static_cast<double>(workload.syscalls.size());
}

std::string DefaultProfilePath() {
  const std::string built_in = CVLSM_DOCKER_SECCOMP_PROFILE;
  if (::access(built_in.c_str(), R_OK) == 0) return built_in;
  // Next to the binary, for a build directory moved away from its sources.
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    if (::access((dir + "docker-default.json").c_str(), R_OK) == 0) {
      return dir + "docker-default.json";
    }
  }
  return built_in;
}

struct DockerInfo {
  std::vector<std::string> unknown_syscalls;
  std::vector<std::string> warnings;
  std::vector<std::string> architectures;
  int rules = 0;
};

absl::StatusOr<std::vector<FilterConfig>> BuildConfigs(const std::string& profile_path,
                                                       DockerInfo& docker) {
  std::vector<FilterConfig> configs;
  configs.push_back({"none", "none", std::nullopt});
  const SeccompOptimize levels[] = {SeccompOptimize::kPriority, SeccompOptimize::kBinaryTree};
  for (PolicyType type : {PolicyType::kMinimal, PolicyType::kBuild, PolicyType::kNetwork}) {
    for (SeccompOptimize level : levels) {
      absl::StatusOr<SyscallFilter> filter =
          SyscallFilter::Build(Policy::Preset(type), {.optimize = level});
      if (!filter.ok()) return Annotate(filter.status(), PolicyTypeName(type));
      configs.push_back({std::string(PolicyTypeName(type)), std::string(SeccompOptimizeName(level)),
                         filter->program()});
    }
  }
  absl::StatusOr<OciSeccompProfile> profile = LoadOciSeccompProfile(profile_path);
  if (!profile.ok()) {
    return Annotate(profile.status(), "the Docker profile (pass its path with --profile)");
  }
  for (SeccompOptimize level : levels) {
    OciCompileOptions options;  // Docker's default capabilities, this arch and kernel
    options.optimize = level;
    absl::StatusOr<OciCompiledFilter> filter = CompileOciProfile(*profile, options);
    if (!filter.ok()) return filter.status();
    docker.unknown_syscalls = filter->unknown_syscalls;
    docker.warnings = filter->warnings;
    docker.architectures = filter->architectures;
    docker.rules = filter->rules_added;
    configs.push_back(
        {"docker-default", std::string(SeccompOptimizeName(level)), std::move(filter->program)});
  }
  return configs;
}

absl::Status RunSyscallBench(const BenchOptions& options) {
  const std::string profile_path = options.profile.empty() ? DefaultProfilePath() : options.profile;
  DockerInfo docker;
  absl::StatusOr<std::vector<FilterConfig>> configs = BuildConfigs(profile_path, docker);
  if (!configs.ok()) return configs.status();
  const std::span<const SyscallWorkload> workloads = SyscallWorkloads();

  std::vector<std::string> workload_names;
  for (const SyscallWorkload& workload : workloads) workload_names.push_back(workload.name);
  std::vector<std::string> config_names;
  for (const FilterConfig& config : *configs) {
    config_names.push_back(absl::StrCat(config.name, "/", config.optimize));
  }
  const scmp_version* version = seccomp_version();
  Emit(
      MachineMeta("syscall")
          .Add("rounds", options.rounds)
          .Add("iterations", options.iterations)
          .Add("workloads", absl::StrJoin(workload_names, ","))
          .Add("configs", absl::StrJoin(config_names, ","))
          .Add("libseccomp", absl::StrCat(version->major, ".", version->minor, ".", version->micro))
          .Add("spec_store_bypass",
               FirstLine("/sys/devices/system/cpu/vulnerabilities/spec_store_bypass"))
          .Add("docker_profile", ProfileName(profile_path))
          .Add("docker_architectures", absl::StrJoin(docker.architectures, ","))
          .Add("docker_rules", docker.rules)
          .Add("docker_unknown_syscalls", absl::StrJoin(docker.unknown_syscalls, ","))
          .Add("docker_warnings", absl::StrJoin(docker.warnings, "; "))
          .Add("action_cache_off",
               "a 2-instruction filter reading instruction_pointer is stacked on the "
               "config's filter; config none with action_cache false is that filter alone"));

  UniqueFd zero(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!zero.valid() || !null.valid()) return ErrnoError(errno, "opening /dev/zero, /dev/null");
  const WorkloadFds fds{zero.get(), null.get()};

  std::vector<Cell> cells;
  for (size_t i = 0; i < configs->size(); ++i) {
    for (bool cache : {true, false}) cells.push_back({i, cache});
  }
  // medians[workload][cell]: one per-round median per round.
  std::vector<std::vector<std::vector<double>>> medians(
      workloads.size(), std::vector<std::vector<double>>(cells.size()));
  for (int round = 0; round < options.rounds; ++round) {
    for (size_t w = 0; w < workloads.size(); ++w) {
      for (size_t i = 0; i < cells.size(); ++i) {
        // Rotate the order each round, so no configuration always runs first.
        const size_t c = (i + static_cast<size_t>(round)) % cells.size();
        // --iterations counts syscalls, so every workload makes as many per child.
        const int ops = std::max<int>(
            kBlock, options.iterations / static_cast<int>(workloads[w].syscalls.size()));
        absl::StatusOr<double> median = MeasureInChild(
            (*configs)[cells[c].config], cells[c].action_cache, workloads[w], fds, ops);
        if (!median.ok()) return median.status();
        medians[w][c].push_back(*median);
      }
    }
  }

  for (size_t w = 0; w < workloads.size(); ++w) {
    // cells[0] is none with the cache on (no filter); cells[1] the defeat filter alone.
    const double none = Percentile(medians[w][0], 0.5);
    const double defeat_only = Percentile(medians[w][1], 0.5);
    for (size_t c = 0; c < cells.size(); ++c) {
      const FilterConfig& config = (*configs)[cells[c].config];
      const double median = Percentile(medians[w][c], 0.5);
      JsonLine line;
      line.Add("bench", "syscall")
          .Add("workload", workloads[w].name)
          .Add("config", config.name)
          .Add("optimize", config.optimize)
          .Add("action_cache", cells[c].action_cache)
          .Add("filter_instructions",
               static_cast<int64_t>(config.program ? config.program->size() : 0))
          .Add("instructions_run", InstructionsPerSyscall(config, workloads[w]))
          .Add("rounds", options.rounds)
          .Add("iterations", options.iterations)
          .Add("median_ns", median)
          .Add("p10_ns", Percentile(medians[w][c], 0.1))
          .Add("p90_ns", Percentile(medians[w][c], 0.9))
          .Add("ratio_to_none", median / none)
          .Add("overhead_ns", median - none);
      if (!cells[c].action_cache) line.Add("overhead_vs_defeat_ns", median - defeat_only);
      Emit(line);
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace cvlsm::bench

int main(int argc, char** argv) {
  using namespace cvlsm::bench;
  BenchDefaults defaults;
  defaults.normal.rounds = 15;
  defaults.normal.iterations = 20000;
  defaults.smoke.rounds = 2;
  defaults.smoke.iterations = 500;
  BenchOptions full;
  full.rounds = 41;
  full.iterations = 50000;
  defaults.full = full;
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(argc, argv, defaults);
  if (!options.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], std::string(options.status().message()).c_str());
    return 2;
  }
  if (absl::Status status = RunSyscallBench(*options); !status.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], status.ToString().c_str());
    return 1;
  }
  return 0;
}
