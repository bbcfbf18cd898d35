#include "bpf_backend/canary_self_test.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "cvlsm_abi.h"

namespace cvlsm {
namespace {

// A file every kernel has, that the canary's empty policy must refuse.
constexpr char kCanaryTarget[] = "/proc/version";

enum CanaryResult { kCanaryDenied = 0, kCanaryOpened = 1, kCanaryJoinFailed = 2 };

// The canary's exit status (a CanaryResult), or -1 when it did not exit.
absl::StatusOr<int> RunCanary(const OwnedCgroup& cgroup) {
  UniqueFd procs(::open(cgroup.procs_file().c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs.valid()) return ErrnoError(errno, "open cgroup.procs");
  pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "fork");
  if (child == 0) {
    if (::write(procs.get(), "0", 1) != 1) ::_exit(kCanaryJoinFailed);
    int fd = ::open(kCanaryTarget, O_RDONLY | O_CLOEXEC);
    ::_exit(fd < 0 && errno == EACCES ? kCanaryDenied : kCanaryOpened);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

absl::Status SelfTest(Enforcer& enforcer) {
  ASSIGN_OR_RETURN(OwnedCgroup cgroup,
                   OwnedCgroup::Create("cv-lsm", absl::StrCat("selftest-", ::getpid()),
                                       CVLSM_MAX_CGROUP_DEPTH - 1));
  RETURN_IF_ERROR(enforcer.Apply(cgroup.id(), ResolvedPolicy{}, ApplyOptions{}));
  absl::StatusOr<int> result = RunCanary(cgroup);
  // The canary is gone by now: the cgroup, then its confinement.
  absl::Status removed = cgroup.Remove();
  RETURN_IF_ERROR(enforcer.Release(cgroup.id()));
  RETURN_IF_ERROR(result.status());
  RETURN_IF_ERROR(removed);
  if (*result == kCanaryDenied) return absl::OkStatus();
  if (*result == kCanaryOpened) {
    return WithRemedy(absl::FailedPreconditionError(absl::StrCat(
                          "the programs attached but did not run (a confined canary opened ",
                          kCanaryTarget, ")")),
                      "add 'bpf' to the kernel's lsm= boot parameter");
  }
  return absl::InternalError(absl::StrCat("the canary could not run (exit status ", *result, ")"));
}

}  // namespace

absl::Status RunCanarySelfTest(Enforcer& enforcer) {
  return Annotate(SelfTest(enforcer), "BPF LSM self-test");
}

}  // namespace cvlsm
