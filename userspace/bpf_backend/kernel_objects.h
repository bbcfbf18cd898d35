// Which kernel inode each resolved rule names, as the LSM hooks will see it: while a
// KernelObjects lives, the resolver program (lsm/inode_getattr) is switched on, and an
// fstat() of a rule's pin (its O_PATH descriptor) with a request for this thread in the
// resolve map is answered with the address of the inode it reached. The rule's pin then
// keeps that inode, hence its address, alive while the rule exists.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "common/unique_fd.h"
#include "policy/path_resolution.h"

namespace cvlsm {

class KernelObjects {
 public:
  explicit KernelObjects(const LsmSkeleton& skeleton);
  ~KernelObjects();
  KernelObjects(const KernelObjects&) = delete;
  KernelObjects& operator=(const KernelObjects&) = delete;

  // Keys `object` (which holds its pin) by the address of the struct inode it reaches, with
  // that inode's rule filter bit; `what` names it in errors.
  absl::Status KeyObject(ObjectId& object, absl::string_view what);

  // The rules keyed by inode address (ObjectId space 0), merged where two name one inode.
  // Every rule must hold its pin (ResolvePathRules with a pinning identifier). Apply does
  // this itself for rules that are not keyed yet.
  absl::StatusOr<ResolvedPolicy> Key(ResolvedPolicy rules);

 private:
  const LsmSkeleton& skeleton_;
};

}  // namespace cvlsm
