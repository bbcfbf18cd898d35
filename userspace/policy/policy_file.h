// Policy files: a policy as versioned JSON text that people write, review and keep next to
// a workload (docs/policy-files.md). Loading checks everything a Policy checks, and reports
// each problem at its file:line:column.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/policy.h"

namespace cvlsm {

// The format version this cv-lsm writes ("cv-lsm-policy": 2). It reads 1 too: version 2
// added the "network" section, which a version 1 reader refuses rather than misreads.
inline constexpr int kPolicyFileVersion = 2;
inline constexpr int kOldestPolicyFileVersion = 1;

struct PolicyDocument {
  std::string name;  // empty when the file has none
  // Lines for people (e.g. what a learned policy added to its base); no effect on what the
  // policy allows.
  std::vector<std::string> comment;
  PolicyMode mode = PolicyMode::kEnforce;
  // The file's "base" is policy.type(): a Policy starts as its preset and only grows.
  Policy policy = Policy::Preset(PolicyType::kCustom);
  // Where the file states its rules ("file:line:column"), for `cv-lsm explain`: each path
  // rule by its path, and the "syscalls" list. Empty for presets and the command line's
  // rules; not part of what the document is (operator==).
  std::map<std::string, std::string> path_origins;
  std::string syscalls_origin;
  bool operator==(const PolicyDocument& other) const {
    return name == other.name && comment == other.comment && mode == other.mode &&
           policy == other.policy;
  }
};

// kCompact writes what the policy adds to its base preset (what a person writes);
// kExpanded writes every syscall and path, the preset's included. Both parse back to the
// same document.
enum class PolicyFileForm { kCompact, kExpanded };

// Parses policy file text. Errors start with "<source_name>:<line>:<column>: ".
absl::StatusOr<PolicyDocument> ParsePolicyText(absl::string_view text,
                                               absl::string_view source_name);

// Reads and parses a policy file.
absl::StatusOr<PolicyDocument> LoadPolicyFile(const std::string& path);

// The document as policy file text. Fails only for text JSON cannot hold (a path that is
// not UTF-8).
absl::StatusOr<std::string> SerializePolicy(const PolicyDocument& document,
                                            PolicyFileForm form = PolicyFileForm::kCompact);

// Writes the document to `path`, replacing it whole (never a half-written policy).
absl::Status SavePolicyFile(const PolicyDocument& document, const std::string& path,
                            PolicyFileForm form = PolicyFileForm::kCompact);

}  // namespace cvlsm
