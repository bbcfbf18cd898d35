// OCI / Docker seccomp profiles (the JSON Docker's --security-opt seccomp= takes) as plain
// data: parsing only. oci_compiler.h turns a profile into a filter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

enum class OciAction {
  kAllow,
  kErrno,
  kKill,  // SCMP_ACT_KILL: the thread, like SCMP_ACT_KILL_THREAD
  kKillThread,
  kKillProcess,
  kTrap,
  kTrace,
  kLog,
  kNotify,
};
absl::string_view OciActionName(OciAction action);  // "SCMP_ACT_ALLOW", ...

enum class OciArgOp {
  kNotEqual,
  kLessThan,
  kLessEqual,
  kEqual,
  kGreaterEqual,
  kGreaterThan,
  kMaskedEqual
};
absl::string_view OciArgOpName(OciArgOp op);  // "SCMP_CMP_NE", ...

// One argument condition. For SCMP_CMP_MASKED_EQ, `value` is the mask and `value_two` what
// the masked argument must equal (as runc passes them to libseccomp).
struct OciSeccompArg {
  uint32_t index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  OciArgOp op = OciArgOp::kEqual;
};

// "<kernel>.<major>", e.g. 4.8; minor revisions and suffixes of the host are ignored.
struct OciKernelVersion {
  int kernel = 0;
  int major = 0;
  friend auto operator<=>(const OciKernelVersion&, const OciKernelVersion&) = default;
};

// An entry's includes/excludes: capabilities ("CAP_SYS_ADMIN"), architectures in Go's
// names ("amd64", "arm64", "s390x") and a minimum kernel.
struct OciConditions {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::optional<OciKernelVersion> min_kernel;
};

struct OciSyscallEntry {
  std::vector<std::string> names;  // "name" (old format) is read as a one-name list
  OciAction action = OciAction::kAllow;
  std::optional<uint32_t> errno_ret;
  std::vector<OciSeccompArg> args;
  std::string comment;
  OciConditions includes;
  OciConditions excludes;
};

struct OciArchMapEntry {
  std::string architecture;  // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;
};

struct OciSeccompProfile {
  OciAction default_action = OciAction::kErrno;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // old format; exclusive with arch_map
  std::vector<OciArchMapEntry> arch_map;
  std::vector<std::string> flags;  // "SECCOMP_FILTER_FLAG_LOG", ...
  std::string listener_path;
  std::string listener_metadata;
  std::vector<OciSyscallEntry> syscalls;
  // Fields cv-lsm does not know, as JSON paths ("syscalls[3].foo"); Docker ignores them too.
  std::vector<std::string> ignored_fields;
};

// Parses a profile. Errors name the source (`source_name`, e.g. the file), and either the
// line:column of a JSON syntax error or the JSON path of a field with an unexpected value.
absl::StatusOr<OciSeccompProfile> ParseOciSeccompProfile(absl::string_view json,
                                                         absl::string_view source_name);

// Reads and parses a profile file.
absl::StatusOr<OciSeccompProfile> LoadOciSeccompProfile(const std::string& path);

}  // namespace cvlsm
