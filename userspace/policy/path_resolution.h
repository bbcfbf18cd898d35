// Turns a policy's path rules into the filesystem objects they name, as the kernel
// identifies them: (s_dev, inode). Symlinks in a rule path are followed, so a rule names
// the object it reaches; the hooks then match objects, never names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/policy.h"

namespace cvlsm {

struct ResolvedPathRule {
  std::string path;     // the first rule path that named the object (for messages)
  uint32_t kernel_dev;  // MKDEV as the kernel encodes it: major << 20 | minor
  uint64_t inode;
  PathModes modes;  // union of every rule that names the same object
};

struct ResolvedPathRules {
  std::vector<ResolvedPathRule> rules;
  AccessModes proc_self_modes = 0;  // /proc/self: the confined process's own entry
  bool has_deny_rules = false;
};

// The kernel's s_dev encoding of a userspace st_dev.
uint32_t KernelDevFromStDev(uint64_t st_dev);

struct ObjectId {
  uint32_t kernel_dev;
  uint64_t inode;
};

// Tells which filesystem object a path reaches (symlinks followed). Errors carry the errno.
class ObjectIdentifier {
 public:
  virtual ~ObjectIdentifier() = default;
  virtual absl::StatusOr<ObjectId> Identify(const std::string& path) = 0;
};

// stat(): right for most filesystems, but overlayfs and btrfs report an st_dev that is not
// the s_dev the LSM hooks see; the bpf-lsm tier uses the kernel's own view instead.
ObjectIdentifier& StatIdentifier();

// Fails naming the rule path when a required path does not exist or cannot be read;
// missing preset paths are skipped.
absl::StatusOr<ResolvedPathRules> ResolvePathRules(const Policy& policy,
                                                   ObjectIdentifier& identifier = StatIdentifier());

}  // namespace cvlsm
