#include "bpf_backend/kernel_object_identifier.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace cvlsm {

KernelObjectIdentifier::KernelObjectIdentifier(const LsmSkeleton& skeleton,
                                               ObjectIdentifier& opener)
    : skeleton_(skeleton), opener_(opener) {
  __atomic_fetch_add(&skeleton_.state()->resolvers_active, 1, __ATOMIC_SEQ_CST);
}

KernelObjectIdentifier::~KernelObjectIdentifier() {
  __atomic_fetch_sub(&skeleton_.state()->resolvers_active, 1, __ATOMIC_SEQ_CST);
}

absl::StatusOr<ObjectId> KernelObjectIdentifier::Identify(const std::string& path) {
  __u32 tid = static_cast<__u32>(::gettid());
  if (absl::Status status = skeleton_.resolve_requests().Update(tid, cvlsm_object_id{});
      !status.ok()) {
    return status;
  }
  // The opener's fstat() runs the resolver, which answers for this thread.
  absl::StatusOr<ObjectId> opened = opener_.Identify(path);
  cvlsm_object_id answer{};
  bool answered = skeleton_.resolve_requests().Lookup(tid, &answer);
  (void)skeleton_.resolve_requests().Delete(tid);
  if (!opened.ok()) return opened.status();
  if (!answered || !answer.found) {
    return absl::InternalError(
        absl::StrCat("the kernel did not report which object ", path,
                     " is (resolver program not run): is 'bpf' in the kernel's lsm= list?"));
  }
  return ObjectId{0, answer.inode, std::move(opened->pin)};
}

}  // namespace cvlsm
