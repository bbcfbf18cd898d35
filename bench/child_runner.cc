#include "child_runner.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/unique_fd.h"

namespace cvlsm::bench {
namespace {

// Untimed operations first: the first open after joining a cgroup or restricting oneself
// pays one-off costs (dentry and policy caches) that are not the steady state.
constexpr int kWarmupIterations = 20;

enum Stage : int32_t { kStageEnter = 1, kStageCheck = 2, kStageWorkload = 3 };

struct Report {
  int32_t stage = 0;  // 0: success
  int32_t error = 0;  // errno
  double median_ns = 0;
};

// Whether the child is really under `config` (a benchmark of a restriction that is not in
// force would measure nothing). 0 or an errno describing the surprise.
int CheckRestricted(Config config, const char* outside) {
  switch (config) {
    case Config::kNone:
      return 0;
    case Config::kBpfLsm:
    case Config::kLandlock: {
      int fd = ::open(outside, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        ::close(fd);
        return EPERM;  // opened what no rule allows: not confined
      }
      return errno == EACCES ? 0 : errno;
    }
    case Config::kSeccomp:
      // personality is in no preset: the query is refused under every filter.
      if (::syscall(SYS_personality, 0xffffffffUL) >= 0) return EPERM;
      return errno == EPERM ? 0 : errno;
  }
  return EINVAL;
}

[[noreturn]] void ChildMain(const ConfigSet& configs, const Workload& workload, const ChildRun& run,
                            int report_fd, double* samples, int max_samples) {
  Report report;
  auto finish = [&](Stage stage, int error) {
    report.stage = stage;
    report.error = error;
    (void)!::write(3, &report, sizeof(report));
    ::_exit(0);
  };
  if (int err = configs.EnterInChild(run.config); err != 0) {
    report.stage = kStageEnter;
    report.error = err;
    (void)!::write(report_fd, &report, sizeof(report));
    ::_exit(0);
  }
  // Only the report pipe stays open: large policies pin thousands of descriptors that an
  // exec workload would otherwise copy on every fork.
  if (report_fd != 3 && ::dup2(report_fd, 3) != 3) finish(kStageEnter, errno);
  ::close_range(4, ~0U, 0);

  if (int err = CheckRestricted(run.config, run.outside.c_str()); err != 0) {
    finish(kStageCheck, err);
  }
  int warmup = workload.run(run.target.c_str(), kWarmupIterations, samples, max_samples);
  if (warmup < 0) finish(kStageWorkload, -warmup);
  int count = workload.run(run.target.c_str(), run.iterations, samples, max_samples);
  if (count <= 0) finish(kStageWorkload, count < 0 ? -count : EIO);
  std::nth_element(samples, samples + count / 2, samples + count);
  report.median_ns = samples[count / 2];
  finish(static_cast<Stage>(0), 0);
  ::_exit(0);  // not reached: finish exits
}

absl::string_view StageName(int32_t stage) {
  switch (stage) {
    case kStageEnter:
      return "entering the configuration";
    case kStageCheck:
      return "checking the restriction is in force";
    case kStageWorkload:
      return "running the workload";
  }
  return "?";
}

}  // namespace

absl::StatusOr<double> RunInChild(const ConfigSet& configs, const Workload& workload,
                                  const ChildRun& run) {
  // Allocated before fork: the child only touches its copy.
  std::vector<double> samples(std::max(run.iterations, kWarmupIterations));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoError(errno, "pipe");
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "fork");
  if (child == 0) {
    ChildMain(configs, workload, run, write_end.get(), samples.data(),
              static_cast<int>(samples.size()));
  }
  write_end.Reset();
  Report report;
  size_t got = 0;
  while (got < sizeof(report)) {
    ssize_t n =
        ::read(read_end.get(), reinterpret_cast<char*>(&report) + got, sizeof(report) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::string what = absl::StrCat(workload.bench, " ", ConfigName(run.config), " child");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(what, " died (wait status ", status, ")"));
  }
  if (got != sizeof(report)) return absl::InternalError(absl::StrCat(what, " sent no report"));
  if (report.stage != 0) {
    return ErrnoError(report.error,
                      absl::StrCat(what, ": ", StageName(report.stage), " (", run.target, ")"));
  }
  return report.median_ns;
}

}  // namespace cvlsm::bench
