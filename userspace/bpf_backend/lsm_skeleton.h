// RAII owner of the cv-lsm BPF programs: opens the embedded object, loads it (keeping the
// verifier's log for the error message) and attaches both LSM hooks. Destroying it detaches
// everything. libbpf's own messages go to the debug log.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf_backend/typed_map.h"
#include "cvlsm_abi.h"

namespace cvlsm {

struct KernelHookSupport;

class LsmSkeleton {
 public:
  static absl::StatusOr<std::unique_ptr<LsmSkeleton>> LoadAndAttach();
  ~LsmSkeleton();
  LsmSkeleton(const LsmSkeleton&) = delete;
  LsmSkeleton& operator=(const LsmSkeleton&) = delete;

  const TypedMap<__u64, cvlsm_cgroup_policy>& cgroups() const { return *cgroups_; }
  const TypedMap<cvlsm_rule_key, cvlsm_rule_value>& path_rules() const { return *path_rules_; }
  const TypedMap<__u32, cvlsm_object_id>& resolve_requests() const { return *resolve_requests_; }
  // Count of resolution sessions in progress, in the programs' mmapped .bss: the
  // rule-path resolver does nothing while it is 0 (see KernelObjectIdentifier).
  volatile __u32* resolvers_active() const { return resolvers_active_; }

 private:
  LsmSkeleton(void* skel, void (*destroy)(void*)) : skel_(skel), destroy_(destroy) {}
  // Opens, adapts to the kernel's hooks, loads and attaches one build of the programs.
  template <typename Skel>
  static absl::StatusOr<std::unique_ptr<LsmSkeleton>> LoadVariant(const KernelHookSupport& support);

  void* skel_;  // cvlsm_bpf or cvlsm_bpf_bounded, chosen by the kernel's features
  void (*destroy_)(void*);
  volatile __u32* resolvers_active_ = nullptr;
  std::optional<TypedMap<__u64, cvlsm_cgroup_policy>> cgroups_;
  std::optional<TypedMap<cvlsm_rule_key, cvlsm_rule_value>> path_rules_;
  std::optional<TypedMap<__u32, cvlsm_object_id>> resolve_requests_;
};

// Routes libbpf's printouts into cv-lsm's log (debug level) once per process.
void RouteLibbpfLogging();

// Which hooks the running kernel lets these programs use (read from its BTF and version):
// some hooks changed their parameters across 5.10..7.2, some are newer than 5.10.
struct KernelHookSupport {
  int path_rename_params = -1;  // 4 before 5.19, then 5 (flags)
  int bpf_params = -1;          // 3, then 4 (kernel)
  bool file_truncate = false;   // 6.2+; before, O_TRUNC and ftruncate reach path_truncate
  bool struct_params = false;   // 6.1+ attaches to hooks passing structs by value (chown)
  bool bpf_loop = false;        // 5.17+: the walk loads much faster (cvlsm_bpf, not _bounded)
  // What cannot be enforced here as a result, one clause each (empty: everything).
  std::vector<std::string> Omitted() const;
};
absl::StatusOr<KernelHookSupport> ReadKernelHookSupport();

}  // namespace cvlsm
