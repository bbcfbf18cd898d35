#include "seccomp/syscall_filter.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/unique_fd.h"

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
// share with its caller.
constexpr uint32_t kRefusedIoctls[] = {TIOCSTI, TIOCLINUX};

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using ScmpContext = std::unique_ptr<void, ContextDeleter>;

absl::Status LibseccompError(int rc, absl::string_view what) {
  // libseccomp returns negative errnos.
  return ErrnoError(rc < 0 ? -rc : EINVAL, absl::StrCat("libseccomp: ", what));
}

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

absl::Status SetAttribute(scmp_filter_ctx ctx, scmp_filter_attr attr, uint32_t value,
                          absl::string_view attr_name) {
  if (int rc = seccomp_attr_set(ctx, attr, value); rc < 0) {
    return LibseccompError(rc, absl::StrCat("setting ", attr_name));
  }
  return absl::OkStatus();
}

// Round-trips the compiled program through a memfd: libseccomp 2.5 can export classic BPF
// only to a file descriptor.
absl::StatusOr<std::vector<sock_filter>> ExportProgram(scmp_filter_ctx ctx) {
  UniqueFd fd(memfd_create("cvlsm-seccomp-bpf", MFD_CLOEXEC));
  if (!fd.valid()) {
    return ErrnoError(errno, "memfd_create for the seccomp program",
                      "cv-lsm needs memfd support (Linux >= 3.17)");
  }
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0) {
    return LibseccompError(rc, "seccomp_export_bpf");
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "fstat on the seccomp program memfd");
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0) {
    return absl::InternalError(absl::StrCat("libseccomp exported a seccomp program of ", size,
                                            " bytes, not a whole number of BPF instructions"));
  }
  std::vector<sock_filter> program(size / sizeof(sock_filter));
  if (program.size() > BPF_MAXINSNS) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the seccomp program has ", program.size(), " instructions, more than the kernel's ",
        BPF_MAXINSNS, "; shorten the policy's syscall list"));
  }
  auto* bytes = reinterpret_cast<char*>(program.data());
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading back the seccomp program");
    if (n == 0) return absl::InternalError("the seccomp program memfd ended early");
    done += static_cast<size_t>(n);
  }
  return program;
}

}  // namespace

std::span<const AlwaysBlocked> AlwaysBlockedSyscalls() { return kAlwaysBlocked; }

absl::StatusOr<SyscallFilter> SyscallFilter::Build(const Policy& policy,
                                                   const SyscallFilterOptions& options) {
  ScmpContext owned_ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (owned_ctx == nullptr) return ErrnoError(ENOMEM, "libseccomp: seccomp_init");
  scmp_filter_ctx ctx = owned_ctx.get();

  // The launcher sets no_new_privs itself (the policy decides), and we only export.
  if (absl::Status s = SetAttribute(ctx, SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP"); !s.ok()) {
    return s;
  }
  // Other ABIs would reach the same kernel with different numbers. Only the native arch is
  // in the filter, and on x86_64 libseccomp also sends x32 numbers (nr >= 0x40000000, same
  // AUDIT_ARCH as x86_64) to this action: the exported BPF does `if nr >= 0x40000000 &&
  // nr != -1 -> KILL_PROCESS` right after the arch check (read from the 2.5.4 output; the
  // unit test runs the program on i386 and x32 inputs, the host test makes real x32 calls
  // and int $0x80 ones where the kernel has IA32 emulation).
  if (absl::Status s = SetAttribute(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS,
                                    "SCMP_FLTATR_ACT_BADARCH");
      !s.ok()) {
    return s;
  }
  // Binary search over syscall numbers instead of a linear chain (libseccomp >= 2.5).
  if (absl::Status s = SetAttribute(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2, "SCMP_FLTATR_CTL_OPTIMIZE");
      !s.ok()) {
    return s;
  }

  SyscallFilter filter;
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
    if (absl::Status s = AddNoNamespaceRule(ctx, SCMP_SYS(clone), "clone", kCloneNamespaceFlags);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            AddRule(ctx, SCMP_ACT_ERRNO(ENOSYS), "errno(ENOSYS)", SCMP_SYS(clone3), "clone3", {});
        !s.ok()) {
      return s;
    }
  }

  // Only when execve is not allowed outright: a conditional rule next to the unconditional
  // one would be dropped by libseccomp anyway.
  if (options.launch_exec_path != 0 && !policy.syscalls().contains("execve")) {
    if (absl::Status s = AddRule(
            ctx, SCMP_ACT_ALLOW, "allow (launch path only)", SCMP_SYS(execve), "execve",
            {scmp_arg_cmp{
                .arg = 0, .op = SCMP_CMP_EQ, .datum_a = options.launch_exec_path, .datum_b = 0}});
        !s.ok()) {
      return s;
    }
  }

  absl::StatusOr<std::vector<sock_filter>> program = ExportProgram(ctx);
  if (!program.ok()) return program.status();
  filter.program_ = *std::move(program);
  LogDebug(kModule, absl::StrCat("compiled ", policy.syscalls().size(), " policy syscalls into ",
                                 filter.program_.size(), " BPF instructions"));
  return filter;
}

int SyscallFilter::InstallInCurrentThread() const noexcept {
  if (program_.empty() || program_.size() > BPF_MAXINSNS) return EINVAL;
  sock_fprog prog{.len = static_cast<unsigned short>(program_.size()),
                  .filter = const_cast<sock_filter*>(program_.data())};
  // Raw syscall: glibc has no wrapper, and libseccomp's seccomp_load allocates.
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return errno;
  return 0;
}

}  // namespace cvlsm
