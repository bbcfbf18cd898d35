#include "seccomp/syscall_filter.h"

#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "seccomp/libseccomp_context.h"
#include "seccomp/socket_rules.h"

namespace cvlsm {
namespace {

constexpr char kModule[] = "seccomp";

constexpr absl::string_view kMountTable =
    "changes the mount table the path rules are resolved against";
constexpr absl::string_view kKeyrings =
    "kernel keyrings are not namespaced: keys are shared with the rest of the machine";
constexpr absl::string_view kNuma =
    "NUMA placement of memory; migrate_pages/move_pages can act on other processes and "
    "the calls have a history of kernel bugs";
constexpr absl::string_view kModules = "loads or unloads kernel code";
constexpr absl::string_view kIoUring =
    "io_uring performs I/O outside the syscall path, where seccomp cannot see it, and is a "
    "frequent source of kernel exploits";

constexpr AlwaysBlocked kAlwaysBlocked[] = {
    {"ptrace", "reads and rewrites the memory and registers of other processes"},
    {"perf_event_open", "large kernel attack surface; leaks kernel addresses and timing"},
    {"userfaultfd", "lets a process stall kernel page faults at will, a kernel-exploit primitive"},
    {"add_key", kKeyrings},
    {"keyctl", kKeyrings},
    {"request_key", kKeyrings},
    {"mbind", kNuma},
    {"set_mempolicy", kNuma},
    {"migrate_pages", kNuma},
    {"move_pages", kNuma},
    {"bpf", "loads programs into the kernel and can read or detach cv-lsm's own BPF state"},
    {"kexec_load", "replaces the running kernel"},
    {"kexec_file_load", "replaces the running kernel"},
    {"init_module", kModules},
    {"finit_module", kModules},
    {"delete_module", kModules},
    {"open_by_handle_at",
     "opens files by handle, bypassing path lookup and so the path rules (container escape)"},
    {"pivot_root", kMountTable},
    {"setns", "joins other namespaces, e.g. the host's"},
    {"mount", kMountTable},
    {"umount2", kMountTable},
    {"fsopen", kMountTable},
    {"fsmount", kMountTable},
    {"fsconfig", kMountTable},
    {"move_mount", kMountTable},
    {"open_tree", kMountTable},
    {"io_uring_setup", kIoUring},
    {"io_uring_enter", kIoUring},
    {"io_uring_register", kIoUring},
};

// Namespace creation is refused even where clone/unshare are allowed: a new user namespace
// hands out capabilities inside it, and new mount or pid namespaces change what the path
// rules and signals refer to.
constexpr uint64_t kCloneNamespaceFlags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                          CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                          CLONE_NEWNET;
// CLONE_NEWTIME is only valid for unshare (in clone() flags its bit is CSIGNAL's).
constexpr uint64_t kCloneNewTime = 0x80;
#ifdef CLONE_NEWTIME
static_assert(CLONE_NEWTIME == kCloneNewTime);
#endif
constexpr uint64_t kUnshareNamespaceFlags = kCloneNamespaceFlags | kCloneNewTime;

// Terminal ioctls that inject input into, or reprogram, a terminal the confined process may
// share with its caller; and the ioctls that set a file's signal owner through user memory
// (the kernel then sends SIGIO without the task_kill hook, and the pid could change between
// a check and the kernel's read: fcntl(F_SETOWN) is the route that stays, checked by the
// bpf-lsm tier).
constexpr uint32_t kRefusedIoctls[] = {TIOCSTI, TIOCLINUX, FIOSETOWN, SIOCSPGRP};

absl::Status AddRule(scmp_filter_ctx ctx, uint32_t action, absl::string_view action_name, int nr,
                     absl::string_view name, std::initializer_list<scmp_arg_cmp> conds) {
  const int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned int>(conds.size()),
                                        conds.begin());
  if (rc < 0) {
    return LibseccompError(
        rc, absl::StrCat("adding ", action_name, " rule for syscall '", name, "' (", nr, ")"));
  }
  return absl::OkStatus();
}

// A set of 32-bit values written as (value & mask) == prefix.
struct MaskedPrefix {
  uint32_t mask;
  uint32_t prefix;
};

// Appends the smallest set of disjoint prefix blocks that covers every 32-bit value except
// `excluded`, walking the binary trie of values from the top bit down: a block is emitted
// as soon as it holds no excluded value. Used because libseccomp cannot express "masked
// value != X" (SCMP_CMP_NE compares all 64 bits, and the kernel ignores the upper 32 bits
// of an ioctl cmd).
void AppendComplementCover(std::span<const uint32_t> excluded, uint32_t prefix, int fixed_bits,
                           std::vector<MaskedPrefix>& out) {
  const uint32_t mask = fixed_bits == 0 ? 0 : ~uint32_t{0} << (32 - fixed_bits);
  const bool holds_excluded = std::any_of(excluded.begin(), excluded.end(),
                                          [&](uint32_t value) { return (value & mask) == prefix; });
  if (!holds_excluded) {
    out.push_back({mask, prefix});
    return;
  }
  if (fixed_bits == 32) return;  // The excluded value itself.
  const uint32_t next_bit = uint32_t{1} << (31 - fixed_bits);
  AppendComplementCover(excluded, prefix, fixed_bits + 1, out);
  AppendComplementCover(excluded, prefix | next_bit, fixed_bits + 1, out);
}

// How libseccomp 2.5.4 combines rules for one syscall (checked with seccomp_export_pfc):
// an unconditional rule makes any conditional rule for the same syscall disappear silently
// (whatever its action), and a rule whose action equals the default action is refused with
// -EACCES. So "allow ioctl except TIOCSTI" cannot be an allow plus an EPERM rule; instead
// the allowed side is spelled out as prefix blocks of the low 32 bits of cmd, which leaves
// the refused commands to the default EPERM however the upper 32 bits are set.
absl::Status AddIoctlRules(scmp_filter_ctx ctx, int nr) {
  std::vector<MaskedPrefix> blocks;
  AppendComplementCover(kRefusedIoctls, 0, 0, blocks);
  for (const MaskedPrefix& block : blocks) {
    absl::Status status = AddRule(
        ctx, SCMP_ACT_ALLOW, "allow (cmd block)", nr, "ioctl",
        {scmp_arg_cmp{
            .arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = block.mask, .datum_b = block.prefix}});
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status AddNoNamespaceRule(scmp_filter_ctx ctx, int nr, absl::string_view name,
                                uint64_t namespace_flags) {
  return AddRule(
      ctx, SCMP_ACT_ALLOW, "allow (no namespace flags)", nr, name,
      {scmp_arg_cmp{.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = namespace_flags, .datum_b = 0}});
}

bool IsAlwaysBlocked(absl::string_view name) {
  return std::any_of(std::begin(kAlwaysBlocked), std::end(kAlwaysBlocked),
                     [&](const AlwaysBlocked& entry) { return entry.name == name; });
}

// In enforce mode the always-blocked syscalls, and the ioctl commands and namespace flags
// refused by arguments, simply get the default EPERM (a rule with the default action would
// be refused anyway). In audit mode the default only reports, so they need rules of their
// own to stay refused: they protect the engine and whoever started it, not the policy.
absl::Status AddAuditRules(scmp_filter_ctx ctx, const Policy& policy) {
  for (const AlwaysBlocked& entry : kAlwaysBlocked) {
    const std::string name(entry.name);
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name.c_str());
    if (nr < 0) continue;  // Not a syscall of this architecture.
    RETURN_IF_ERROR(AddRule(ctx, SCMP_ACT_ERRNO(EPERM), "errno(EPERM)", nr, name, {}));
  }
  // What the enforce filter refuses by arguments stays refused too: the terminal injection
  // ioctls (the launcher's own terminal is a root shell's), and new namespaces, one rule per
  // flag bit ("flags & NS != 0" is not a comparison libseccomp has). Conditional rules sit
  // beside the policy's own conditional allows.
  for (uint32_t command : kRefusedIoctls) {
    RETURN_IF_ERROR(AddRule(
        ctx, SCMP_ACT_ERRNO(EPERM), "errno(EPERM) (cmd)", SCMP_SYS(ioctl), "ioctl",
        {scmp_arg_cmp{
            .arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffff, .datum_b = command}}));
  }
  for (auto [nr, name, flags] :
       {std::tuple{SCMP_SYS(clone), "clone", kCloneNamespaceFlags},
        std::tuple{SCMP_SYS(unshare), "unshare", kUnshareNamespaceFlags}}) {
    for (uint64_t bit = 1; bit != 0 && bit <= flags; bit <<= 1) {
      if (!(flags & bit)) continue;
      RETURN_IF_ERROR(AddRule(
          ctx, SCMP_ACT_ERRNO(EPERM), "errno(EPERM) (namespace flag)", nr, name,
          {scmp_arg_cmp{.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = bit, .datum_b = bit}}));
    }
  }
  // clone3's flags are out of the filter's reach: ENOSYS sends glibc to the checked clone
  // (already so when the policy allows clone).
  if (!policy.syscalls().contains("clone") && !policy.syscalls().contains("clone3")) {
    RETURN_IF_ERROR(
        AddRule(ctx, SCMP_ACT_ERRNO(ENOSYS), "errno(ENOSYS)", SCMP_SYS(clone3), "clone3", {}));
  }
  return absl::OkStatus();
}

// What the launcher's child needs whatever the policy: its one execve, the report of a
// failed start, and an end. Conditional rules only where the syscall is not allowed
// outright: libseccomp would drop them next to the unconditional one anyway.
absl::Status AddLaunchRules(scmp_filter_ctx ctx, const Policy& policy,
                            const SyscallFilterOptions& options) {
  for (auto [nr, name] :
       {std::pair{SCMP_SYS(exit), "exit"}, std::pair{SCMP_SYS(exit_group), "exit_group"}}) {
    if (!policy.syscalls().contains(name)) {
      RETURN_IF_ERROR(AddRule(ctx, SCMP_ACT_ALLOW, "allow (always)", nr, name, {}));
    }
  }
  if (options.launch_exec_path != 0 && !policy.syscalls().contains("execve")) {
    RETURN_IF_ERROR(AddRule(
        ctx, SCMP_ACT_ALLOW, "allow (launch path only)", SCMP_SYS(execve), "execve",
        {scmp_arg_cmp{
            .arg = 0, .op = SCMP_CMP_EQ, .datum_a = options.launch_exec_path, .datum_b = 0}}));
  }
  // The listener's handoff (audit mode, reported refusals). A conditional rule next to an
  // allowed sendmsg would be dropped by libseccomp anyway.
  if (options.listener_handoff_socket >= 0 && !policy.syscalls().contains("sendmsg")) {
    RETURN_IF_ERROR(
        AddRule(ctx, SCMP_ACT_ALLOW, "allow (listener handoff only)", SCMP_SYS(sendmsg), "sendmsg",
                {scmp_arg_cmp{.arg = 0,
                              .op = SCMP_CMP_MASKED_EQ,
                              .datum_a = 0xffffffff,  // An int: the kernel reads the low half.
                              .datum_b = static_cast<uint64_t>(options.listener_handoff_socket)},
                 scmp_arg_cmp{.arg = 1,
                              .op = SCMP_CMP_EQ,
                              .datum_a = options.listener_handoff_message,
                              .datum_b = 0}}));
  }
  const SyscallFilterOptions::LaunchReport& report = options.launch_report;
  if (report.fd < 0 || policy.syscalls().contains("write")) return absl::OkStatus();
  return AddRule(ctx, SCMP_ACT_ALLOW, "allow (launch report only)", SCMP_SYS(write), "write",
                 {scmp_arg_cmp{.arg = 0,
                               .op = SCMP_CMP_MASKED_EQ,
                               .datum_a = 0xffffffff,  // An int: the kernel reads the low half.
                               .datum_b = static_cast<uint64_t>(report.fd)},
                  scmp_arg_cmp{.arg = 1, .op = SCMP_CMP_EQ, .datum_a = report.buffer, .datum_b = 0},
                  scmp_arg_cmp{.arg = 2, .op = SCMP_CMP_EQ, .datum_a = report.size, .datum_b = 0}});
}

}  // namespace

std::span<const AlwaysBlocked> AlwaysBlockedSyscalls() { return kAlwaysBlocked; }

std::span<const uint32_t> RefusedIoctlCommands() { return kRefusedIoctls; }

bool SyscallFilter::has_listener() const {
  return (program_.install_flags() & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
}

absl::StatusOr<SyscallFilter> SyscallFilter::Build(const Policy& policy,
                                                   const SyscallFilterOptions& options) {
  // libseccomp checks that the running kernel knows the default action, so an audit filter
  // cannot be built where user notification is missing.
  const bool notify = options.audit || options.report_refusals;
  const uint32_t default_action = notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(EPERM);
  ScmpContext owned_ctx(seccomp_init(default_action));
  if (owned_ctx == nullptr) {
    if (notify) {
      return ErrnoError(EOPNOTSUPP, "libseccomp: seccomp_init with SCMP_ACT_NOTIFY",
                        "audit mode needs seccomp user notification (Linux >= 5.0)");
    }
    return ErrnoError(ENOMEM, "libseccomp: seccomp_init");
  }
  scmp_filter_ctx ctx = owned_ctx.get();

  // The launcher sets no_new_privs itself (the policy decides), and we only export.
  RETURN_IF_ERROR(SetScmpAttribute(ctx, SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP"));
  // Other ABIs would reach the same kernel with different numbers. Only the native arch is
  // in the filter, and on x86_64 libseccomp also sends x32 numbers (nr >= 0x40000000, same
  // AUDIT_ARCH as x86_64) to this action: the exported BPF does `if nr >= 0x40000000 &&
  // nr != -1 -> KILL_PROCESS` right after the arch check (read from the 2.5.4 output; the
  // unit test runs the program on i386 and x32 inputs, the host test makes real x32 calls
  // and int $0x80 ones where the kernel has IA32 emulation).
  RETURN_IF_ERROR(SetScmpAttribute(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS,
                                   "SCMP_FLTATR_ACT_BADARCH"));
  RETURN_IF_ERROR(SetScmpOptimize(ctx, options.optimize));

  SyscallFilter filter;
  filter.audit_ = options.audit;
  bool allow_clone = false;
  for (const std::string& name : policy.syscalls()) {
    if (IsAlwaysBlocked(name)) {
      filter.overridden_syscalls_.push_back(name);
      continue;
    }
    // Names of other ABIs (e.g. "send" on x86_64) resolve to negative pseudo numbers.
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name.c_str());
    if (nr < 0) continue;
    absl::Status status;
    if (name == "clone" || name == "clone3") {
      allow_clone = true;  // Added once below.
    } else if (name == "unshare") {
      status = AddNoNamespaceRule(ctx, nr, name, kUnshareNamespaceFlags);
    } else if (name == "ioctl") {
      status = AddIoctlRules(ctx, nr);
    } else if (name == "socket" || name == "socketpair") {
      continue;  // by arguments, below
    } else {
      status = AddRule(ctx, SCMP_ACT_ALLOW, "allow", nr, name, {});
    }
    if (!status.ok()) return status;
  }

  // clone3 passes its flags in a struct that seccomp cannot read, so it cannot be checked
  // for namespace flags. It answers ENOSYS, which makes glibc fall back to clone, whose flags
  // are in a register. A policy naming only clone3 therefore gets the checked clone: it asked
  // for more than that. Without either, clone3 gets the default EPERM like any other
  // refused syscall (glibc does not fall back then, and clone would be refused anyway).
  if (allow_clone) {
    RETURN_IF_ERROR(AddNoNamespaceRule(ctx, SCMP_SYS(clone), "clone", kCloneNamespaceFlags));
    RETURN_IF_ERROR(
        AddRule(ctx, SCMP_ACT_ERRNO(ENOSYS), "errno(ENOSYS)", SCMP_SYS(clone3), "clone3", {}));
  }

  RETURN_IF_ERROR(AddLaunchRules(ctx, policy, options));
  RETURN_IF_ERROR(AddSocketRules(ctx, policy, options.kernel_sees_network));

  if (options.audit) {
    RETURN_IF_ERROR(AddAuditRules(ctx, policy));
  }

  absl::StatusOr<SeccompProgram> program =
      ExportScmpProgram(ctx, notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  if (!program.ok()) return program.status();
  filter.program_ = *std::move(program);
  LogDebug(kModule, absl::StrCat("compiled ", policy.syscalls().size(), " policy syscalls into ",
                                 filter.program_.size(), " BPF instructions"));
  return filter;
}

}  // namespace cvlsm
