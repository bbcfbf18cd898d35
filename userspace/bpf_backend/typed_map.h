// Typed access to one BPF map of the skeleton. Key and value sizes are checked against
// the shared ABI once, when the wrapper is built, so a layout drift fails loudly at load
// instead of corrupting entries.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cvlsm {

template <typename Key, typename Value>
class TypedMap {
 public:
  static absl::StatusOr<TypedMap> From(const struct bpf_map* map) {
    if (bpf_map__key_size(map) != sizeof(Key) || bpf_map__value_size(map) != sizeof(Value)) {
      return absl::InternalError(
          absl::StrCat("map ", bpf_map__name(map), " has key/value size ", bpf_map__key_size(map),
                       "/", bpf_map__value_size(map), ", the ABI header says ", sizeof(Key), "/",
                       sizeof(Value), "; rebuild the BPF object and the library together"));
    }
    return TypedMap(bpf_map__fd(map), bpf_map__name(map));
  }

  // A map opened from its pin (the caller keeps `fd` open), checked the same way.
  static absl::StatusOr<TypedMap> FromFd(int fd, std::string name) {
    struct bpf_map_info info {};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) {
      return ErrnoError(errno, absl::StrCat("read the info of pinned map ", name));
    }
    if (info.key_size != sizeof(Key) || info.value_size != sizeof(Value)) {
      return absl::FailedPreconditionError(
          absl::StrCat("pinned map ", name, " has key/value size ", info.key_size, "/",
                       info.value_size, ", this build expects ", sizeof(Key), "/", sizeof(Value),
                       ": the pinned state is another build's (cv-lsm unload)"));
    }
    return TypedMap(fd, std::move(name));
  }

  absl::Status Update(const Key& key, const Value& value, __u64 flags = BPF_ANY) const {
    if (bpf_map_update_elem(fd_, &key, &value, flags) != 0) {
      int err = errno;
      return ErrnoError(err, absl::StrCat("update map ", name_),
                        err == E2BIG ? "the map is full: remove policies or use fewer rules" : "");
    }
    return absl::OkStatus();
  }

  // Deleting a missing key is not an error: removal is idempotent.
  absl::Status Delete(const Key& key) const {
    if (bpf_map_delete_elem(fd_, &key) != 0 && errno != ENOENT) {
      return ErrnoError(errno, absl::StrCat("delete from map ", name_));
    }
    return absl::OkStatus();
  }

  // Writes keys[i] -> values[i] for every i with BPF_MAP_UPDATE_BATCH (5.6+): a syscall per
  // kBatchSize entries instead of one per entry (kernels before 5.17 do not reschedule
  // inside a batch, so one call is kept short). On failure the entries before the failing
  // one are written; `*written` says how many.
  absl::Status UpdateBatch(const std::vector<Key>& keys, const std::vector<Value>& values,
                           size_t* written) const {
    *written = 0;
    if (keys.size() != values.size()) {
      return absl::InternalError(absl::StrCat("update map ", name_, ": ", keys.size(), " keys but ",
                                              values.size(), " values"));
    }
    while (*written < keys.size()) {
      LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
      __u32 count = static_cast<__u32>(std::min(kBatchSize, keys.size() - *written));
      const __u32 asked = count;
      if (bpf_map_update_batch(fd_, &keys[*written], &values[*written], &count, &opts) != 0) {
        int err = errno;
        if (count < asked) *written += count;  // older kernels leave it unchanged on ENOMEM
        return ErrnoError(
            err, absl::StrCat("update map ", name_, " (batch)"),
            err == E2BIG ? "the map is full: remove policies or use fewer rules" : "");
      }
      *written += asked;
    }
    return absl::OkStatus();
  }

  // Deletes every key, kBatchSize per BPF_MAP_DELETE_BATCH call. Missing keys are skipped,
  // as Delete ignores them; a key that fails otherwise is skipped too, so one bad key
  // cannot leave the rest behind, and the first such error is returned.
  absl::Status DeleteBatch(const std::vector<Key>& keys) const {
    absl::Status first_error;
    size_t next = 0;
    while (next < keys.size()) {
      LIBBPF_OPTS(bpf_map_batch_opts, opts);
      __u32 count = static_cast<__u32>(std::min(kBatchSize, keys.size() - next));
      const __u32 asked = count;
      if (bpf_map_delete_batch(fd_, &keys[next], &count, &opts) == 0) {
        next += asked;
        continue;
      }
      int err = errno;
      if (err != ENOENT && first_error.ok()) {
        first_error = ErrnoError(err, absl::StrCat("delete from map ", name_, " (batch)"));
      }
      next += std::min(count, asked - 1) + 1;  // those deleted, then the one that failed
    }
    return first_error;
  }

  int fd() const { return fd_; }

  bool Lookup(const Key& key, Value* value) const {
    return bpf_map_lookup_elem(fd_, &key, value) == 0;
  }

  // Every entry of the map, kBatchSize per BPF_MAP_LOOKUP_BATCH call (5.6+), for callers
  // that would otherwise look up thousands of keys one syscall each. Entries added or
  // removed meanwhile may be missed or seen. An error (ENOSPC: a hash bucket holds more
  // than a batch) leaves the caller to look keys up one by one.
  absl::StatusOr<std::vector<std::pair<Key, Value>>> Entries() const {
    std::vector<std::pair<Key, Value>> entries;
    std::vector<Key> keys(kBatchSize);
    std::vector<Value> values(kBatchSize);
    alignas(8) unsigned char batch[std::max<size_t>(sizeof(Key), 8)] = {};
    bool first = true;
    for (;;) {
      LIBBPF_OPTS(bpf_map_batch_opts, opts);
      __u32 count = static_cast<__u32>(kBatchSize);
      int result = bpf_map_lookup_batch(fd_, first ? nullptr : batch, batch, keys.data(),
                                        values.data(), &count, &opts);
      int err = result == 0 ? 0 : errno;
      if (err != 0 && err != ENOENT) {
        return ErrnoError(err, absl::StrCat("read map ", name_, " (batch)"));
      }
      for (__u32 i = 0; i < count && i < kBatchSize; ++i) entries.emplace_back(keys[i], values[i]);
      if (err == ENOENT) return entries;  // the end of the map
      first = false;
    }
  }

  // Every key in the map now (entries added or removed meanwhile may be missed or seen).
  std::vector<Key> Keys() const {
    std::vector<Key> keys;
    Key key{};
    const Key* previous = nullptr;
    while (bpf_map_get_next_key(fd_, previous, &key) == 0) {
      keys.push_back(key);
      previous = &keys.back();
    }
    return keys;
  }

 private:
  static constexpr size_t kBatchSize = 4096;
  TypedMap(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  int fd_;
  std::string name_;
};

}  // namespace cvlsm
