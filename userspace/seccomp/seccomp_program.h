// A finished classic BPF seccomp program, compiled in the parent so a forked child only has
// to hand it to the kernel (no allocation, no locks between fork and exec).
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace cvlsm {

// libseccomp's SCMP_FLTATR_CTL_OPTIMIZE levels.
enum class SeccompOptimize {
  kPriority = 1,    // if-chain ordered by rule priority and complexity (libseccomp's default)
  kBinaryTree = 2,  // binary search over syscall numbers
};
absl::string_view SeccompOptimizeName(SeccompOptimize level);  // "priority", "binary-tree"

class SeccompProgram {
 public:
  SeccompProgram() = default;
  // `install_flags`: SECCOMP_FILTER_FLAG_* passed to seccomp(2) with the program.
  explicit SeccompProgram(std::vector<sock_filter> instructions, unsigned int install_flags = 0)
      : instructions_(std::move(instructions)), install_flags_(install_flags) {}

  // Installs the program on the calling thread. Async-signal-safe. Requires no_new_privs (or
  // CAP_SYS_ADMIN). Returns 0 or an errno (EINVAL for an empty or oversized program).
  // With SECCOMP_FILTER_FLAG_NEW_LISTENER in the install flags, the kernel's listener fd
  // (O_CLOEXEC) goes to *listener_fd, which must then be given: a listener nobody holds would
  // leave every notified syscall waiting for an answer that never comes.
  int InstallInCurrentThread(int* listener_fd = nullptr) const noexcept;

  size_t size() const { return instructions_.size(); }
  std::span<const sock_filter> instructions() const { return instructions_; }
  unsigned int install_flags() const { return install_flags_; }

 private:
  std::vector<sock_filter> instructions_;
  unsigned int install_flags_ = 0;
};

}  // namespace cvlsm
