// Identifies the object a rule path names as the LSM hooks will see it: switches the
// resolver program (lsm/inode_getattr) on for its own lifetime; for each path has the opener
// open an O_PATH descriptor (the pin that keeps the inode alive while the rule exists) and
// fstat() it with a request for this thread in the resolve map, which the program answers
// with the inode. The opener decides where paths resolve: the manager's own root
// (OpenPathIdentifier) or a container's (RootedPathIdentifier).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "policy/path_resolution.h"

namespace cvlsm {

class KernelObjectIdentifier : public ObjectIdentifier {
 public:
  // `opener` must pin its objects (PinsObjects) and outlive this identifier.
  explicit KernelObjectIdentifier(const LsmSkeleton& skeleton,
                                  ObjectIdentifier& opener = OpenPathIdentifier());
  ~KernelObjectIdentifier() override;
  KernelObjectIdentifier(const KernelObjectIdentifier&) = delete;
  KernelObjectIdentifier& operator=(const KernelObjectIdentifier&) = delete;
  absl::StatusOr<ObjectId> Identify(const std::string& path) override;
  bool PinsObjects() const override { return true; }

 private:
  const LsmSkeleton& skeleton_;
  ObjectIdentifier& opener_;
};

}  // namespace cvlsm
