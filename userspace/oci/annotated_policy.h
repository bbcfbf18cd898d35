// The policy a container asks for with the annotation org.cv-lsm.policy: a preset name, or
// a policy file (docs/policy-files.md): a file name in the bundle's directory, or an
// absolute path below the node's policy directory (/etc/cv-lsm/policies). Whoever sets the
// annotation (a pod's author) chooses the file, and the hook reads it as root: so nothing
// outside those two places, no symlink, no special file, nothing large.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/policy_file.h"

namespace cvlsm {

inline constexpr absl::string_view kPolicyAnnotation = "org.cv-lsm.policy";
inline constexpr absl::string_view kNodePolicyDir = "/etc/cv-lsm/policies";

struct AnnotatedPolicy {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  std::string source;  // the preset's name or the file's path, for `cv-lsm list`
  PolicyMode mode = PolicyMode::kEnforce;  // a file's "mode"
};

// `value` is the annotation's. A name that is neither a preset nor an existing file is an
// error naming both; a file's errors name its line and column.
// `policy_dir` is kNodePolicyDir but in tests.
absl::StatusOr<AnnotatedPolicy> LoadAnnotatedPolicy(const std::string& value,
                                                    const std::string& bundle,
                                                    absl::string_view policy_dir = kNodePolicyDir);

}  // namespace cvlsm
