// Shared by the compilers that drive libseccomp (cv-lsm's allow-list, OCI profiles): an
// owned filter context, errors that name the call, and the export to a SeccompProgram.
// Internal to the library: includes libseccomp's header.
#pragma once

#include <seccomp.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "seccomp/seccomp_program.h"

namespace cvlsm {

struct ScmpContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using ScmpContext = std::unique_ptr<void, ScmpContextDeleter>;

// libseccomp returns negative errnos.
absl::Status LibseccompError(int rc, absl::string_view what);

absl::Status SetScmpAttribute(scmp_filter_ctx ctx, scmp_filter_attr attr, uint32_t value,
                              absl::string_view attr_name);

absl::Status SetScmpOptimize(scmp_filter_ctx ctx, SeccompOptimize level);

// The compiled classic BPF program (at most BPF_MAXINSNS instructions).
absl::StatusOr<SeccompProgram> ExportScmpProgram(scmp_filter_ctx ctx,
                                                 unsigned int install_flags = 0);

}  // namespace cvlsm
