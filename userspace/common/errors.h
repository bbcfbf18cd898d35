// absl::Status helpers for kernel and library calls: every error carries the errno
// (as text and in the status payload-free message) and, where one exists, what to do.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

// Maps an errno to the closest absl code and builds "<what>: <strerror> (errno N)[; <remedy>]".
absl::Status ErrnoError(int err, absl::string_view what, absl::string_view remedy = {});

// Prefixes an error's message with context, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace cvlsm
