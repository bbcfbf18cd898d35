// absl::Status helpers for kernel and library calls. The message says what failed; what to
// do about it, the errno and the kind of failure travel beside it as status payloads, so
// callers act on them without reading the text (ErrorText joins them for people).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

// What a caller may need to tell apart beyond the absl code (the CLI's exit codes).
enum class ErrorKind {
  kUnspecified,
  kCommandNotFound,       // the command to run does not exist (exit 127)
  kCommandNotExecutable,  // it exists but cannot be executed (exit 126)
};

// Maps an errno to the closest absl code and builds "<what>: <strerror> (errno N)", with the
// errno and `remedy` (if any) as payloads.
absl::Status ErrnoError(int err, absl::string_view what, absl::string_view remedy = {});

// The same status with `remedy` attached (replacing one it had).
absl::Status WithRemedy(absl::Status status, absl::string_view remedy);
// The same status marked as `kind`.
absl::Status WithKind(absl::Status status, ErrorKind kind);

// What to do about the error; empty when nobody said.
std::string RemedyOf(const absl::Status& status);
// The errno of a failed kernel or library call, when the error came from one.
std::optional<int> ErrnoOf(const absl::Status& status);
ErrorKind KindOf(const absl::Status& status);

// The error for people: the message, then "; " and the remedy when there is one.
std::string ErrorText(const absl::Status& status);

// Prefixes an error's message with context, keeping its code and payloads.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace cvlsm
