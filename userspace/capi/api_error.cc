#include "capi/api_error.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "chef/containerv.h"
#include "common/errors.h"

namespace cvlsm::capi {
namespace {

thread_local std::string last_error;

int ErrnoForCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return EINVAL;
    case absl::StatusCode::kNotFound:
      return ENOENT;
    case absl::StatusCode::kAlreadyExists:
      return EEXIST;
    case absl::StatusCode::kPermissionDenied:
      return EPERM;
    case absl::StatusCode::kResourceExhausted:
      return ENOMEM;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
      return EOPNOTSUPP;
    case absl::StatusCode::kUnavailable:
      return EAGAIN;
    default:
      return EIO;
  }
}

void SetLastError(absl::string_view message) noexcept {
  try {
    last_error.assign(message.data(), message.size());
  } catch (...) {
    // Out of memory while recording the message: errno still says what happened.
  }
}

}  // namespace

int ErrnoForStatus(const absl::Status& status) {
  // The kernel's own answer (ErrnoError) beats a guess from the code.
  std::optional<int> err = ErrnoOf(status);
  if (err && *err > 0) return *err;
  return ErrnoForCode(status.code());
}

int Fail(const absl::Status& status) {
  int err = ErrnoForStatus(status);
  SetLastError(ErrorText(status));
  errno = err;
  return -1;
}

int FailErrno(int err, absl::string_view message) {
  SetLastError(message);
  errno = err;
  return -1;
}

void ClearLastError() { last_error.clear(); }

const char* LastError() { return last_error.c_str(); }

}  // namespace cvlsm::capi

extern "C" const char* cvlsm_last_error(void) { return cvlsm::capi::LastError(); }
