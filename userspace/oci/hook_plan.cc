#include "oci/hook_plan.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "json/json_source.h"
#include "oci/annotated_policy.h"
#include "oci/bundle_config.h"
#include "oci/container_root.h"
#include "oci/process_cgroup.h"

namespace cvlsm {

absl::StatusOr<HookPlan> PlanHook(const ContainerState& state, const HookEnvironment& env) {
  HookPlan plan;
  auto annotation = state.annotations.find(std::string(kPolicyAnnotation));
  if (annotation == state.annotations.end()) return plan;
  // A Kubernetes pod's sandbox (pause) container carries the pod's annotations but runs
  // no workload: the policy is meant for the pod's containers.
  // Pod authors can set either runtime's key too: skipped only when one says sandbox and
  // none says anything else.
  bool sandbox = false, workload = false;
  for (const char* key :
       {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType"}) {
    auto type = state.annotations.find(key);
    if (type == state.annotations.end()) continue;
    sandbox |= type->second == "sandbox";
    workload |= type->second != "sandbox";
  }
  if (sandbox && !workload) return plan;

  ASSIGN_OR_RETURN(AnnotatedPolicy policy, LoadAnnotatedPolicy(annotation->second, state.bundle));
  if (state.pid <= 0) {
    return absl::InvalidArgumentError(
        "the container state has no pid; run cv-lsm oci-hook as a createRuntime (or prestart) "
        "hook, where the container's process exists");
  }

  ASSIGN_OR_RETURN(std::string mount, env.cgroup2_mount.empty()
                                          ? FindCgroup2Mount()
                                          : absl::StatusOr<std::string>(env.cgroup2_mount));
  ASSIGN_OR_RETURN(std::string cgroup, ProcessCgroup(env.proc, state.pid));
  const std::string self_file = env.proc + "/self/cgroup";
  ASSIGN_OR_RETURN(std::string self_text, ReadTextFile(self_file, "cgroup file", ""));
  absl::StatusOr<std::string> self = ParseUnifiedCgroup(self_text);
  if (!self.ok()) return Annotate(self.status(), self_file);
  ASSIGN_OR_RETURN(std::string dir, ContainerCgroupDir(mount, cgroup, *self));

  ASSIGN_OR_RETURN(std::string rootfs, BundleRootPath(state.bundle));
  ASSIGN_OR_RETURN(std::string root, ContainerResolutionRoot(env.proc, state.pid, rootfs));

  plan.confine = true;
  plan.cgroup_path = std::move(dir);
  plan.policy = std::move(policy.policy);
  plan.policy_source = std::move(policy.source);
  plan.mode = policy.mode;
  plan.resolution_root = std::move(root);
  return plan;
}

absl::Status RequireBpfLsm(const std::vector<std::string>& active_lsms) {
  if (std::find(active_lsms.begin(), active_lsms.end(), "bpf") != active_lsms.end()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "confining a container from a hook needs the bpf-lsm tier, and this kernel does not run "
      "BPF LSM programs (active LSMs: ",
      active_lsms.empty() ? "unknown" : absl::StrJoin(active_lsms, ","),
      "): Landlock and seccomp restrict only the process that applies them, and the "
      "container's processes already run; add bpf to the kernel's lsm= boot parameter "
      "('cv-lsm status' shows what is missing)"));
}

}  // namespace cvlsm
