#include "runtime/capabilities.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace cvlsm {

int LastCapability() {
  int bits = static_cast<int>(cap_max_bits());  // probes the running kernel, not the headers
  return bits > 0 ? bits - 1 : CAP_LAST_CAP;
}

int DropAllCapabilities(int last_capability) noexcept {
  return ReduceCapabilities(last_capability, 0);
}

int ReduceCapabilities(int last_capability, uint64_t keep) noexcept {
  const int securebits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                         SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED;
  if (::prctl(PR_SET_SECUREBITS, securebits, 0, 0, 0) != 0 && errno != EPERM) return errno;
  auto kept = [keep](int cap) { return cap < 64 && (keep >> cap) & 1; };
  for (int cap = 0; cap <= last_capability; ++cap) {
    if (kept(cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM) {
      return errno;
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return errno;
  }
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
    uint32_t bits = static_cast<uint32_t>(keep >> (32 * i));
    data[i].effective = data[i].permitted = data[i].inheritable = bits;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return errno;
  for (int cap = 0; cap <= last_capability; ++cap) {
    if (kept(cap) && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return errno;
  }
  return 0;
}

}  // namespace cvlsm
