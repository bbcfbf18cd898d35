// RAII owner of the cv-lsm BPF programs: opens the embedded object, loads it (keeping the
// verifier's log for the error message) and attaches both LSM hooks. Destroying it detaches
// everything. libbpf's own messages go to the debug log.
#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "bpf_backend/typed_map.h"
#include "cvlsm_abi.h"

struct cvlsm_bpf;

namespace cvlsm {

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
  volatile __u32* resolvers_active() const;

 private:
  explicit LsmSkeleton(cvlsm_bpf* skel) : skel_(skel) {}
  cvlsm_bpf* skel_;
  std::optional<TypedMap<__u64, cvlsm_cgroup_policy>> cgroups_;
  std::optional<TypedMap<cvlsm_rule_key, cvlsm_rule_value>> path_rules_;
  std::optional<TypedMap<__u32, cvlsm_object_id>> resolve_requests_;
};

// Routes libbpf's printouts into cv-lsm's log (debug level) once per process.
void RouteLibbpfLogging();

}  // namespace cvlsm
