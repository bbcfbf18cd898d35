// The policy a container asks for with the annotation org.cv-lsm.policy: a preset name, or
// a policy file (docs/policy-files.md) in the runtime's mount namespace, relative to the
// bundle unless absolute.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/policy.h"

namespace cvlsm {

inline constexpr absl::string_view kPolicyAnnotation = "org.cv-lsm.policy";

struct AnnotatedPolicy {
  Policy policy = Policy::Preset(PolicyType::kCustom);
  std::string source;  // the preset's name or the file's path, for `cv-lsm list`
};

// `value` is the annotation's. A name that is neither a preset nor an existing file is an
// error naming both; a file's errors name its line and column.
absl::StatusOr<AnnotatedPolicy> LoadAnnotatedPolicy(const std::string& value,
                                                    const std::string& bundle);

}  // namespace cvlsm
