// The seccomp side of a policy: a default-deny syscall allow-list compiled to classic BPF
// in the parent, so the forked child only has to hand the finished program to the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/policy.h"
#include "seccomp/seccomp_program.h"

namespace cvlsm {

struct SyscallFilterOptions {
  // Address of the path string the launcher passes to execve() right after installing the
  // filter (same address in the forked child). When non-zero, execve with arg0 == this
  // value is allowed even if the policy does not allow execve, so the confined command can
  // start. seccomp compares the pointer, not the string: a confined program that manages
  // to map a page at this very address could exec again, so the launcher should put the
  // path where the confined process cannot map (e.g. below vm.mmap_min_addr) and rely on
  // the LSM path rules (exec mode) as the second line.
  uint64_t launch_exec_path = 0;
  // The launcher's report of a start that failed after the filter was installed (the exec
  // refused): write(fd, buffer, size) with exactly these arguments is allowed even if the
  // policy does not allow write, so cv-lsm can say why instead of a bare exit status. The
  // same caveat as for launch_exec_path: the buffer belongs below vm.mmap_min_addr. fd -1:
  // none.
  struct LaunchReport {
    int fd = -1;
    uint64_t buffer = 0;
    uint64_t size = 0;
  };
  LaunchReport launch_report;
  // Binary tree by default: a preset allows ~120-180 syscalls, and a priority-ordered
  // if-chain makes the last of them pay for every comparison before it.
  SeccompOptimize optimize = SeccompOptimize::kBinaryTree;
  // Audit mode (see SyscallFilter::Build): what the policy would refuse is reported to a
  // listener instead, and runs.
  bool audit = false;
  // Enforce mode, reported: what the filter refuses (the policy's refusals and the fixed
  // ones alike) goes to a listener, which answers EPERM, the errno the filter would give.
  // Allowed calls cost what they cost without it. Needs user notification (Linux >= 5.0).
  bool report_refusals = false;
  // Audit mode or reported refusals, in the launcher: sendmsg(listener_handoff_socket,
  // listener_handoff_message, ...) with exactly this fd and msghdr address is allowed
  // unreported. It is the call that
  // hands the listener over, and until it is through nobody could answer its notification.
  // As with launch_exec_path, a program that rebuilds both after exec escapes the report of
  // that one call, which in a mode that refuses nothing costs only the report. -1: none.
  int listener_handoff_socket = -1;
  uint64_t listener_handoff_message = 0;
  // The tier enforces the network rules in the kernel (bpf-lsm): socket() may then create
  // MPTCP sockets, which are TCP to those rules (seccomp/socket_rules.h).
  bool kernel_sees_network = false;
};

class SyscallFilter {
 public:
  // Compiles the policy's allow-list (plus the fixed refusals below) with libseccomp.
  // exit and exit_group are allowed whatever the list says: a process refused its own end
  // would run on into whatever follows (a crash, in the launcher's child). Needs no
  // privileges.
  //
  // Audit mode (options.audit) refuses nothing the policy refuses: the default action, which
  // a syscall outside the allow-list gets, becomes SECCOMP_RET_USER_NOTIF for a listener
  // that reports the call and lets it run. What protects the engine and whoever started it
  // is still refused: the AlwaysBlockedSyscalls (EPERM), the refused ioctl commands
  // (TIOCSTI, TIOCLINUX) and namespace flags of clone/unshare (EPERM, whatever the policy
  // lists), clone3 (ENOSYS, so that glibc falls back to the clone the filter can read), and
  // other ABIs (the process is killed). The program carries SECCOMP_FILTER_FLAG_NEW_LISTENER;
  // the kernel needs user notification (Linux >= 5.0), and libseccomp refuses to build the
  // filter without it.
  static absl::StatusOr<SyscallFilter> Build(const Policy& policy,
                                             const SyscallFilterOptions& options = {});

  // Installs the filter on the calling thread. Async-signal-safe (no allocation, no locks):
  // meant for a forked child between fork and exec. Requires no_new_privs (or
  // CAP_SYS_ADMIN). Returns 0 or an errno. An audit filter needs `listener_fd`, which gets
  // the listener (O_CLOEXEC); EINVAL without it.
  int InstallInCurrentThread(int* listener_fd = nullptr) const noexcept {
    return program_.InstallInCurrentThread(listener_fd);
  }

  bool audit() const { return audit_; }
  // Whether installing it yields a listener (audit mode, or reported refusals).
  bool has_listener() const;

  // Number of classic BPF instructions (the kernel takes at most BPF_MAXINSNS).
  size_t instruction_count() const { return program_.size(); }
  const SeccompProgram& program() const { return program_; }

  // Syscalls in the policy that cv-lsm refuses anyway (see AlwaysBlockedSyscalls); the
  // caller warns about them.
  const std::vector<std::string>& overridden_syscalls() const { return overridden_syscalls_; }

 private:
  SyscallFilter() = default;

  SeccompProgram program_;
  std::vector<std::string> overridden_syscalls_;
  bool audit_ = false;
};

// The syscalls cv-lsm blocks whatever a policy's list says, with the reason (for docs and
// warnings).
struct AlwaysBlocked {
  absl::string_view name;
  absl::string_view reason;
};
std::span<const AlwaysBlocked> AlwaysBlockedSyscalls();
// The ioctl commands (low 32 bits) the filter refuses whatever the policy lists.
std::span<const uint32_t> RefusedIoctlCommands();

}  // namespace cvlsm
