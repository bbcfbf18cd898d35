// RAII owner of the cv-lsm BPF programs: opens the embedded object, loads it (keeping the
// verifier's log for the error message) and attaches its hooks. Destroying it detaches
// everything, unless the programs were pinned (PinTo): pins keep them attached for the
// machine, and OpenPinned reaches their maps from any process. libbpf's own messages go to
// the debug log.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/typed_map.h"
#include "common/shared_mapping.h"
#include "common/unique_fd.h"
#include "cvlsm_abi.h"
#include "policy/path_resolution.h"

namespace cvlsm {

struct KernelHookSupport;

struct LoadOptions {
  // Attach the counter of the seccomp filter's refusals (fexit on __secure_computing). Off
  // by default: while attached, every syscall of every seccomp-filtered process on the
  // machine, confined by cv-lsm or not, goes through a BPF trampoline.
  bool count_syscall_denials = false;
};

class LsmSkeleton {
 public:
  static absl::StatusOr<std::unique_ptr<LsmSkeleton>> LoadAndAttach(
      const LoadOptions& options = {});
  // The maps and global state of programs another process pinned under `dir` (PinTo).
  static absl::StatusOr<std::unique_ptr<LsmSkeleton>> OpenPinned(const std::string& dir);
  ~LsmSkeleton();
  LsmSkeleton(const LsmSkeleton&) = delete;
  LsmSkeleton& operator=(const LsmSkeleton&) = delete;

  const TypedMap<__u64, cvlsm_cgroup_policy>& cgroups() const { return *cgroups_; }
  const TypedMap<cvlsm_rule_key, cvlsm_rule_value>& path_rules() const { return *path_rules_; }
  const TypedMap<__u32, cvlsm_object_id>& resolve_requests() const { return *resolve_requests_; }
  // Cgroups whose policy waits for their first exec (bpf/maps.h).
  const TypedMap<__u64, __u32>& exec_waits() const { return *exec_waits_; }
  // Network rules, folded per prefix (policy/net_fold.h), and the abstract unix names a
  // policy lets its processes reach.
  const TypedMap<cvlsm_net4_key, cvlsm_net_ports>& net4() const { return *net4_; }
  const TypedMap<cvlsm_net6_key, cvlsm_net_ports>& net6() const { return *net6_; }
  const TypedMap<cvlsm_unix_name_key, __u32>& unix_names() const { return *unix_names_; }
  // Rule inodes: address -> the generation of the inode there (cvlsm_rule_key).
  const TypedMap<__u64, __u64>& rule_inodes() const { return *rule_inodes_; }
  // Sets the rule filter's bit of a rule's inode (cvlsm_abi.h): before any rule on it is
  // written, or the walks would not look that rule up. Bits are never cleared. Refused for
  // an object the resolver program did not key (no bit).
  absl::Status MarkRuleInode(const ObjectId& object) const;
  // Per enforced cgroup, per CPU: the hooks' counts (PERCPU_HASH; see observe/).
  int stats_fd() const { return stats_fd_; }
  // Every distinct denial with its count and first occurrence.
  const TypedMap<cvlsm_denial_key, cvlsm_denial_record>& denials() const { return *denials_; }
  // The ring buffer of denial events.
  int events_fd() const { return events_fd_; }
  // Whether the program counting the seccomp filter's refusals is attached.
  bool counts_syscall_denials() const { return counts_syscall_denials_; }
  // The programs' global state, their mmapped .bss (cvlsm_global_state in cvlsm_abi.h).
  volatile cvlsm_global_state* state() const { return state_; }
  // Whether these are programs pinned for the machine (OpenPinned), not this process's own.
  bool pinned() const { return skel_ == nullptr; }

  // Pins every map and attached link under `dir` (an empty directory in bpffs): the
  // programs then stay attached after this process exits, until the pins are removed.
  absl::Status PinTo(const std::string& dir) const;

 private:
  LsmSkeleton(void* skel, void (*destroy)(void*)) : skel_(skel), destroy_(destroy) {}
  absl::Status WrapMaps();
  // Maps the rule filter (rule_filter_fd_) into this process.
  absl::Status MapRuleFilter();
  // Opens, adapts to the kernel's hooks, loads and attaches one build of the programs.
  template <typename Skel>
  static absl::StatusOr<std::unique_ptr<LsmSkeleton>> LoadVariant(const KernelHookSupport& support,
                                                                  bool count_syscall_denials);

  void* skel_;  // cvlsm_bpf or cvlsm_bpf_pre_5_17; null when opened from pins
  void (*destroy_)(void*);
  volatile cvlsm_global_state* state_ = nullptr;
  size_t state_mapping_size_ = 0;  // pinned: the .bss mapping to unmap
  // Descriptors of the maps (cgroups, path rules, requests, .bss) and of the attached links
  // with their programs' names: borrowed from the skeleton, or owned when opened from pins.
  int cgroups_fd_ = -1, path_rules_fd_ = -1, requests_fd_ = -1, exec_waits_fd_ = -1, state_fd_ = -1;
  int stats_fd_ = -1, denials_fd_ = -1, events_fd_ = -1;
  int net4_fd_ = -1, net6_fd_ = -1, unix_names_fd_ = -1, rule_inodes_fd_ = -1;
  int rule_filter_fd_ = -1;
  SharedMapping rule_filter_;  // CVLSM_RULE_FILTER_WORDS words
  bool counts_syscall_denials_ = false;
  std::vector<std::pair<std::string, int>> links_;
  std::vector<UniqueFd> owned_fds_;
  std::optional<TypedMap<__u64, cvlsm_cgroup_policy>> cgroups_;
  std::optional<TypedMap<cvlsm_rule_key, cvlsm_rule_value>> path_rules_;
  std::optional<TypedMap<__u32, cvlsm_object_id>> resolve_requests_;
  std::optional<TypedMap<__u64, __u32>> exec_waits_;
  std::optional<TypedMap<cvlsm_denial_key, cvlsm_denial_record>> denials_;
  std::optional<TypedMap<cvlsm_net4_key, cvlsm_net_ports>> net4_;
  std::optional<TypedMap<cvlsm_net6_key, cvlsm_net_ports>> net6_;
  std::optional<TypedMap<cvlsm_unix_name_key, __u32>> unix_names_;
  std::optional<TypedMap<__u64, __u64>> rule_inodes_;
};

// Identifies this build's programs (a hash of both embedded objects): pinned programs are
// reused only by a build whose programs are the same.
std::string ProgramsBuildId();

// Routes libbpf's printouts into cv-lsm's log (debug level) once per process.
void RouteLibbpfLogging();

// Which hooks the running kernel lets these programs use (read from its BTF and version):
// some hooks changed their parameters across 5.10..7.2, some are newer than 5.10.
struct KernelHookSupport {
  int path_rename_params = -1;  // 4 before 5.19, then 5 (flags)
  int bpf_params = -1;          // 3, then 4 (kernel)
  bool file_truncate = false;   // 6.2+; before, O_TRUNC and ftruncate reach path_truncate
  bool struct_params = false;   // 6.1+ attaches to hooks passing structs by value (chown)
  bool bpf_loop = false;        // 5.17+: cvlsm_bpf (loads much faster), else cvlsm_bpf_pre_5_17
  // 7.1+: the unix_find hook sees the path a process looked up to reach a pathname unix
  // socket; before, such a socket is checked on the path its server bound.
  bool unix_find = false;
  // The metadata hooks (extended attributes, times): 1 where their parameters begin with
  // an idmap (5.12+; inode_setattr from 6.3), 0 where the dentry comes first, -1 where the
  // kernel's list is new to cv-lsm (the hook is then not checked).
  int setxattr_idmap = -1;
  int removexattr_idmap = -1;
  int setattr_idmap = -1;
  bool set_acl = false;  // 6.2+: POSIX ACLs reach inode_set_acl/inode_remove_acl instead
  // Parameters of __secure_computing where it can be traced (x86_64; arm64 from 6.0): 1
  // (`sd`), 0 from 6.15; -1 when not. seccomp's refusals can be counted where 0/1.
  int seccomp_exit_params = -1;
  bool counts_seccomp_refusals() const {
    return seccomp_exit_params == 0 || seccomp_exit_params == 1;
  }
  // What cannot be enforced or reported here as a result (empty: everything can), each
  // with what would change that (empty when nothing the user can do).
  struct Omission {
    std::string what;
    std::string remedy;
  };
  std::vector<Omission> Omitted() const;
};
absl::StatusOr<KernelHookSupport> ReadKernelHookSupport();

// Why loaded programs do not count the seccomp filter's refusals, and what would make them:
// this kernel cannot trace __secure_computing, or they were loaded without the counter.
std::string WhySyscallDenialsAreNotCounted();

}  // namespace cvlsm
