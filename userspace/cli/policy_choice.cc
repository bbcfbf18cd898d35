#include "cli/policy_choice.h"

#include "absl/strings/str_cat.h"
#include "cli/cli_options.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "policy/policy_file.h"

namespace cvlsm::cli {
namespace {

// The policy file's, or the preset's; --allow, --deny and --allow-syscall add to either.
absl::StatusOr<PolicyDocument> BaseDocument(const PolicyChoice& options) {
  if (options.file.empty()) {
    ASSIGN_OR_RETURN(PolicyType type, ParsePolicyType(options.preset));
    PolicyDocument document;
    document.name = options.preset;
    document.policy = Policy::Preset(type);
    return document;
  }
  return LoadPolicyFile(options.file);
}

}  // namespace

absl::StatusOr<PolicyDocument> BuildPolicy(const PolicyChoice& options) {
  ASSIGN_OR_RETURN(PolicyDocument document, BaseDocument(options));
  if (options.audit) document.mode = PolicyMode::kAudit;
  Policy& policy = document.policy;
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
    RETURN_IF_ERROR(policy.AddSyscall(name));
  }
  return document;
}

}  // namespace cvlsm::cli
