// The pin keeper: a small daemon that keeps the inodes of installed rules in memory once the
// programs are pinned for the machine, so rules survive the manager that applied them. It
// receives O_PATH descriptors and holds each inode with an inotify watch instead, which
// leaves the inode's mount free to be unmounted (the rule is then void). Managers talk to it over a
// SOCK_SEQPACKET unix socket (root only), passing descriptors with SCM_RIGHTS. If it dies, the
// programs see it exit and ignore every rule (fail closed) until `cv-lsm load` starts a new one and
// re-applies.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace cvlsm {

// Serves `socket_path` until killed. Writes one byte to `ready_fd` (then closes it) once
// the socket accepts connections. Returns an exit code.
int RunPinKeeper(const std::string& socket_path, int ready_fd);

class PinKeeperClient {
 public:
  static absl::StatusOr<PinKeeperClient> Connect(const std::string& socket_path);

  // Keeps `pins` (object key, descriptor) for a policy; a key it has already is replaced.
  absl::Status Keep(uint32_t policy_id, const std::vector<std::pair<uint64_t, int>>& pins);
  absl::Status Drop(uint32_t policy_id, uint64_t object_key);
  absl::Status DropPolicy(uint32_t policy_id);
  // Drops every policy's pins except those of `policy_ids`.
  absl::Status RetainOnly(const std::vector<uint32_t>& policy_ids);

 private:
  explicit PinKeeperClient(UniqueFd socket) : socket_(std::move(socket)) {}
  absl::Status Call(uint32_t op, uint32_t policy_id, const std::vector<uint64_t>& values,
                    const std::vector<int>& fds);
  UniqueFd socket_;
};

}  // namespace cvlsm
