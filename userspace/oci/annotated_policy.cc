#include "oci/annotated_policy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/open_in_root.h"
#include "common/unique_fd.h"
#include "json/json_source.h"
#include "policy/policy_file.h"

namespace cvlsm {

namespace {

// Opens `name` below `dir` (never above it, no symlink at the end, no blocking on a FIFO)
// and reads it when it is a regular file, as much as every policy file reader takes.
absl::StatusOr<std::string> ReadPolicyFileBelow(const std::string& dir, const std::string& name) {
  UniqueFd root(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError(errno, absl::StrCat("open ", dir));
  absl::StatusOr<UniqueFd> file =
      OpenInRoot(root.get(), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, dir, "read");
  if (!file.ok()) return file.status();
  struct stat st {};
  if (::fstat(file->get(), &st) != 0) return ErrnoError(errno, absl::StrCat("stat ", name));
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " in ", dir, " is not a regular file"));
  }
  return ReadDocument(file->get(), absl::StrCat("policy file ", name, " in ", dir));
}

}  // namespace

absl::StatusOr<AnnotatedPolicy> LoadAnnotatedPolicy(const std::string& value,
                                                    const std::string& bundle,
                                                    absl::string_view policy_dir) {
  const std::string annotation = absl::StrCat(kPolicyAnnotation, "=\"", value, "\"");
  constexpr absl::string_view kRemedy =
      "name a preset (minimal, build, network, custom), a policy file in the bundle by its "
      "name, or one in /etc/cv-lsm/policies by its absolute path";
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("annotation ", annotation, " is empty; ", kRemedy));
  }
  // As `cv-lsm policy show`: a preset name is a preset, anything else a file.
  if (absl::StatusOr<PolicyType> type = ParsePolicyType(value); type.ok()) {
    return AnnotatedPolicy{Policy::Preset(*type), value};
  }
  // An absolute path must be in the node's policy directory; anything else is a file name
  // directly in the bundle's directory.
  std::string dir = bundle, name = value;
  if (value.front() == '/') {
    std::string prefix = absl::StrCat(policy_dir, "/");
    if (!absl::StartsWith(value, prefix)) {
      return absl::PermissionDeniedError(
          absl::StrCat("annotation ", annotation, " names a file outside ", policy_dir,
                       ": policy files are read from there, or by file name from the bundle"));
    }
    dir = std::string(policy_dir);
    name = value.substr(prefix.size());
  } else if (value.find('/') != std::string::npos) {
    return absl::PermissionDeniedError(
        absl::StrCat("annotation ", annotation,
                     " is a path: a policy file in the bundle is named by its file name alone"));
  }
  const std::string file = absl::StrCat(dir, "/", name);
  absl::StatusOr<std::string> text = ReadPolicyFileBelow(dir, name);
  if (absl::IsNotFound(text.status())) {
    return absl::InvalidArgumentError(absl::StrCat("annotation ", annotation,
                                                   " is neither a preset nor a policy file (no ",
                                                   file, "); ", kRemedy));
  }
  if (!text.ok()) return Annotate(text.status(), absl::StrCat("annotation ", annotation));
  absl::StatusOr<PolicyDocument> document = ParsePolicyText(*text, file);
  if (!document.ok()) return Annotate(document.status(), absl::StrCat("annotation ", annotation));
  return AnnotatedPolicy{std::move(document->policy), file, document->mode};
}

}  // namespace cvlsm
