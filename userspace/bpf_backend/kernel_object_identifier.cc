#include "bpf_backend/kernel_object_identifier.h"

#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cvlsm {

absl::StatusOr<std::unique_ptr<KernelObjectIdentifier>> KernelObjectIdentifier::Attach(
    const LsmSkeleton& skeleton) {
  bpf_link* link = bpf_program__attach(skeleton.resolver_program());
  if (!link) return ErrnoError(errno, "attach the rule-path resolver (lsm/inode_getattr)");
  return std::unique_ptr<KernelObjectIdentifier>(new KernelObjectIdentifier(skeleton, link));
}

KernelObjectIdentifier::~KernelObjectIdentifier() { bpf_link__destroy(link_); }

absl::StatusOr<ObjectId> KernelObjectIdentifier::Identify(const std::string& path) {
  __u32 tid = static_cast<__u32>(::gettid());
  if (absl::Status status = skeleton_.resolve_requests().Update(tid, cvlsm_object_id{});
      !status.ok()) {
    return status;
  }
  struct stat st {};
  int stat_errno = ::stat(path.c_str(), &st) == 0 ? 0 : errno;
  cvlsm_object_id answer{};
  bool answered = skeleton_.resolve_requests().Lookup(tid, &answer);
  (void)skeleton_.resolve_requests().Delete(tid);
  if (stat_errno != 0) return ErrnoError(stat_errno, absl::StrCat("stat ", path));
  if (!answered || !answer.found) {
    return absl::InternalError(
        absl::StrCat("the kernel did not report which object ", path,
                     " is (resolver program not run): is 'bpf' in the kernel's lsm= list?"));
  }
  return ObjectId{answer.dev, answer.ino};
}

}  // namespace cvlsm
