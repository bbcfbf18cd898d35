#include "seccomp/libseccomp_context.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/unique_fd.h"

namespace cvlsm {

absl::Status LibseccompError(int rc, absl::string_view what) {
  return ErrnoError(rc < 0 ? -rc : EINVAL, absl::StrCat("libseccomp: ", what));
}

absl::Status SetScmpAttribute(scmp_filter_ctx ctx, scmp_filter_attr attr, uint32_t value,
                              absl::string_view attr_name) {
  if (int rc = seccomp_attr_set(ctx, attr, value); rc < 0) {
    return LibseccompError(rc, absl::StrCat("setting ", attr_name));
  }
  return absl::OkStatus();
}

absl::Status SetScmpOptimize(scmp_filter_ctx ctx, SeccompOptimize level) {
  return SetScmpAttribute(ctx, SCMP_FLTATR_CTL_OPTIMIZE, static_cast<uint32_t>(level),
                          absl::StrCat("SCMP_FLTATR_CTL_OPTIMIZE to ", static_cast<int>(level),
                                       " (", SeccompOptimizeName(level), ")"));
}

// Round-trips the program through a memfd: libseccomp 2.5 can export classic BPF only to a
// file descriptor.
absl::StatusOr<SeccompProgram> ExportScmpProgram(scmp_filter_ctx ctx, unsigned int install_flags) {
  UniqueFd fd(memfd_create("cvlsm-seccomp-bpf", MFD_CLOEXEC));
  if (!fd.valid()) {
    return ErrnoError(errno, "memfd_create for the seccomp program",
                      "cv-lsm needs memfd support (Linux >= 3.17)");
  }
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0) {
    return LibseccompError(rc, "seccomp_export_bpf");
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "fstat on the seccomp program memfd");
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0) {
    return absl::InternalError(absl::StrCat("libseccomp exported a seccomp program of ", size,
                                            " bytes, not a whole number of BPF instructions"));
  }
  std::vector<sock_filter> program(size / sizeof(sock_filter));
  if (program.size() > BPF_MAXINSNS) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the seccomp program has ", program.size(), " instructions, more than the kernel's ",
        BPF_MAXINSNS, "; shorten the policy's syscall list"));
  }
  auto* bytes = reinterpret_cast<char*>(program.data());
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading back the seccomp program");
    if (n == 0) return absl::InternalError("the seccomp program memfd ended early");
    done += static_cast<size_t>(n);
  }
  return SeccompProgram(std::move(program), install_flags);
}

}  // namespace cvlsm
