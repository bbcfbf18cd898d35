// Identifies the object a rule path names as the LSM hooks will see it: attaches the
// resolver program (lsm/inode_getattr) for its own lifetime; for each path opens an O_PATH
// descriptor (the pin that keeps the inode alive while the rule exists) and fstat()s it with
// a request for this thread in the resolve map, which the program answers with the inode.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "bpf_backend/lsm_skeleton.h"
#include "policy/path_resolution.h"

struct bpf_link;

namespace cvlsm {

class KernelObjectIdentifier : public ObjectIdentifier {
 public:
  static absl::StatusOr<std::unique_ptr<KernelObjectIdentifier>> Attach(
      const LsmSkeleton& skeleton);
  ~KernelObjectIdentifier() override;
  absl::StatusOr<ObjectId> Identify(const std::string& path) override;

 private:
  KernelObjectIdentifier(const LsmSkeleton& skeleton, bpf_link* link)
      : skeleton_(skeleton), link_(link) {}
  const LsmSkeleton& skeleton_;
  bpf_link* link_;
};

}  // namespace cvlsm
