#include "capi/capability_map.h"

#include <linux/capability.h>

#include "chef/containerv.h"

namespace cvlsm::capi {
namespace {

constexpr uint64_t Bit(int cap) { return uint64_t{1} << cap; }

}  // namespace

uint64_t CapabilitiesFor(unsigned cv_caps) {
  uint64_t keep = 0;
  // Binding low ports is what a networked service needs; CAP_NET_RAW (spoofing on the
  // host's own network) and CAP_NET_ADMIN (its configuration) are not.
  if (cv_caps & CV_CAP_NETWORK) keep |= Bit(CAP_NET_BIND_SERVICE);
  // Signals to processes of other users: the pid namespace limits them to the container.
  // CAP_SYS_NICE is left out: real-time priorities starve the host.
  if (cv_caps & CV_CAP_PROCESS_CONTROL) keep |= Bit(CAP_KILL);
  // Locked memory and SysV IPC objects of other users, in the container's IPC namespace.
  if (cv_caps & CV_CAP_IPC) keep |= Bit(CAP_IPC_LOCK) | Bit(CAP_IPC_OWNER);
  // Ownership and permission bits, within what the path rules allow. Never
  // CAP_DAC_READ_SEARCH: it opens open_by_handle_at, the classic container escape.
  if (cv_caps & CV_CAP_FILESYSTEM) {
    keep |= Bit(CAP_CHOWN) | Bit(CAP_DAC_OVERRIDE) | Bit(CAP_FOWNER) | Bit(CAP_FSETID);
  }
  // CV_CAP_CGROUPS keeps nothing: writing cgroup files needs no capability (the path rules
  // decide), and CAP_SYS_ADMIN would undo the whole confinement.
  if (cv_caps & CV_CAP_USERS) keep |= Bit(CAP_SETUID) | Bit(CAP_SETGID);
  return keep;
}

bool SharesHostNetwork(unsigned cv_caps) { return (cv_caps & CV_CAP_NETWORK) != 0; }

}  // namespace cvlsm::capi
