#include "scratch_tree.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/unique_fd.h"

namespace cvlsm::bench {
namespace {

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoError(errno, absl::StrCat("mkdir ", path));
  }
  return absl::OkStatus();
}

absl::Status WriteSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoError(errno, absl::StrCat("create ", path));
  if (::write(fd.get(), "x\n", 2) != 2) return ErrnoError(errno, absl::StrCat("write ", path));
  return absl::OkStatus();
}

absl::Status CopyExecutable(const std::string& from, const std::string& to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return ErrnoError(errno, absl::StrCat("open ", from));
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return ErrnoError(errno, absl::StrCat("stat ", from));
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755));
  if (!out.valid()) return ErrnoError(errno, absl::StrCat("create ", to));
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = ::sendfile(out.get(), in.get(), &offset, st.st_size - offset);
    if (n <= 0) return ErrnoError(errno, absl::StrCat("copy ", from, " to ", to));
  }
  return absl::OkStatus();
}

int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  // Best effort, and on through errors: the tree is scratch.
  if (type == FTW_DP) {
    ::rmdir(path);
  } else {
    ::unlink(path);
  }
  return 0;
}

}  // namespace

absl::StatusOr<ScratchTree> ScratchTree::Create(const std::string& parent, int max_depth,
                                                const std::string& binary) {
  ScratchTree tree(absl::StrCat(parent, "/cvlsm-bench-", ::getpid()));
  if (::mkdir(tree.root_.c_str(), 0755) != 0) {
    int err = errno;
    std::string root = std::exchange(tree.root_, {});  // not ours: do not remove it
    return ErrnoError(err, absl::StrCat("mkdir ", root));
  }
  if (absl::Status status = WriteSmallFile(tree.outside()); !status.ok()) return status;
  if (absl::Status status = MakeDir(tree.tree()); !status.ok()) return status;
  if (absl::Status status = MakeDir(tree.root_ + "/decoys"); !status.ok()) return status;
  for (int depth = 1; depth <= max_depth; ++depth) {
    if (absl::Status status = MakeDir(tree.DirAt(depth)); !status.ok()) return status;
    if (absl::Status status = WriteSmallFile(tree.FileAt(depth)); !status.ok()) return status;
    if (!binary.empty()) {
      if (absl::Status status = CopyExecutable(binary, tree.BinaryAt(depth)); !status.ok()) {
        return status;
      }
    }
  }
  return tree;
}

ScratchTree::ScratchTree(ScratchTree&& other) noexcept
    : root_(std::exchange(other.root_, {})), decoys_(other.decoys_) {}

ScratchTree::~ScratchTree() {
  if (root_.empty()) return;
  ::nftw(root_.c_str(), RemoveEntry, 64, FTW_DEPTH | FTW_PHYS);
}

std::string ScratchTree::DirAt(int depth) const {
  std::string dir = tree();
  for (int level = 1; level < depth; ++level) absl::StrAppend(&dir, "/c", level);
  return dir;
}

std::string ScratchTree::FileAt(int depth) const { return DirAt(depth) + "/file"; }

std::string ScratchTree::BinaryAt(int depth) const { return DirAt(depth) + "/true"; }

std::string ScratchTree::Decoy(int i) const { return absl::StrFormat("%s/decoys/d%06d", root_, i); }

absl::Status ScratchTree::EnsureDecoys(int count) {
  for (; decoys_ < count; ++decoys_) {
    if (absl::Status status = MakeDir(Decoy(decoys_)); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace cvlsm::bench
