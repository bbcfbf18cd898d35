#include "bpf_backend/kernel_objects.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace cvlsm {

KernelObjects::KernelObjects(const LsmSkeleton& skeleton) : skeleton_(skeleton) {
  __atomic_fetch_add(&skeleton_.state()->resolvers_active, 1, __ATOMIC_SEQ_CST);
}

KernelObjects::~KernelObjects() {
  __atomic_fetch_sub(&skeleton_.state()->resolvers_active, 1, __ATOMIC_SEQ_CST);
}

absl::Status KernelObjects::KeyObject(ObjectId& object, absl::string_view what) {
  const UniqueFd& pin = *object.pin;
  __u32 tid = static_cast<__u32>(::gettid());
  RETURN_IF_ERROR(skeleton_.resolve_requests().Update(tid, cvlsm_object_id{}));
  // The fstat() runs the resolver, which answers for this thread.
  struct stat st {};
  int stat_error = ::fstat(pin.get(), &st) == 0 ? 0 : errno;
  cvlsm_object_id answer{};
  bool answered = skeleton_.resolve_requests().Lookup(tid, &answer);
  (void)skeleton_.resolve_requests().Delete(tid);
  if (stat_error != 0) return ErrnoError(stat_error, absl::StrCat("stat ", what));
  if (!answered || !answer.found) {
    return WithRemedy(absl::InternalError(absl::StrCat("the kernel did not report which object ",
                                                       what, " is (resolver program not run)")),
                      "is 'bpf' in the kernel's lsm= list? (cv-lsm status)");
  }
  object.key = answer.inode;
  object.filter_bit = answer.filter_bit;
  object.space = 0;
  return absl::OkStatus();
}

absl::StatusOr<ResolvedPolicy> KernelObjects::Key(ResolvedPolicy rules) {
  for (ResolvedPathRule& rule : rules.rules) {
    if (!rule.object.pin || !rule.object.pin->valid()) {
      return absl::InternalError(
          absl::StrCat("path rule '", rule.path, "' was resolved without holding its object open"));
    }
    RETURN_IF_ERROR(KeyObject(rule.object, rule.path));
  }
  rules.keyed_by_kernel_inode = true;
  return MergeRulesOnSameObject(std::move(rules));
}

}  // namespace cvlsm
