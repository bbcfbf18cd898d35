#include "runtime/confined_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "runtime/capabilities.h"

extern char** environ;

namespace cvlsm {
namespace {

// The steps of the child between fork and exec, reported back when one fails.
enum class ChildStep : int {
  kJoinCgroup,
  kParentDeath,
  kSetup,
  kCapabilities,
  kNoNewPrivs,
  kPathRestriction,
  kFilter,
  kAuditHandoff,
  kExec
};

const char* StepName(ChildStep step) {
  switch (step) {
    case ChildStep::kJoinCgroup:
      return "join the workload's cgroup";
    case ChildStep::kParentDeath:
      return "tie the command's life to cv-lsm's";
    case ChildStep::kSetup:
      return "enter the container (namespaces, root)";
    case ChildStep::kCapabilities:
      return "drop capabilities";
    case ChildStep::kNoNewPrivs:
      return "set no_new_privs";
    case ChildStep::kPathRestriction:
      return "restrict itself to the path rules (Landlock)";
    case ChildStep::kFilter:
      return "install the syscall filter";
    case ChildStep::kAuditHandoff:
      return "hand the syscall audit listener to cv-lsm";
    case ChildStep::kExec:
      return "execute the command";
  }
  return "?";
}

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

sigset_t WaitedSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwardedSignals) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  return set;
}

}  // namespace

void BlockForwardedSignals() {
  sigset_t waited = WaitedSignals();
  ::sigprocmask(SIG_BLOCK, &waited, nullptr);
}

namespace {

absl::StatusOr<std::string> FindExecutable(const std::string& name, const char* path_env) {
  auto is_executable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return name;  // the kernel reports what is wrong
  std::string search = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  for (absl::string_view dir : absl::StrSplit(search, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (is_executable(candidate)) return candidate;
  }
  return WithKind(
      absl::NotFoundError(absl::StrCat("command not found: ", name, " (searched ", search, ")")),
      ErrorKind::kCommandNotFound);
}

// Why the command could not be executed, and what would let it run; 126, or 127 when it (or
// its interpreter) does not exist.
absl::Status ExecFailure(const std::string& path, int err) {
  absl::Status status = ErrnoError(err, absl::StrCat("cannot execute ", path));
  if (err == ENOENT) {
    return WithKind(WithRemedy(status,
                               "the program or the interpreter it names (#! line, ELF "
                               "interpreter) does not exist"),
                    ErrorKind::kCommandNotFound);
  }
  struct stat st {};
  if (err == EACCES && ::stat(path.c_str(), &st) == 0 &&
      (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)) {
    status = WithRemedy(status, "it is not an executable file (chmod +x, or run its interpreter)");
  } else if (err == EACCES || err == EPERM) {
    status = WithRemedy(
        status, absl::StrCat("the policy must allow executing it and what it loads (e.g. --allow ",
                             path, ":rx; the presets allow /usr/bin, /bin and the libraries)"));
  }
  return WithKind(status, ErrorKind::kCommandNotExecutable);
}

// Shell convention: 128+N when killed by signal N.
ExitResult FromWaitStatus(int status) {
  ExitResult result;
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConfinedProcess>> ConfinedProcess::Start(const LaunchSpec& spec) {
  std::unique_ptr<ConfinedProcess> process(new ConfinedProcess());
  RETURN_IF_ERROR(process->Prepare(spec));
  RETURN_IF_ERROR(process->Fork());
  return process;
}

absl::Status ConfinedProcess::Prepare(const LaunchSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("no command given");
  if (!spec.policy) return absl::InvalidArgumentError("no policy given");

  env_storage_ = spec.environment;
  if (env_storage_.empty()) {
    for (char** entry = environ; entry && *entry; ++entry) env_storage_.emplace_back(*entry);
  }
  const char* path_env = nullptr;
  for (const std::string& entry : env_storage_) {
    if (entry.rfind("PATH=", 0) == 0) path_env = entry.c_str() + 5;
  }
  ASSIGN_OR_RETURN(std::string exec_path, FindExecutable(spec.argv[0], path_env));
  exec_path_ = std::move(exec_path);

  argv_storage_ = spec.argv;
  for (std::string& arg : argv_storage_) argv_.push_back(arg.data());
  argv_.push_back(nullptr);
  for (std::string& entry : env_storage_) envp_.push_back(entry.data());
  envp_.push_back(nullptr);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return ErrnoError(errno, "create the launch pipe");
  report_read_.Reset(report[0]);
  report_write_.Reset(report[1]);
  PlaceLaunchPath();
  SyscallFilterOptions options;
  options.launch_exec_path = reinterpret_cast<uint64_t>(launch_path_);
  options.launch_report = {.fd = report_write_.get(),
                           .buffer = reinterpret_cast<uint64_t>(failure_slot_),
                           .size = sizeof(ChildFailure)};
  options.kernel_sees_network = spec.kernel_sees_network;
  if (spec.audit != nullptr) {
    // Refused before anything runs: without it the command would be either enforced or
    // not reported on.
    if (absl::Status status = CheckSyscallAuditSupport(); !status.ok()) {
      return Annotate(status, "syscall audit mode");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<ListenerHandoff> handoff, ListenerHandoff::Create());
    handoff_ = std::move(handoff);
    audit_sink_ = spec.audit;
    options.audit = true;
    options.listener_handoff_socket = handoff_->child_socket();
    options.listener_handoff_message = handoff_->message_address();
  } else if (spec.refusals != nullptr && CheckRefusalReportSupport().ok()) {
    ASSIGN_OR_RETURN(std::unique_ptr<ListenerHandoff> handoff, ListenerHandoff::Create());
    handoff_ = std::move(handoff);
    audit_sink_ = spec.refusals;
    answer_ = ListenerAnswer::kRefuse;
    refusals_reported_ = true;
    options.report_refusals = true;
    options.listener_handoff_socket = handoff_->child_socket();
    options.listener_handoff_message = handoff_->message_address();
  }
  absl::StatusOr<SyscallFilter> filter = SyscallFilter::Build(*spec.policy, options);
  if (!filter.ok()) return Annotate(filter.status(), "build the syscall filter");
  filter_.emplace(*std::move(filter));

  procs_fd_.Reset(::open(spec.cgroup_procs_file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs_fd_.valid()) return ErrnoError(errno, absl::StrCat("open ", spec.cgroup_procs_file));
  last_capability_ = LastCapability();
  restriction_ = spec.restriction;
  setup_ = spec.setup;
  keep_capabilities_ = spec.keep_capabilities;
  cli_process_control_ = spec.cli_process_control;
  preserved_fds_ = spec.preserved_fds;
  return absl::OkStatus();
}

namespace {

// The descriptors open in this process from `first` on (/proc/self/fd). Listed in the
// parent: the child of a threaded process may not allocate.
absl::StatusOr<std::vector<int>> OpenDescriptorsFrom(int first) {
  std::vector<int> fds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    if (absl::SimpleAtoi(entry.path().filename().string(), &fd) && fd >= first) fds.push_back(fd);
  }
  if (error) return ErrnoError(error.value(), "list the launcher's descriptors (/proc/self/fd)");
  return fds;
}

}  // namespace

void ConfinedProcess::FailInChild(int step, int err) const noexcept {
  failure_slot_->step = step;
  failure_slot_->err = err;
  (void)!::write(report_write_.get(), failure_slot_, sizeof(ChildFailure));
  ::_exit(step == static_cast<int>(ChildStep::kExec)
              ? (err == ENOENT ? kExitNotFound : kExitCannotExecute)
              : kExitLauncherFailed);
}

absl::Status ConfinedProcess::Fork() {
  auto fail = [this](ChildStep step, int err) { FailInChild(static_cast<int>(step), err); };
  // Block what the parent will wait for before the child exists, so nothing is lost.
  if (cli_process_control_) BlockForwardedSignals();
  sigset_t waited = WaitedSignals();
  if (preserved_fds_ >= 0) {
    // The iterator's own descriptor is in the list too: closed by then, and harmless.
    ASSIGN_OR_RETURN(fds_to_close_, OpenDescriptorsFrom(3 + preserved_fds_));
  }
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) return ErrnoError(errno, "fork the confined command");
  if (child == 0) {
    // Only async-signal-safe calls from here to exec.
    if (cli_process_control_) ::sigprocmask(SIG_UNBLOCK, &waited, nullptr);
    if (::write(procs_fd_.get(), "0", 1) != 1) fail(ChildStep::kJoinCgroup, errno);
    // Close-on-exec rather than closed: the launcher's own (the report pipe, the handoff)
    // serve until the exec, and already are.
    for (int fd : fds_to_close_) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (cli_process_control_) {
      // If cv-lsm dies, its cgroup and (unless pinned) the programs that confine the command
      // go with it: so does the command.
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(ChildStep::kParentDeath, errno);
      if (::getppid() != parent) fail(ChildStep::kParentDeath, ESRCH);
    }
    if (setup_) {
      if (int err = setup_->ApplyInChild(); err != 0) fail(ChildStep::kSetup, err);
    }
    if (int err = keep_capabilities_ != 0 ? ReduceCapabilities(last_capability_, keep_capabilities_)
                                          : DropAllCapabilities(last_capability_);
        err != 0) {
      fail(ChildStep::kCapabilities, err);
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(ChildStep::kNoNewPrivs, errno);
    if (restriction_) {
      if (int err = restriction_->ApplyInChild(); err != 0) {
        fail(ChildStep::kPathRestriction, err);
      }
    }
    int listener = -1;
    if (int err = filter_->InstallInCurrentThread(handoff_ ? &listener : nullptr); err != 0) {
      fail(ChildStep::kFilter, err);
    }
    if (handoff_) {
      // The listener is O_CLOEXEC: exec closes the child's copy without a call of its own
      // under the filter.
      if (int err = handoff_->SendFromChild(listener); err != 0) {
        fail(ChildStep::kAuditHandoff, err);
      }
    }
    ::execve(launch_path_, argv_.data(), envp_.data());
    fail(ChildStep::kExec, errno);
  }
  pid_ = child;
  report_write_.Reset();

  // Before the report: from the handoff on, the child may wait for answers to notifications.
  if (handoff_) {
    ASSIGN_OR_RETURN(UniqueFd listener, handoff_->Receive());
    handoff_.reset();
    if (listener.valid()) {
      absl::StatusOr<std::unique_ptr<SyscallAuditListener>> served =
          SyscallAuditListener::Start(std::move(listener), *audit_sink_, answer_);
      if (!served.ok()) return Annotate(served.status(), "serve the syscall listener");
      audit_listener_ = *std::move(served);
    }
  }

  ChildFailure failure{};
  ssize_t n;
  while ((n = ::read(report_read_.get(), &failure, sizeof(failure))) < 0 && errno == EINTR) {
  }
  report_read_.Reset();
  if (n != static_cast<ssize_t>(sizeof(failure))) return absl::OkStatus();  // exec'd
  int status;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  const ChildStep step = static_cast<ChildStep>(failure.step);
  // The command itself could not run (policy or filesystem): 126 or 127, as a shell says.
  if (step == ChildStep::kExec) return ExecFailure(exec_path_, failure.err);
  return ErrnoError(failure.err, absl::StrCat("confined command: ", StepName(step)));
}

// The filter of a policy without execve allows one execve: the one whose path pointer is
// launch_path_. A pointer on the heap could be forged after exec by mapping the same
// address; a page below vm.mmap_min_addr cannot be mapped without CAP_SYS_RAWIO, which the
// command no longer has. Root has it here, so the launcher maps the path there when it can.
void ConfinedProcess::PlaceLaunchPath() {
  launch_path_ = exec_path_.c_str();
  failure_slot_ = &heap_failure_;
  long page = ::sysconf(_SC_PAGESIZE);
  unsigned long min_addr = 0;
  if (std::FILE* file = std::fopen("/proc/sys/vm/mmap_min_addr", "r")) {
    if (std::fscanf(file, "%lu", &min_addr) != 1) min_addr = 0;
    std::fclose(file);
  }
  // The failure record first, then the path.
  constexpr size_t kPathOffset = sizeof(ChildFailure);
  if (page <= 0 || min_addr < 2 * static_cast<unsigned long>(page) ||
      exec_path_.size() + kPathOffset >= static_cast<size_t>(page)) {
    LogDebug("run", "launch path stays on the heap (vm.mmap_min_addr too low or path too long)");
    return;
  }
  void* wanted = reinterpret_cast<void*>((min_addr & ~(page - 1)) - page);
  void* got = ::mmap(wanted, page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (got != wanted) {
    if (got != MAP_FAILED) ::munmap(got, page);
    LogDebug("run", absl::StrCat("launch path stays on the heap: cannot map below "
                                 "vm.mmap_min_addr: ",
                                 std::strerror(errno)));
    return;
  }
  char* bytes = static_cast<char*>(got);
  std::memcpy(bytes + kPathOffset, exec_path_.c_str(), exec_path_.size() + 1);
  launch_page_ = got;
  launch_page_size_ = page;
  failure_slot_ = static_cast<ChildFailure*>(got);
  launch_path_ = bytes + kPathOffset;
}

const std::vector<std::string>& ConfinedProcess::overridden_syscalls() const {
  return filter_->overridden_syscalls();
}

absl::StatusOr<ExitResult> ConfinedProcess::WaitForwardingSignals() {
  sigset_t waited = WaitedSignals();
  ExitResult result;
  while (!reaped_) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      result = FromWaitStatus(status);
      break;
    }
    if (done < 0 && errno != EINTR) return ErrnoError(errno, "wait for the confined command");
    siginfo_t info{};
    int sig = ::sigwaitinfo(&waited, &info);
    // Signals a terminal sends (SI_KERNEL) already reach the command in its process group.
    if (sig > 0 && sig != SIGCHLD && info.si_code != SI_KERNEL) ::kill(pid_, sig);
  }
  return result;
}

absl::StatusOr<ExitResult> ConfinedProcess::Wait() {
  if (reaped_) return absl::FailedPreconditionError("the confined command was already waited for");
  int status = 0;
  pid_t done;
  while ((done = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  if (done != pid_) return ErrnoError(errno, "wait for the confined command");
  reaped_ = true;
  return FromWaitStatus(status);
}

ConfinedProcess::~ConfinedProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  audit_listener_.reset();  // After the kill: the command is not left waiting for answers.
  if (launch_page_) ::munmap(launch_page_, launch_page_size_);
}

}  // namespace cvlsm
