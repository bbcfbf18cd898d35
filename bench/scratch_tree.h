// The files the benchmarks open and run: a chain of directories below a fresh scratch root,
// one target file (and optionally a copy of a binary) per depth, an "outside" file that no
// rule allows, and as many decoy directories as the largest policy needs. Removed with all
// its contents when destroyed.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace cvlsm::bench {

class ScratchTree {
 public:
  // Creates <parent>/cvlsm-bench-<pid>/ with tree/ of `max_depth` levels; when `binary`
  // is non-empty it is copied (executable) next to every target file.
  static absl::StatusOr<ScratchTree> Create(const std::string& parent, int max_depth,
                                            const std::string& binary);
  ScratchTree(ScratchTree&& other) noexcept;
  ScratchTree& operator=(ScratchTree&&) = delete;
  ScratchTree(const ScratchTree&) = delete;
  ~ScratchTree();

  // The directory the policy's one real rule allows.
  std::string tree() const { return root_ + "/tree"; }
  // The file `depth` components below tree(): tree/c1/.../c<depth-1>/file.
  std::string FileAt(int depth) const;
  // The binary copy at the same place (exec benchmark).
  std::string BinaryAt(int depth) const;
  // A file beside tree(), allowed by no rule: a confined child must be refused it.
  std::string outside() const { return root_ + "/outside"; }
  // Decoy directory i (0-based); EnsureDecoys creates the first `count`.
  std::string Decoy(int i) const;
  absl::Status EnsureDecoys(int count);

 private:
  explicit ScratchTree(std::string root) : root_(std::move(root)) {}
  std::string DirAt(int depth) const;

  std::string root_;
  int decoys_ = 0;
};

}  // namespace cvlsm::bench
