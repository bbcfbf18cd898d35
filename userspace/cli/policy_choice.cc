#include "cli/policy_choice.h"

#include "absl/strings/str_cat.h"
#include "cli/cli_options.h"
#include "common/errors.h"
#include "policy/policy_file.h"

namespace cvlsm::cli {
namespace {

// The policy file's, or the preset's; --allow, --deny and --allow-syscall add to either.
absl::StatusOr<Policy> BasePolicy(const PolicyChoice& options) {
  if (options.file.empty()) {
    absl::StatusOr<PolicyType> type = ParsePolicyType(options.preset);
    if (!type.ok()) return type.status();
    return Policy::Preset(*type);
  }
  absl::StatusOr<PolicyDocument> document = LoadPolicyFile(options.file);
  if (!document.ok()) return document.status();
  // Enforcing an audit policy would break what it only meant to watch.
  if (document->mode != PolicyMode::kEnforce) {
    return absl::UnimplementedError(absl::StrCat(
        "policy file ", options.file, ": mode \"", PolicyModeName(document->mode),
        "\" is not implemented yet; cv-lsm can only enforce. Set \"mode\": \"enforce\" to "
        "enforce this policy"));
  }
  return std::move(document->policy);
}

}  // namespace

absl::StatusOr<Policy> BuildPolicy(const PolicyChoice& options) {
  absl::StatusOr<Policy> base = BasePolicy(options);
  if (!base.ok()) return base.status();
  Policy policy = *std::move(base);
  for (bool deny : {false, true}) {
    for (const std::string& rule : deny ? options.deny_paths : options.allow_paths) {
      auto parts = SplitPathRule(rule);
      if (!parts.ok()) return parts.status();
      absl::StatusOr<AccessModes> modes = ParseAccessModes(parts->second);
      if (!modes.ok()) {
        return Annotate(modes.status(), absl::StrCat(deny ? "--deny " : "--allow ", rule));
      }
      absl::Status status =
          deny ? policy.DenyPath(parts->first, *modes) : policy.AddPath(parts->first, *modes);
      if (!status.ok()) return status;
    }
  }
  for (const std::string& name : options.allow_syscalls) {
    if (absl::Status status = policy.AddSyscall(name); !status.ok()) return status;
  }
  return policy;
}

}  // namespace cvlsm::cli
