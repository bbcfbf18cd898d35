#include "bpf_backend/bpf_lsm_enforcer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "bpf_backend/kernel_object_identifier.h"
#include "cgroup/cgroup.h"
#include "common/errors.h"
#include "common/unique_fd.h"

namespace cvlsm {
namespace {

// A file every kernel has, that the canary's empty policy must refuse.
constexpr char kCanaryTarget[] = "/proc/version";

enum CanaryResult { kCanaryDenied = 0, kCanaryOpened = 1, kCanaryJoinFailed = 2 };

}  // namespace

absl::StatusOr<std::unique_ptr<BpfLsmEnforcer>> BpfLsmEnforcer::Create() {
  // Every rule object is pinned by a descriptor: large policies need more than 1024.
  struct rlimit files {};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  absl::StatusOr<std::unique_ptr<LsmSkeleton>> skeleton = LsmSkeleton::LoadAndAttach();
  if (!skeleton.ok()) return skeleton.status();
  std::unique_ptr<BpfLsmEnforcer> enforcer(new BpfLsmEnforcer(*std::move(skeleton)));
  if (absl::Status status = enforcer->SelfTest(); !status.ok()) return status;
  return enforcer;
}

absl::Status BpfLsmEnforcer::SelfTest() {
  absl::StatusOr<OwnedCgroup> cgroup = OwnedCgroup::Create(
      "cv-lsm", absl::StrCat("selftest-", ::getpid()), CVLSM_MAX_CGROUP_DEPTH - 1);
  if (!cgroup.ok()) return Annotate(cgroup.status(), "BPF LSM self-test");
  if (absl::Status status = ConfineResolved(cgroup->id(), ResolvedPathRules{}); !status.ok()) {
    return Annotate(status, "BPF LSM self-test");
  }

  UniqueFd procs(::open(cgroup->procs_file().c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs.valid()) return ErrnoError(errno, "BPF LSM self-test: open cgroup.procs");
  pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "BPF LSM self-test: fork");
  if (child == 0) {
    if (::write(procs.get(), "0", 1) != 1) ::_exit(kCanaryJoinFailed);
    int fd = ::open(kCanaryTarget, O_RDONLY | O_CLOEXEC);
    ::_exit(fd < 0 && errno == EACCES ? kCanaryDenied : kCanaryOpened);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  absl::Status released = Release(cgroup->id());
  if (!released.ok()) return Annotate(released, "BPF LSM self-test");

  int result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (result == kCanaryDenied) return absl::OkStatus();
  if (result == kCanaryOpened) {
    return absl::FailedPreconditionError(absl::StrCat(
        "BPF LSM self-test: the programs attached but did not run (a confined canary opened ",
        kCanaryTarget, "); add 'bpf' to the kernel's lsm= boot parameter"));
  }
  return absl::InternalError(
      absl::StrCat("BPF LSM self-test: the canary could not run (wait status ", status, ")"));
}

absl::Status BpfLsmEnforcer::DeleteRules(__u32 policy_id, const ResolvedPathRules& rules) {
  absl::Status first_error;
  for (const ResolvedPathRule& rule : rules.rules) {
    cvlsm_rule_key key{.policy_id = policy_id, .reserved = 0, .inode = rule.object.key};
    absl::Status status = skeleton_->path_rules().Delete(key);
    if (first_error.ok()) first_error = status;
  }
  return first_error;
}

absl::Status BpfLsmEnforcer::Confine(uint64_t cgroup_id, const Policy& policy) {
  KernelObjectIdentifier identifier(*skeleton_);
  absl::StatusOr<ResolvedPathRules> rules = ResolvePathRules(policy, identifier);
  if (!rules.ok()) return rules.status();
  return ConfineResolved(cgroup_id, *rules);
}

absl::Status BpfLsmEnforcer::ConfineResolved(uint64_t cgroup_id, const ResolvedPathRules& rules) {
  if (confined_.count(cgroup_id)) {
    return absl::AlreadyExistsError(absl::StrCat("cgroup ", cgroup_id, " is already confined"));
  }
  __u32 policy_id = next_policy_id_++;
  // Rules first, the cgroup entry last: the cgroup is either unconfined or fully confined.
  for (const ResolvedPathRule& rule : rules.rules) {
    cvlsm_rule_key key{.policy_id = policy_id, .reserved = 0, .inode = rule.object.key};
    cvlsm_rule_value value{.allow = rule.modes.allow, .deny = rule.modes.deny};
    if (absl::Status status = skeleton_->path_rules().Update(key, value); !status.ok()) {
      (void)DeleteRules(policy_id, rules);
      return Annotate(status, absl::StrCat("install the rule for ", rule.path));
    }
  }
  cvlsm_cgroup_policy entry{
      .policy_id = policy_id,
      .proc_self_modes = rules.proc_self_modes,
      .flags = rules.has_deny_rules ? CVLSM_POLICY_HAS_DENY_RULES : 0u,
      .reserved = 0,
  };
  if (absl::Status status = skeleton_->cgroups().Update(cgroup_id, entry, BPF_NOEXIST);
      !status.ok()) {
    (void)DeleteRules(policy_id, rules);
    return Annotate(status, "register the cgroup with the LSM programs");
  }
  // The rules (and the pins that keep their inodes alive) live as long as the confinement.
  confined_.emplace(cgroup_id, Confinement{policy_id, rules});
  return absl::OkStatus();
}

absl::Status BpfLsmEnforcer::Release(uint64_t cgroup_id) {
  auto it = confined_.find(cgroup_id);
  if (it == confined_.end()) return absl::OkStatus();
  // The cgroup entry first, so no process sees a policy with rules missing.
  absl::Status status = skeleton_->cgroups().Delete(cgroup_id);
  if (!status.ok()) return status;
  status = DeleteRules(it->second.policy_id, it->second.rules);
  confined_.erase(it);
  return status;
}

}  // namespace cvlsm
