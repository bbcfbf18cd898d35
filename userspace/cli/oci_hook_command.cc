// `cv-lsm oci-hook`: an OCI createRuntime hook. It reads the container's state from stdin
// and, when the container asks for a policy (annotation org.cv-lsm.policy), confines the
// container's cgroup with the BPF LSM programs pinned for the machine. It never loads them
// itself: the pin keeper would be a process left below the runtime, and `crun run`, a
// child subreaper, waits for every one of those before it returns. Quiet
// on success and for containers without the annotation. Any failure fails the container's start:
// one line on stderr names the container, the problem and the remedy (runc shows it; crun writes it
// to the file its annotation run.oci.hooks.stderr names).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "common/log.h"
#include "oci/container_state.h"
#include "oci/hook_plan.h"
#include "pinned/cgroup_policy.h"
#include "probe/kernel_probe.h"
#include "runtime/confined_process.h"

namespace cvlsm::cli {
namespace {

int Fail(absl::string_view container_id, const absl::Status& status) {
  return FailCommand("oci-hook", Annotate(status, absl::StrCat("container ", container_id)));
}

}  // namespace

int OciHookCommand(const OciHookOptions&) {
  absl::StatusOr<ContainerState> state =
      ReadContainerState(STDIN_FILENO, "the container state on stdin");
  if (!state.ok()) return Fail("(unknown)", state.status());
  // As a poststop hook: the container and its cgroup are gone; release what removed
  // cgroups still hold in the maps and the keeper (a failure must not fail the stop).
  if (state->status == "stopped") {
    absl::StatusOr<size_t> released = ReleaseRemovedCgroups();
    if (!released.ok() && !absl::IsFailedPrecondition(released.status())) {
      LogWarning("oci-hook",
                 absl::StrCat("container ", state->id, ": ", ErrorText(released.status())));
    }
    return 0;
  }
  absl::StatusOr<HookPlan> plan = PlanHook(*state);
  if (!plan.ok()) return Fail(state->id, plan.status());
  if (!plan->confine) return 0;
  // At any later stage the container's command already runs, and waiting for its first
  // exec would leave it unconfined.
  if (state->status != "creating" && state->status != "created") {
    return Fail(state->id, absl::InvalidArgumentError(absl::StrCat(
                               "the container is \"", state->status,
                               "\": cv-lsm oci-hook confines at createRuntime or prestart "
                               "(and releases at poststop); fix the hook's stage")));
  }

  absl::StatusOr<std::vector<std::string>> lsms = ReadActiveLsms();
  if (!lsms.ok()) return Fail(state->id, lsms.status());
  if (absl::Status status = RequireBpfLsm(*lsms); !status.ok()) return Fail(state->id, status);

  // Paths only: a seccomp filter cannot be given to processes that already run, so the
  // policy's syscall list is the runtime's to enforce (linux.seccomp in config.json).
  ApplyRequest request;
  request.cgroup_path = plan->cgroup_path;
  request.policy.name = plan->policy_source;
  request.policy.policy = std::move(plan->policy);
  request.policy.mode = plan->mode;
  // Confined from the container's command on: the runtime still sets the container up
  // from inside its cgroup after this hook (its init execs the command last).
  request.from_next_exec = true;
  request.policy_source = plan->policy_source;
  request.resolution_root = plan->resolution_root;
  if (absl::Status status = ApplyCgroupPolicy(request); !status.ok()) {
    return Fail(state->id, status);
  }
  Log(LogLevel::kInfo, "oci-hook",
      absl::StrCat("container ", state->id, ": ", plan->cgroup_path, " confined to ",
                   plan->policy_source,
                   plan->mode == PolicyMode::kAudit
                       ? " in audit mode (nothing denied, would-be denials reported)"
                       : "",
                   ", paths resolved in ", plan->resolution_root));
  return 0;
}

}  // namespace cvlsm::cli
