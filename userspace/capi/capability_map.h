// CV_CAP_* flags to the Linux capabilities a container's processes keep. Everything not
// listed is dropped; the policy's syscall list still decides which syscalls exist at all.
#pragma once

#include <cstdint>

namespace cvlsm::capi {

// Bit N set = CAP_N kept. Unknown flags are ignored (upstream may add more).
uint64_t CapabilitiesFor(unsigned cv_caps);

// CV_CAP_NETWORK: the container shares the host's network namespace; without it, it gets
// its own with only loopback.
bool SharesHostNetwork(unsigned cv_caps);

}  // namespace cvlsm::capi
