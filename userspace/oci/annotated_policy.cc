#include "oci/annotated_policy.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "policy/policy_file.h"

namespace cvlsm {

absl::StatusOr<AnnotatedPolicy> LoadAnnotatedPolicy(const std::string& value,
                                                    const std::string& bundle) {
  const std::string annotation = absl::StrCat(kPolicyAnnotation, "=\"", value, "\"");
  constexpr absl::string_view kRemedy =
      "name a preset (minimal, build, network, custom) or a policy file, relative to the bundle";
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("annotation ", annotation, " is empty; ", kRemedy));
  }
  // As `cv-lsm policy show`: a preset name is a preset, anything else a file.
  if (absl::StatusOr<PolicyType> type = ParsePolicyType(value); type.ok()) {
    return AnnotatedPolicy{Policy::Preset(*type), value};
  }
  const std::string file = value.front() == '/' ? value : absl::StrCat(bundle, "/", value);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 && errno == ENOENT) {
    return absl::InvalidArgumentError(absl::StrCat("annotation ", annotation,
                                                   " is neither a preset nor a policy file (no ",
                                                   file, "); ", kRemedy));
  }
  absl::StatusOr<PolicyDocument> document = LoadPolicyFile(file);
  if (!document.ok()) return Annotate(document.status(), absl::StrCat("annotation ", annotation));
  // Enforcing an audit policy would break what it only meant to watch (as `cv-lsm run`).
  if (document->mode != PolicyMode::kEnforce) {
    return absl::UnimplementedError(absl::StrCat(
        "policy file ", file, ": mode \"", PolicyModeName(document->mode),
        "\" is not implemented yet; cv-lsm can only enforce: set \"mode\": \"enforce\""));
  }
  return AnnotatedPolicy{std::move(document->policy), file};
}

}  // namespace cvlsm
