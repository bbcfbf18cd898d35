#include "bpf_backend/lsm_skeleton.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "bpf_backend/abi_check.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "cvlsm_bpf.skel.h"
#include "cvlsm_bpf_pre_5_17.skel.h"

namespace cvlsm {
namespace {

int PrintLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG && GetLogLevel() > LogLevel::kDebug) return 0;
  // Whole: a verifier log runs to thousands of lines, and its end says what failed.
  char* text = nullptr;
  int n = ::vasprintf(&text, format, args);
  if (n < 0) return n;
  LogDebug("libbpf", text);
  std::free(text);
  return n;
}

// What to tell the user when loading fails, by errno.
absl::string_view LoadRemedy(int err) {
  switch (err) {
    case EPERM:
      return "the kernel refuses BPF LSM programs here (they need CAP_BPF and CAP_SYS_ADMIN; "
             "lockdown or a locked-down VM forbids them): run on a kernel that allows them";
    case ENOENT:
    case ESRCH:
      return "the kernel lacks BTF or an LSM hook this object needs "
             "(CONFIG_DEBUG_INFO_BTF, CONFIG_BPF_LSM)";
    case EINVAL:
      return "the verifier rejected a program: run with --verbose for libbpf's log";
    default:
      return {};
  }
}

bool HasEnumValue(const struct btf* vmlinux, const char* enum_name, const char* value) {
  int id = btf__find_by_name_kind(vmlinux, enum_name, BTF_KIND_ENUM);
  const struct btf_type* type = id < 0 ? nullptr : btf__type_by_id(vmlinux, id);
  if (type == nullptr) return false;
  const struct btf_enum* values = btf_enum(type);
  for (int i = 0; i < btf_vlen(type); ++i) {
    const char* name = btf__name_by_offset(vmlinux, values[i].name_off);
    if (name != nullptr && std::strcmp(name, value) == 0) return true;
  }
  return false;
}

// The number of parameters of a kernel function (from the kernel's BTF), or -1 when the
// kernel has no such function.
int FunctionParameters(const struct btf* vmlinux, const std::string& function) {
  int id = btf__find_by_name_kind(vmlinux, function.c_str(), BTF_KIND_FUNC);
  if (id < 0) return -1;
  const struct btf_type* func = btf__type_by_id(vmlinux, id);
  const struct btf_type* proto = func ? btf__type_by_id(vmlinux, func->type) : nullptr;
  return proto ? btf_vlen(proto) : -1;
}

// The number of parameters of an LSM hook in the running kernel, or -1 when it has none.
int HookParameters(const struct btf* vmlinux, const char* hook) {
  return FunctionParameters(vmlinux, absl::StrCat("bpf_lsm_", hook));
}

// 1 when a hook has `with_idmap` parameters (an idmap first), 0 when it has one fewer (the
// dentry first), -1 for any other list.
int IdmapFirst(const struct btf* vmlinux, const char* hook, int with_idmap) {
  int params = HookParameters(vmlinux, hook);
  return params == with_idmap ? 1 : params == with_idmap - 1 ? 0 : -1;
}

// Hooks whose parameter lists differ between the kernels cv-lsm supports have one program
// per list: only the one matching the running kernel is loaded, and a hook the kernel lacks
// or cannot attach to is not loaded at all (KernelHookSupport::Omitted says what that
// leaves unenforced).
template <typename Skel>
absl::Status AdaptToKernelHooks(Skel* skel, const KernelHookSupport& support,
                                bool count_syscall_denials) {
  int rename_params = support.path_rename_params, bpf_params = support.bpf_params;
  if ((rename_params != 4 && rename_params != 5) || (bpf_params != 3 && bpf_params != 4)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this kernel's LSM hooks differ from every kernel cv-lsm knows (path_rename has ",
        rename_params, " parameters, bpf ", bpf_params,
        "): report the kernel version; use --mode landlock meanwhile"));
  }
  bpf_program__set_autoload(skel->progs.cvlsm_path_rename, rename_params == 5);
  bpf_program__set_autoload(skel->progs.cvlsm_path_rename_no_flags, rename_params == 4);
  bpf_program__set_autoload(skel->progs.cvlsm_bpf, bpf_params == 3);
  bpf_program__set_autoload(skel->progs.cvlsm_bpf_kernel_arg, bpf_params == 4);
  bpf_program__set_autoload(skel->progs.cvlsm_file_truncate, support.file_truncate);
  bpf_program__set_autoload(skel->progs.cvlsm_path_chown, support.struct_params);
  bpf_program__set_autoload(skel->progs.cvlsm_unix_find, support.unix_find);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_setxattr, support.setxattr_idmap == 1);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_setxattr_no_idmap, support.setxattr_idmap == 0);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_removexattr, support.removexattr_idmap == 1);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_removexattr_no_idmap,
                            support.removexattr_idmap == 0);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_set_acl, support.set_acl);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_remove_acl, support.set_acl);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_setattr, support.setattr_idmap == 1);
  bpf_program__set_autoload(skel->progs.cvlsm_inode_setattr_no_idmap, support.setattr_idmap == 0);
  bpf_program__set_autoload(skel->progs.cvlsm_seccomp_exit,
                            count_syscall_denials && support.seccomp_exit_params == 1);
  bpf_program__set_autoload(skel->progs.cvlsm_seccomp_exit_no_args,
                            count_syscall_denials && support.seccomp_exit_params == 0);
  for (const KernelHookSupport::Omission& omitted : support.Omitted()) {
    LogDebug("bpf-lsm", omitted.what);
  }
  return absl::OkStatus();
}

// major * 1000 + minor of the running kernel (0 when unreadable).
int KernelVersion() {
  struct utsname uts {};
  int major = 0, minor = 0;
  if (::uname(&uts) != 0 || std::sscanf(uts.release, "%d.%d", &major, &minor) != 2) return 0;
  return major * 1000 + minor;
}

}  // namespace

absl::StatusOr<KernelHookSupport> ReadKernelHookSupport() {
  struct btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) {
    return ErrnoError(errno, "read the kernel's BTF",
                      "the kernel needs CONFIG_DEBUG_INFO_BTF (/sys/kernel/btf/vmlinux)");
  }
  KernelHookSupport support;
  support.path_rename_params = HookParameters(vmlinux, "path_rename");
  support.bpf_params = HookParameters(vmlinux, "bpf");
  support.file_truncate = HookParameters(vmlinux, "file_truncate") >= 0;
  support.unix_find = HookParameters(vmlinux, "unix_find") == 3;
  support.setxattr_idmap = IdmapFirst(vmlinux, "inode_setxattr", 6);
  support.removexattr_idmap = IdmapFirst(vmlinux, "inode_removexattr", 3);
  support.setattr_idmap = IdmapFirst(vmlinux, "inode_setattr", 3);
  support.set_acl = HookParameters(vmlinux, "inode_set_acl") == 4 &&
                    HookParameters(vmlinux, "inode_remove_acl") == 3;
  support.bpf_loop = HasEnumValue(vmlinux, "bpf_func_id", "BPF_FUNC_loop");
  const bool traces_functions =
#if defined(__x86_64__)
      true;
#else
      KernelVersion() >= 6000;
#endif
  support.seccomp_exit_params =
      traces_functions ? FunctionParameters(vmlinux, "__secure_computing") : -1;
  btf__free(vmlinux);
  support.struct_params = KernelVersion() >= 6001;
  return support;
}

std::vector<KernelHookSupport::Omission> KernelHookSupport::Omitted() const {
  std::vector<Omission> omitted;
  if (!struct_params) {
    omitted.push_back(
        {"chown is not checked against the path rules (kernels before 6.1 cannot attach BPF "
         "programs to hooks that pass structs by value; the syscall filter and the missing "
         "capability CAP_CHOWN still stand)",
         "use kernel 6.1 or newer"});
  }
  if (!unix_find) {
    omitted.push_back(
        {"a pathname unix socket is checked on the path its server bound, not the one the "
         "client looked up (before 7.1 the kernel has no unix_find hook): a socket bind-mounted "
         "into a container is judged by the rules on its own file and the server's side",
         "put the rule on the socket file itself, or use kernel 7.1 or newer"});
  }
  if (setxattr_idmap < 0 || removexattr_idmap < 0) {
    omitted.push_back(
        {"extended attributes (POSIX ACLs among them) are not checked against the path rules "
         "(this kernel's inode_setxattr/inode_removexattr parameters are new to cv-lsm)",
         "report the kernel version"});
  }
  if (setattr_idmap < 0) {
    omitted.push_back(
        {"a file's times are not checked against the path rules (this "
         "kernel's inode_setattr parameters are new to cv-lsm)",
         "report the kernel version"});
  }
  if (!counts_seccomp_refusals()) {
    omitted.push_back(
        {"the syscall filter's refusals are enforced but cannot be counted or reported "
         "(load --count-syscall-denials traces __secure_computing: this kernel cannot, or its "
         "parameters are new to cv-lsm; arm64 traces functions from 6.0)",
         ""});
  }
  return omitted;
}

std::string WhySyscallDenialsAreNotCounted() {
  absl::StatusOr<KernelHookSupport> hooks = ReadKernelHookSupport();
  if (hooks.ok() && !hooks->counts_seccomp_refusals()) {
    return "this kernel cannot trace __secure_computing (arm64 traces functions from 6.0), "
           "or its parameters are new to cv-lsm";
  }
  return "the programs were loaded without the counter, which cannot be added to loaded "
         "programs: cv-lsm unload (it lifts every confinement), then cv-lsm load "
         "--count-syscall-denials";
}

std::string ProgramsBuildId() {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  auto mix = [&hash](const void* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      hash = (hash ^ static_cast<const unsigned char*>(data)[i]) * 0x100000001b3ull;
    }
  };
  size_t size = 0;
  const void* bytes = cvlsm_bpf__elf_bytes(&size);
  mix(bytes, size);
  bytes = cvlsm_bpf_pre_5_17__elf_bytes(&size);
  mix(bytes, size);
  char id[17];
  std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(hash));
  return id;
}

void RouteLibbpfLogging() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(PrintLibbpf); });
}

namespace {

// The two builds of the programs (bpf/build_variant.h): cvlsm_bpf for kernels with bpf_loop(),
// cvlsm_bpf_pre_5_17 for those without; behind one set of calls.
template <typename Skel>
struct SkeletonCalls;
template <>
struct SkeletonCalls<cvlsm_bpf> {
  static cvlsm_bpf* Open() { return cvlsm_bpf__open(); }
  static int Load(cvlsm_bpf* s) { return cvlsm_bpf__load(s); }
  static int Attach(cvlsm_bpf* s) { return cvlsm_bpf__attach(s); }
  static void Destroy(void* s) { cvlsm_bpf__destroy(static_cast<cvlsm_bpf*>(s)); }
};
template <>
struct SkeletonCalls<cvlsm_bpf_pre_5_17> {
  static cvlsm_bpf_pre_5_17* Open() { return cvlsm_bpf_pre_5_17__open(); }
  static int Load(cvlsm_bpf_pre_5_17* s) { return cvlsm_bpf_pre_5_17__load(s); }
  static int Attach(cvlsm_bpf_pre_5_17* s) { return cvlsm_bpf_pre_5_17__attach(s); }
  static void Destroy(void* s) { cvlsm_bpf_pre_5_17__destroy(static_cast<cvlsm_bpf_pre_5_17*>(s)); }
};

}  // namespace

// The manager maps the .bss as one cvlsm_global_state, in both builds.
static_assert(offsetof(cvlsm_bpf::cvlsm_bpf__bss, cvlsm_state) == 0 &&
              sizeof(cvlsm_bpf::cvlsm_bpf__bss) == sizeof(cvlsm_global_state));
static_assert(offsetof(cvlsm_bpf_pre_5_17::cvlsm_bpf_pre_5_17__bss, cvlsm_state) == 0 &&
              sizeof(cvlsm_bpf_pre_5_17::cvlsm_bpf_pre_5_17__bss) == sizeof(cvlsm_global_state));

namespace {
// Names of the pins under a pinned-state directory.
constexpr char kCgroupsPin[] = "cgroups";
constexpr char kPathRulesPin[] = "path_rules";
constexpr char kRequestsPin[] = "resolve_requests";
constexpr char kStatePin[] = "state";
constexpr char kExecWaitsPin[] = "exec_waits";
constexpr char kStatsPin[] = "stats";
constexpr char kDenialsPin[] = "denials";
constexpr char kEventsPin[] = "events";
constexpr char kNet4Pin[] = "net4";
constexpr char kNet6Pin[] = "net6";
constexpr char kUnixNamesPin[] = "unix_names";
constexpr char kRuleInodesPin[] = "rule_inodes";
constexpr char kRuleFilterPin[] = "rule_filter";
constexpr char kLinkPinPrefix[] = "link_";  // bpffs refuses names with a dot
}  // namespace

template <typename Skel>
absl::StatusOr<std::unique_ptr<LsmSkeleton>> LsmSkeleton::LoadVariant(
    const KernelHookSupport& support, bool count_syscall_denials) {
  using Calls = SkeletonCalls<Skel>;
  Skel* raw = Calls::Open();
  if (!raw) return ErrnoError(errno, "open the embedded BPF object");
  std::unique_ptr<LsmSkeleton> skeleton(new LsmSkeleton(raw, &Calls::Destroy));

  RETURN_IF_ERROR(AdaptToKernelHooks(raw, support, count_syscall_denials));
  if (int err = Calls::Load(raw); err != 0) {
    return ErrnoError(-err, "load the BPF LSM programs", LoadRemedy(-err));
  }
  // Before any hook runs: each cgroup may fill at most a quarter of the shared denial table
  // (spread over the CPUs), so no workload can blind the others' records.
  const int cpus = std::max(1, libbpf_num_possible_cpus());
  raw->bss->cvlsm_state.records_per_cpu = std::max(64, CVLSM_MAX_DENIAL_RECORDS / 4 / cpus);
  raw->bss->cvlsm_state.unix_find_attached = support.unix_find ? 1 : 0;
  if (int err = Calls::Attach(raw); err != 0) {
    return ErrnoError(-err, "attach the BPF LSM programs",
                      "the kernel needs CONFIG_BPF_LSM=y and 'bpf' in its lsm= boot parameter");
  }
  skeleton->state_ = reinterpret_cast<volatile cvlsm_global_state*>(&raw->bss->cvlsm_state);
  skeleton->cgroups_fd_ = bpf_map__fd(raw->maps.cvlsm_cgroups);
  skeleton->path_rules_fd_ = bpf_map__fd(raw->maps.cvlsm_path_rules);
  skeleton->requests_fd_ = bpf_map__fd(raw->maps.cvlsm_resolve_requests);
  skeleton->exec_waits_fd_ = bpf_map__fd(raw->maps.cvlsm_exec_waits);
  skeleton->state_fd_ = bpf_map__fd(raw->maps.bss);
  skeleton->stats_fd_ = bpf_map__fd(raw->maps.cvlsm_stats);
  skeleton->denials_fd_ = bpf_map__fd(raw->maps.cvlsm_denials);
  skeleton->events_fd_ = bpf_map__fd(raw->maps.cvlsm_events);
  skeleton->net4_fd_ = bpf_map__fd(raw->maps.cvlsm_net4);
  skeleton->net6_fd_ = bpf_map__fd(raw->maps.cvlsm_net6);
  skeleton->unix_names_fd_ = bpf_map__fd(raw->maps.cvlsm_unix_names);
  skeleton->rule_inodes_fd_ = bpf_map__fd(raw->maps.cvlsm_rule_inodes);
  skeleton->rule_filter_fd_ = bpf_map__fd(raw->maps.cvlsm_rule_filter);
  for (int i = 0; i < raw->skeleton->prog_cnt; ++i) {
    struct bpf_link* link = *raw->skeleton->progs[i].link;
    if (link != nullptr) {
      skeleton->links_.emplace_back(raw->skeleton->progs[i].name, bpf_link__fd(link));
    }
  }
  skeleton->counts_syscall_denials_ = count_syscall_denials && support.counts_seccomp_refusals();
  RETURN_IF_ERROR(skeleton->WrapMaps());
  RETURN_IF_ERROR(skeleton->MapRuleFilter());
  return skeleton;
}

absl::Status LsmSkeleton::WrapMaps() {
  auto cgroups = TypedMap<__u64, cvlsm_cgroup_policy>::FromFd(cgroups_fd_, "cvlsm_cgroups");
  if (!cgroups.ok()) return cgroups.status();
  auto rules =
      TypedMap<cvlsm_rule_key, cvlsm_rule_value>::FromFd(path_rules_fd_, "cvlsm_path_rules");
  if (!rules.ok()) return rules.status();
  auto requests = TypedMap<__u32, cvlsm_object_id>::FromFd(requests_fd_, "cvlsm_resolve_requests");
  if (!requests.ok()) return requests.status();
  auto waits = TypedMap<__u64, __u32>::FromFd(exec_waits_fd_, "cvlsm_exec_waits");
  if (!waits.ok()) return waits.status();
  exec_waits_.emplace(*std::move(waits));
  auto denials =
      TypedMap<cvlsm_denial_key, cvlsm_denial_record>::FromFd(denials_fd_, "cvlsm_denials");
  if (!denials.ok()) return denials.status();
  denials_.emplace(*std::move(denials));
  ASSIGN_OR_RETURN(auto net4,
                   (TypedMap<cvlsm_net4_key, cvlsm_net_ports>::FromFd(net4_fd_, "cvlsm_net4")));
  net4_.emplace(std::move(net4));
  ASSIGN_OR_RETURN(auto net6,
                   (TypedMap<cvlsm_net6_key, cvlsm_net_ports>::FromFd(net6_fd_, "cvlsm_net6")));
  net6_.emplace(std::move(net6));
  ASSIGN_OR_RETURN(auto names, (TypedMap<cvlsm_unix_name_key, __u32>::FromFd(unix_names_fd_,
                                                                             "cvlsm_unix_names")));
  unix_names_.emplace(std::move(names));
  ASSIGN_OR_RETURN(auto rule_inodes,
                   (TypedMap<__u64, __u64>::FromFd(rule_inodes_fd_, "cvlsm_rule_inodes")));
  rule_inodes_.emplace(std::move(rule_inodes));
  cgroups_.emplace(*std::move(cgroups));
  path_rules_.emplace(*std::move(rules));
  resolve_requests_.emplace(*std::move(requests));
  return absl::OkStatus();
}

absl::Status LsmSkeleton::MapRuleFilter() {
  struct bpf_map_info info {};
  __u32 length = sizeof(info);
  if (bpf_obj_get_info_by_fd(rule_filter_fd_, &info, &length) != 0) {
    return ErrnoError(errno, "read the info of the rule filter map");
  }
  if (info.value_size != sizeof(__u64) || info.max_entries != CVLSM_RULE_FILTER_WORDS) {
    return absl::FailedPreconditionError(
        absl::StrCat("the rule filter map has ", info.max_entries, " words of ", info.value_size,
                     " bytes, this build expects ", CVLSM_RULE_FILTER_WORDS,
                     " of 8: another build pinned the programs (cv-lsm unload, then cv-lsm load)"));
  }
  ASSIGN_OR_RETURN(rule_filter_,
                   SharedMapping::Map(rule_filter_fd_, CVLSM_RULE_FILTER_WORDS * sizeof(__u64),
                                      "the rule filter map"));
  return absl::OkStatus();
}

absl::Status LsmSkeleton::MarkRuleInode(const ObjectId& object) const {
  if (!object.filter_bit || *object.filter_bit >= CVLSM_RULE_FILTER_WORDS * 64) {
    return absl::InternalError(
        "a path rule's object has no rule filter bit: it was not keyed by the kernel");
  }
  const __u32 bit = *object.filter_bit;
  auto* words = static_cast<__u64*>(rule_filter_.get());
  __atomic_fetch_or(&words[bit >> 6], __u64{1} << (bit & 63), __ATOMIC_SEQ_CST);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LsmSkeleton>> LsmSkeleton::OpenPinned(const std::string& dir) {
  std::unique_ptr<LsmSkeleton> skeleton(new LsmSkeleton(nullptr, nullptr));
  for (auto [name, fd] :
       {std::pair{kCgroupsPin, &skeleton->cgroups_fd_},
        std::pair{kPathRulesPin, &skeleton->path_rules_fd_},
        std::pair{kRequestsPin, &skeleton->requests_fd_},
        std::pair{kExecWaitsPin, &skeleton->exec_waits_fd_},
        std::pair{kStatsPin, &skeleton->stats_fd_}, std::pair{kDenialsPin, &skeleton->denials_fd_},
        std::pair{kEventsPin, &skeleton->events_fd_}, std::pair{kStatePin, &skeleton->state_fd_},
        std::pair{kNet4Pin, &skeleton->net4_fd_}, std::pair{kNet6Pin, &skeleton->net6_fd_},
        std::pair{kUnixNamesPin, &skeleton->unix_names_fd_},
        std::pair{kRuleInodesPin, &skeleton->rule_inodes_fd_},
        std::pair{kRuleFilterPin, &skeleton->rule_filter_fd_}}) {
    std::string path = absl::StrCat(dir, "/", name);
    UniqueFd opened(bpf_obj_get(path.c_str()));
    if (!opened.valid()) {
      return ErrnoError(errno, absl::StrCat("open the pinned map ", path),
                        "the pinned state is incomplete: run cv-lsm unload, then cv-lsm load");
    }
    *fd = opened.get();
    skeleton->owned_fds_.push_back(std::move(opened));
  }
  RETURN_IF_ERROR(skeleton->WrapMaps());
  RETURN_IF_ERROR(skeleton->MapRuleFilter());
  skeleton->counts_syscall_denials_ =
      ::access(absl::StrCat(dir, "/", kLinkPinPrefix, "cvlsm_seccomp_exit").c_str(), F_OK) == 0 ||
      ::access(absl::StrCat(dir, "/", kLinkPinPrefix, "cvlsm_seccomp_exit_no_args").c_str(),
               F_OK) == 0;

  struct bpf_map_info info {};
  __u32 length = sizeof(info);
  if (bpf_obj_get_info_by_fd(skeleton->state_fd_, &info, &length) != 0) {
    return ErrnoError(errno, "read the info of the pinned state map");
  }
  if (info.value_size != sizeof(cvlsm_global_state)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the pinned programs' global state is ", info.value_size,
                     " bytes, this build's ", sizeof(cvlsm_global_state),
                     ": another build pinned them (cv-lsm unload, then cv-lsm load)"));
  }
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t size = (sizeof(cvlsm_global_state) + page - 1) / page * page;
  void* mapped = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, skeleton->state_fd_, 0);
  if (mapped == MAP_FAILED) return ErrnoError(errno, "map the pinned programs' global state");
  skeleton->state_ = static_cast<volatile cvlsm_global_state*>(mapped);
  skeleton->state_mapping_size_ = size;
  return skeleton;
}

absl::Status LsmSkeleton::PinTo(const std::string& dir) const {
  std::vector<std::pair<std::string, int>> pins = {{kCgroupsPin, cgroups_fd_},
                                                   {kPathRulesPin, path_rules_fd_},
                                                   {kRequestsPin, requests_fd_},
                                                   {kExecWaitsPin, exec_waits_fd_},
                                                   {kStatsPin, stats_fd_},
                                                   {kDenialsPin, denials_fd_},
                                                   {kEventsPin, events_fd_},
                                                   {kStatePin, state_fd_},
                                                   {kNet4Pin, net4_fd_},
                                                   {kNet6Pin, net6_fd_},
                                                   {kUnixNamesPin, unix_names_fd_},
                                                   {kRuleInodesPin, rule_inodes_fd_},
                                                   {kRuleFilterPin, rule_filter_fd_}};
  for (const auto& [program, fd] : links_) pins.emplace_back(kLinkPinPrefix + program, fd);
  for (const auto& [name, fd] : pins) {
    std::string path = absl::StrCat(dir, "/", name);
    if (bpf_obj_pin(fd, path.c_str()) != 0) {
      return ErrnoError(errno, absl::StrCat("pin ", path), "is bpffs mounted at that place?");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LsmSkeleton>> LsmSkeleton::LoadAndAttach(
    const LoadOptions& options) {
  RouteLibbpfLogging();
  ASSIGN_OR_RETURN(KernelHookSupport support, ReadKernelHookSupport());
  auto load = [&support](bool count_syscall_denials) {
    return support.bpf_loop ? LoadVariant<cvlsm_bpf>(support, count_syscall_denials)
                            : LoadVariant<cvlsm_bpf_pre_5_17>(support, count_syscall_denials);
  };
  if (!support.bpf_loop) {
    LogDebug("bpf-lsm",
             "no bpf_loop() in this kernel: the programs built for kernels before 5.17 (slower "
             "to load)");
  }
  const bool count = options.count_syscall_denials;
  if (count && !support.counts_seccomp_refusals()) {
    LogWarning("bpf-lsm",
               "syscall denials are not counted: this kernel cannot trace __secure_computing "
               "(arm64 traces functions from 6.0) or changed its parameters");
  }
  absl::StatusOr<std::unique_ptr<LsmSkeleton>> skeleton =
      load(count && support.counts_seccomp_refusals());
  if (skeleton.ok() || !count || !support.counts_seccomp_refusals()) return skeleton;
  // Counting seccomp's refusals traces a kernel function, not an LSM hook: a kernel that
  // changed it must not cost the enforcement. Without it, stats say they are not counted.
  absl::StatusOr<std::unique_ptr<LsmSkeleton>> without_counter = load(false);
  if (!without_counter.ok()) return skeleton;  // the first error: the one that says why
  LogWarning("bpf-lsm", absl::StrCat("loaded without the syscall-denial counter (",
                                     ErrorText(skeleton.status()), ")"));
  return without_counter;
}

LsmSkeleton::~LsmSkeleton() {
  if (skel_ != nullptr) {
    destroy_(skel_);
  } else if (state_ != nullptr) {
    ::munmap(const_cast<cvlsm_global_state*>(state_), state_mapping_size_);
  }
}

}  // namespace cvlsm
