#include "bpf_backend/kernel_object_identifier.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cvlsm {

KernelObjectIdentifier::KernelObjectIdentifier(const LsmSkeleton& skeleton) : skeleton_(skeleton) {
  __atomic_fetch_add(skeleton_.resolvers_active(), 1, __ATOMIC_SEQ_CST);
}

KernelObjectIdentifier::~KernelObjectIdentifier() {
  __atomic_fetch_sub(skeleton_.resolvers_active(), 1, __ATOMIC_SEQ_CST);
}

absl::StatusOr<ObjectId> KernelObjectIdentifier::Identify(const std::string& path) {
  __u32 tid = static_cast<__u32>(::gettid());
  if (absl::Status status = skeleton_.resolve_requests().Update(tid, cvlsm_object_id{});
      !status.ok()) {
    return status;
  }
  auto pin = std::make_shared<UniqueFd>(::open(path.c_str(), O_PATH | O_CLOEXEC));
  int open_errno = pin->valid() ? 0 : errno;
  struct stat st {};
  if (pin->valid() && ::fstatat(pin->get(), "", &st, AT_EMPTY_PATH) != 0) open_errno = errno;
  cvlsm_object_id answer{};
  bool answered = skeleton_.resolve_requests().Lookup(tid, &answer);
  (void)skeleton_.resolve_requests().Delete(tid);
  if (open_errno != 0) return ErrnoError(open_errno, absl::StrCat("open ", path));
  if (!answered || !answer.found) {
    return absl::InternalError(
        absl::StrCat("the kernel did not report which object ", path,
                     " is (resolver program not run): is 'bpf' in the kernel's lsm= list?"));
  }
  return ObjectId{0, answer.inode, std::move(pin)};
}

}  // namespace cvlsm
