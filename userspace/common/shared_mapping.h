// RAII owner of a shared memory mapping of a descriptor (mmap/munmap), e.g. a BPF array
// map the kernel lets processes map.
#pragma once

#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/errors.h"

namespace cvlsm {

class SharedMapping {
 public:
  SharedMapping() = default;
  // Maps `size` bytes of `fd` from offset 0, readable and writable; `what` names it in errors.
  static absl::StatusOr<SharedMapping> Map(int fd, size_t size, const std::string& what) {
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) return ErrnoError(errno, "map " + what);
    return SharedMapping(address, size);
  }
  SharedMapping(SharedMapping&& other) noexcept
      : address_(std::exchange(other.address_, nullptr)), size_(other.size_) {}
  SharedMapping& operator=(SharedMapping&& other) noexcept {
    if (this != &other) {
      Reset();
      address_ = std::exchange(other.address_, nullptr);
      size_ = other.size_;
    }
    return *this;
  }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  ~SharedMapping() { Reset(); }

  void* get() const { return address_; }

 private:
  SharedMapping(void* address, size_t size) : address_(address), size_(size) {}
  void Reset() {
    if (address_ != nullptr) ::munmap(address_, size_);
    address_ = nullptr;
  }
  void* address_ = nullptr;
  size_t size_ = 0;
};

}  // namespace cvlsm
