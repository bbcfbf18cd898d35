// Turns a policy's path rules into the filesystem objects they name. Symlinks in a rule
// path are followed, so a rule names the object it reaches; the hooks then match objects,
// never names.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "policy/net_defaults.h"
#include "policy/policy.h"

namespace cvlsm {

// One filesystem object as a tier identifies it. `pin` (if valid) keeps the object alive
// while a rule refers to it: the bpf-lsm tier matches on the address of the kernel inode.
struct ObjectId {
  uint64_t space = 0;  // what `key` is unique within (a device for stat, 0 for the kernel)
  uint64_t key = 0;    // the identity the tier matches on (inode number or inode address)
  std::shared_ptr<UniqueFd> pin;
  // bpf-lsm: the object's bit in the programs' rule filter (cvlsm_abi.h), from the kernel.
  std::optional<uint32_t> filter_bit;
};

struct ResolvedPathRule {
  std::string path;  // the first rule path that named the object (for messages)
  ObjectId object;
  PathModes modes;  // union of every rule that names the same object
};

// What a tier puts in force: the policy's path rules resolved to the objects they name, and
// its network rules.
struct ResolvedPolicy {
  std::vector<ResolvedPathRule> rules;  // path rules
  AccessModes proc_self_modes = 0;      // /proc/self: the confined process's own entry
  bool has_deny_rules = false;
  // The objects' keys are kernel inode addresses (bpf_backend/kernel_objects.h), not the
  // identity the resolving ObjectIdentifier gave them.
  bool keyed_by_kernel_inode = false;
  NetworkRules network;
};

// Tells which filesystem object a path reaches (symlinks followed). Errors carry the errno.
class ObjectIdentifier {
 public:
  virtual ~ObjectIdentifier() = default;
  virtual absl::StatusOr<ObjectId> Identify(const std::string& path) = 0;
  // Whether every ObjectId holds a descriptor (`pin`) while the rules exist.
  virtual bool PinsObjects() const { return false; }
};

// stat(): (st_dev, st_ino). Enough to check that rule paths exist and to merge rules on one
// object; not an identity the kernel hooks can use (see bpf/cvlsm_abi.h).
ObjectIdentifier& StatIdentifier();

// The same identity, with `pin` an O_PATH descriptor on the object (for tiers that hand
// descriptors to the kernel, such as Landlock).
ObjectIdentifier& OpenPathIdentifier();

// Like OpenPathIdentifier, but rule paths name objects as a container sees them in its own
// root: each path is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below the
// root directory, so "/", "..", and absolute symlinks all stop at that root. Needs Linux 5.6+.
class RootedPathIdentifier : public ObjectIdentifier {
 public:
  // `root_name` only names the root in messages.
  RootedPathIdentifier(UniqueFd root, std::string root_name)
      : root_(std::move(root)), root_name_(std::move(root_name)) {}
  // Opens `root` (a directory, symlinks followed) to resolve rule paths in.
  static absl::StatusOr<RootedPathIdentifier> Open(const std::string& root);

  absl::StatusOr<ObjectId> Identify(const std::string& path) override;
  bool PinsObjects() const override { return true; }
  const std::string& root_name() const { return root_name_; }

 private:
  UniqueFd root_;
  std::string root_name_;
};

// What opens rule paths as seen from `root`: OpenPathIdentifier() for "" or "/" (the
// caller's own view), else a RootedPathIdentifier. `holder` keeps the rooted one.
absl::StatusOr<ObjectIdentifier*> OpenerForRoot(const std::string& root,
                                                std::unique_ptr<ObjectIdentifier>& holder);

// /proc/self and /proc/thread-self: rules on the confined process's own entry, which no
// object in the manager's view stands for.
bool IsProcSelfRule(const std::string& path);

// The one resolution of a policy's rule paths, done before anything is created: each path
// opened by `identifier` (with OpenPathIdentifier, an O_PATH pin per object that the tiers
// use from then on), rules on one object merged. Fails naming the rule path when a required
// path does not exist or cannot be read; missing preset paths are skipped.
absl::StatusOr<ResolvedPolicy> ResolvePathRules(
    const Policy& policy, ObjectIdentifier& identifier = OpenPathIdentifier());

// Rules that name the same object (by ObjectId space and key) merged into one: the first
// rule's path, the union of the modes.
ResolvedPolicy MergeRulesOnSameObject(ResolvedPolicy rules);

}  // namespace cvlsm
