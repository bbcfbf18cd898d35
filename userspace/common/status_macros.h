// Propagating errors without writing the same three lines each time:
//   RETURN_IF_ERROR(cgroup.Remove());
//   ASSIGN_OR_RETURN(OwnedCgroup cgroup, OwnedCgroup::Create(...));
// Both return the error of `expr` unchanged (code, message and payloads) from the
// enclosing function, which must return absl::Status or an absl::StatusOr<T>.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CVLSM_STATUS_CONCAT_INNER(a, b) a##b
#define CVLSM_STATUS_CONCAT(a, b) CVLSM_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                         \
  do {                                                                \
    if (::absl::Status cvlsm_status_ = (expr); !cvlsm_status_.ok()) { \
      return cvlsm_status_;                                           \
    }                                                                 \
  } while (false)

#define CVLSM_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr)   \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

// `lhs` may declare a variable (`auto x`, `Type x`) or name an existing one.
#define ASSIGN_OR_RETURN(lhs, expr) \
  CVLSM_ASSIGN_OR_RETURN_IMPL(CVLSM_STATUS_CONCAT(cvlsm_statusor_, __LINE__), lhs, expr)
