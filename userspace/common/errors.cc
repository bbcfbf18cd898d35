#include "common/errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cvlsm {
namespace {

// Payload type URLs: private to this file, read back only through the accessors below.
constexpr absl::string_view kRemedyPayload = "cv-lsm/remedy";
constexpr absl::string_view kErrnoPayload = "cv-lsm/errno";
constexpr absl::string_view kKindPayload = "cv-lsm/kind";

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

std::optional<int> IntPayload(const absl::Status& status, absl::string_view type) {
  auto payload = status.GetPayload(type);
  int value = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &value)) return std::nullopt;
  return value;
}

}  // namespace

absl::Status ErrnoError(int err, absl::string_view what, absl::string_view remedy) {
  absl::Status status(CodeForErrno(err),
                      absl::StrCat(what, ": ", std::strerror(err), " (errno ", err, ")"));
  status.SetPayload(kErrnoPayload, absl::Cord(absl::StrCat(err)));
  return WithRemedy(std::move(status), remedy);
}

absl::Status WithRemedy(absl::Status status, absl::string_view remedy) {
  if (!status.ok() && !remedy.empty()) status.SetPayload(kRemedyPayload, absl::Cord(remedy));
  return status;
}

absl::Status WithKind(absl::Status status, ErrorKind kind) {
  if (!status.ok()) {
    status.SetPayload(kKindPayload, absl::Cord(absl::StrCat(static_cast<int>(kind))));
  }
  return status;
}

std::string RemedyOf(const absl::Status& status) {
  auto remedy = status.GetPayload(kRemedyPayload);
  return remedy ? std::string(*remedy) : std::string();
}

std::optional<int> ErrnoOf(const absl::Status& status) { return IntPayload(status, kErrnoPayload); }

ErrorKind KindOf(const absl::Status& status) {
  std::optional<int> kind = IntPayload(status, kKindPayload);
  return kind ? static_cast<ErrorKind>(*kind) : ErrorKind::kUnspecified;
}

std::string ErrorText(const absl::Status& status) {
  std::string remedy = RemedyOf(status);
  if (remedy.empty()) return std::string(status.message());
  return absl::StrCat(status.message(), "; ", remedy);
}

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  absl::Status annotated(status.code(), absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload([&annotated](absl::string_view type, const absl::Cord& payload) {
    annotated.SetPayload(type, payload);
  });
  return annotated;
}

}  // namespace cvlsm
