#include "bpf_backend/lsm_skeleton.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "bpf_backend/abi_check.h"
#include "common/errors.h"
#include "common/log.h"
#include "cvlsm_bpf.skel.h"

namespace cvlsm {
namespace {

int PrintLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG && GetLogLevel() > LogLevel::kDebug) return 0;
  char buffer[1024];
  int n = std::vsnprintf(buffer, sizeof(buffer), format, args);
  LogDebug("libbpf", buffer);
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

}  // namespace

void RouteLibbpfLogging() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(PrintLibbpf); });
}

absl::StatusOr<std::unique_ptr<LsmSkeleton>> LsmSkeleton::LoadAndAttach() {
  RouteLibbpfLogging();
  cvlsm_bpf* raw = cvlsm_bpf__open();
  if (!raw) return ErrnoError(errno, "open the embedded BPF object");
  std::unique_ptr<LsmSkeleton> skeleton(new LsmSkeleton(raw));

  if (int err = cvlsm_bpf__load(raw); err != 0) {
    return ErrnoError(-err, "load the BPF LSM programs", LoadRemedy(-err));
  }
  if (int err = cvlsm_bpf__attach(raw); err != 0) {
    return ErrnoError(-err, "attach the BPF LSM programs",
                      "the kernel needs CONFIG_BPF_LSM=y and 'bpf' in its lsm= boot parameter");
  }
  auto cgroups = TypedMap<__u64, cvlsm_cgroup_policy>::From(raw->maps.cvlsm_cgroups);
  if (!cgroups.ok()) return cgroups.status();
  auto rules = TypedMap<cvlsm_rule_key, cvlsm_rule_value>::From(raw->maps.cvlsm_path_rules);
  if (!rules.ok()) return rules.status();
  auto requests = TypedMap<__u32, cvlsm_object_id>::From(raw->maps.cvlsm_resolve_requests);
  if (!requests.ok()) return requests.status();
  skeleton->cgroups_.emplace(*std::move(cgroups));
  skeleton->path_rules_.emplace(*std::move(rules));
  skeleton->resolve_requests_.emplace(*std::move(requests));
  return skeleton;
}

volatile __u32* LsmSkeleton::resolvers_active() const {
  return &skel_->bss->cvlsm_resolvers_active;
}

LsmSkeleton::~LsmSkeleton() { cvlsm_bpf__destroy(skel_); }

}  // namespace cvlsm
