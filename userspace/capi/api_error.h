// How the C API reports failures: -1, errno, and a message per thread (cvlsm_last_error),
// and the guard that keeps every C++ exception on this side of the boundary.
#pragma once

#include <cerrno>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cvlsm::capi {

// The errno a status stands for: the one ErrnoError recorded in the message, else the
// closest one for its code.
int ErrnoForStatus(const absl::Status& status);

// Record the failure for cvlsm_last_error, set errno, return -1.
int Fail(const absl::Status& status);
int FailErrno(int err, absl::string_view message);
void ClearLastError();
const char* LastError();

// Runs `body` (returning int); exceptions become -1 with ENOMEM or EIO.
template <typename Body>
int Guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return FailErrno(ENOMEM, "out of memory");
  } catch (...) {
    return FailErrno(EIO, "internal error");
  }
}

}  // namespace cvlsm::capi
