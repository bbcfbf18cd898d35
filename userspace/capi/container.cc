#include "capi/container.h"

#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "capi/capability_map.h"
#include "capi/root_policy.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "cvlsm_abi.h"
#include "policy/path_resolution.h"

namespace cvlsm::capi {
namespace {

constexpr size_t kMaxIdLength = 64;
constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength || id == "." || id == "..") return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::string GeneratedId() {
  unsigned char bytes[6] = {};
  if (::getrandom(bytes, sizeof(bytes), 0) != sizeof(bytes)) {
    static std::atomic<unsigned> counter{0};
    return absl::StrCat("cv", ::getpid(), "x", counter++);
  }
  std::string id = "cv";
  for (unsigned char b : bytes) absl::StrAppendFormat(&id, "%02x", b);
  return id;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Container>> Container::Create(absl::string_view root_or_id,
                                                             unsigned cv_caps, const Policy& policy,
                                                             const ContainerSettings& settings) {
  std::unique_ptr<Container> container(new Container());
  if (!root_or_id.empty() && root_or_id[0] == '/') {
    std::string root(root_or_id);
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0)
      return ErrnoError(errno, absl::StrCat("root filesystem ", root));
    if (!S_ISDIR(st.st_mode)) return ErrnoError(ENOTDIR, absl::StrCat("root filesystem ", root));
    if (root != "/") container->root_ = root;
    container->id_ = GeneratedId();
  } else if (IsValidId(root_or_id)) {
    container->id_ = std::string(root_or_id);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", root_or_id, "' is neither an existing absolute directory nor a container id ",
        "([A-Za-z0-9._-], at most ", kMaxIdLength, " characters)"));
  }
  // On failure the destructor undoes whatever Setup got to.
  RETURN_IF_ERROR(container->Setup(cv_caps, policy, settings));
  return container;
}

absl::Status Container::Setup(unsigned cv_caps, const Policy& policy,
                              const ContainerSettings& settings) {
  if (root_.empty()) {
    policy_.emplace(policy);
  } else {
    ASSIGN_OR_RETURN(Policy moved, PolicyInRoot(policy, root_));
    policy_.emplace(std::move(moved));
  }
  keep_capabilities_ = CapabilitiesFor(cv_caps);
  // Every rule path is resolved, and must exist, before anything is loaded or created.
  ASSIGN_OR_RETURN(ResolvedPolicy rules, ResolvePathRules(*policy_));
  ASSIGN_OR_RETURN(enforcer_, SharedEnforcer::Get());

  // "<name>-<pid>": SweepStaleCgroups removes it if this process dies without destroying.
  static std::atomic<unsigned> sequence{0};
  ASSIGN_OR_RETURN(
      ConfinedCgroup workload,
      ConfinedCgroup::Create(
          *enforcer_, std::move(rules),
          ConfinementRequest{
              .who = "containerv",
              .name = absl::StrCat("ctr-", id_, ".", sequence++, "-", ::getpid()),
              .options = ApplyOptions{.mode = settings.mode, .signals = SignalScope::kUnscoped},
              .strict = settings.strict}));
  workload_.emplace(std::move(workload));

  // Namespaces first (the init joins the cgroup before anything else), then the policy.
  InitOptions init;
  init.root_fs = root_;
  init.hostname = id_;
  init.cgroup_procs_file = workload_->cgroup().procs_file();
  init.new_network = !SharesHostNetwork(cv_caps);
  ASSIGN_OR_RETURN(init_, ContainerInit::Start(init));
  return workload_->Confine();
}

std::string Container::HostPath(const std::string& path) const {
  return IsProcSelfRule(path) ? path : root_ + path;
}

bool Container::Confined() const { return workload_ && workload_->confined(); }

absl::Status Container::SetPathRule(const std::string& path, PathModes modes) {
  if (!Confined()) return absl::FailedPreconditionError("the container is destroyed");
  RETURN_IF_ERROR(CheckPathRule(path, modes.allow | modes.deny));
  std::string host_path = HostPath(path);
  RETURN_IF_ERROR(enforcer_->SetPathRule(workload_->id(), host_path, modes));
  return policy_->SetPathRule(host_path, modes);
}

absl::StatusOr<ContainerCost> Container::Cost() const {
  if (!Confined()) return absl::FailedPreconditionError("the container is destroyed");
  ContainerCost cost;
  ASSIGN_OR_RETURN(cost.usage, ReadCgroupUsage(workload_->cgroup().path()));
  if (const LsmSkeleton* programs = enforcer_->programs()) {
    absl::StatusOr<CgroupStats> decisions = ReadCgroupStats(*programs, workload_->id());
    // No counters yet: nothing was decided since the policy was applied.
    if (!decisions.ok() && !absl::IsNotFound(decisions.status())) return decisions.status();
    cost.decisions = decisions.ok() ? *decisions : CgroupStats{};
    ASSIGN_OR_RETURN(cost.footprint, ReadPolicyFootprint(*programs, workload_->id()));
  }
  return cost;
}

absl::Status Container::RemovePathRule(const std::string& path) {
  if (!Confined()) return absl::FailedPreconditionError("the container is destroyed");
  RETURN_IF_ERROR(CheckPathRule(path, kAllModes));
  std::string host_path = HostPath(path);
  RETURN_IF_ERROR(enforcer_->RemovePathRule(workload_->id(), host_path));
  policy_->RemovePath(host_path);
  return absl::OkStatus();
}

absl::StatusOr<pid_t> Container::Spawn(const std::string& path,
                                       const std::vector<std::string>& args,
                                       const std::vector<std::string>& environment, bool wait) {
  if (!init_) return absl::FailedPreconditionError("the container is destroyed");
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("spawn: '", path, "' is not an absolute path"));
  }
  // Checked here so a missing program is an error of spawn, not an exit code 127 later.
  std::string host_path = root_ + path;
  struct stat st {};
  if (::stat(host_path.c_str(), &st) != 0) return ErrnoError(errno, absl::StrCat("spawn ", path));
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
    return ErrnoError(EACCES, absl::StrCat("spawn ", path, ": not an executable file"));
  }

  // A Landlock ruleset per process (its /proc/self is its own); null on other tiers.
  ASSIGN_OR_RETURN(std::unique_ptr<ChildRestriction> restriction,
                   workload_->RestrictionForProcess());

  LaunchSpec spec;
  spec.argv.push_back(path);
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.environment = environment;
  if (spec.environment.empty()) spec.environment.push_back(kDefaultPath);
  spec.cgroup_procs_file = workload_->cgroup().procs_file();
  spec.policy = &*policy_;
  spec.restriction = restriction.get();
  spec.kernel_sees_network = workload_->kernel_sees_network();
  spec.setup = &init_->entry();
  spec.keep_capabilities = keep_capabilities_;
  // The init ties the container's life to this process (not to the calling thread).
  spec.cli_process_control = false;

  absl::StatusOr<std::unique_ptr<ConfinedProcess>> process;
  {
    absl::StatusOr<std::unique_ptr<ScopedPidNamespace>> pid_ns =
        ScopedPidNamespace::Enter(init_->pid_namespace_fd());
    if (!pid_ns.ok()) return pid_ns.status();
    process = ConfinedProcess::Start(spec);
  }
  if (!process.ok()) return process.status();
  pid_t pid = (*process)->pid();
  if (wait) {
    ASSIGN_OR_RETURN(ExitResult result, (*process)->Wait());
    finished_[pid] = result.exit_code;
    return pid;
  }
  processes_[pid] = *std::move(process);
  return pid;
}

absl::Status Container::Kill(pid_t pid) {
  auto it = processes_.find(pid);
  if (it == processes_.end() || it->second->reaped()) {
    return ErrnoError(ESRCH, absl::StrCat("kill: ", pid, " is not a running process of ", id_));
  }
  // Not yet reaped, so the pid cannot have been reused.
  if (::kill(pid, SIGTERM) != 0) return ErrnoError(errno, absl::StrCat("kill ", pid));
  return absl::OkStatus();
}

absl::StatusOr<int> Container::Wait(pid_t pid) {
  if (auto done = finished_.find(pid); done != finished_.end()) {
    int code = done->second;
    finished_.erase(done);
    return code;
  }
  auto it = processes_.find(pid);
  if (it == processes_.end()) {
    return ErrnoError(ESRCH, absl::StrCat("wait: ", pid, " is not a waitable process of ", id_));
  }
  ASSIGN_OR_RETURN(ExitResult result, it->second->Wait());
  processes_.erase(it);
  return result.exit_code;
}

absl::Status Container::Destroy() {
  absl::Status result;
  // The init first: its death makes the kernel kill the whole pid namespace, even a
  // process that left the cgroup; then the cgroup, which kills the rest, forks included.
  if (init_) init_->Kill();
  // Kills the rest, then lifts the confinement; when the cgroup cannot be removed its
  // confinement stays: a process of it is left.
  if (workload_) result = workload_->Remove();
  processes_.clear();  // reaps (each destructor kills and waits)
  finished_.clear();
  init_.reset();
  if (result.ok()) workload_.reset();
  return result;
}

Container::~Container() {
  if (absl::Status status = Destroy(); !status.ok()) LogWarning("containerv", ErrorText(status));
}

}  // namespace cvlsm::capi
