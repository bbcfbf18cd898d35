// Identifies the object a rule path names as the LSM hooks will see it: switches the
// resolver program (lsm/inode_getattr) on for its own lifetime; for each path opens an O_PATH
// descriptor (the pin that keeps the inode alive while the rule exists) and fstat()s it with
// a request for this thread in the resolve map, which the program answers with the inode.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "policy/path_resolution.h"

namespace cvlsm {

class KernelObjectIdentifier : public ObjectIdentifier {
 public:
  explicit KernelObjectIdentifier(const LsmSkeleton& skeleton);
  ~KernelObjectIdentifier() override;
  KernelObjectIdentifier(const KernelObjectIdentifier&) = delete;
  KernelObjectIdentifier& operator=(const KernelObjectIdentifier&) = delete;
  absl::StatusOr<ObjectId> Identify(const std::string& path) override;
  bool PinsObjects() const override { return true; }

 private:
  const LsmSkeleton& skeleton_;
};

}  // namespace cvlsm
