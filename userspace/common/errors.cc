#include "common/errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cvlsm {
namespace {

absl::StatusCode CodeForErrno(int err) {
  switch (err) {
    case EPERM:
    case EACCES:
      return absl::StatusCode::kPermissionDenied;
    case ENOENT:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EINVAL:
    case E2BIG:
    case ENAMETOOLONG:
      return absl::StatusCode::kInvalidArgument;
    case ENOSYS:
    case EOPNOTSUPP:
      return absl::StatusCode::kUnimplemented;
    case ENOMEM:
    case ENOSPC:
    case EMFILE:
      return absl::StatusCode::kResourceExhausted;
    case EBUSY:
    case EAGAIN:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status ErrnoError(int err, absl::string_view what, absl::string_view remedy) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err), " (errno ", err, ")");
  if (!remedy.empty()) absl::StrAppend(&message, "; ", remedy);
  return absl::Status(CodeForErrno(err), message);
}

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

}  // namespace cvlsm
