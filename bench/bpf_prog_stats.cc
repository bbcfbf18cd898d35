#include "bpf_prog_stats.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cvlsm::bench {

uint32_t HighestBpfProgId() {
  uint32_t id = 0;
  uint32_t next = 0;
  while (bpf_prog_get_next_id(id, &next) == 0) id = next;
  return id;
}

absl::StatusOr<UniqueFd> FindBpfProg(absl::string_view name, uint32_t after_id) {
  UniqueFd found;
  uint32_t id = after_id;
  uint32_t next = 0;
  while (bpf_prog_get_next_id(id, &next) == 0) {
    id = next;
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd.valid()) continue;  // unloaded meanwhile
    bpf_prog_info info{};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0) continue;
    if (name == info.name) found = std::move(fd);  // ids grow: the last match is the newest
  }
  if (!found.valid()) {
    return absl::NotFoundError(absl::StrCat("no loaded BPF program named ", name));
  }
  return found;
}

absl::StatusOr<ProgRunStats> ReadRunStats(int prog_fd) {
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &length) != 0) {
    return ErrnoError(errno, "bpf_obj_get_info_by_fd");
  }
  return ProgRunStats{.run_time_ns = info.run_time_ns, .run_cnt = info.run_cnt};
}

absl::StatusOr<UniqueFd> EnableRunTimeStats() {
  UniqueFd fd(bpf_enable_stats(BPF_STATS_RUN_TIME));
  if (!fd.valid()) return ErrnoError(errno, "enable BPF run-time statistics");
  return fd;
}

}  // namespace cvlsm::bench
