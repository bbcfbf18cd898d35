// Dropping every capability in a forked child before exec, with raw syscalls only
// (async-signal-safe: no allocation between fork and exec).
#pragma once

#include <cstdint>

namespace cvlsm {

// Highest capability number the running kernel knows (from libcap); call before fork.
int LastCapability();

// Locks root out of regaining capabilities through exec (securebits), empties the
// bounding and ambient sets, then the effective, permitted and inheritable sets.
// Returns 0 or the errno of the step that failed.
int DropAllCapabilities(int last_capability) noexcept;

// The same lock-out, but the capabilities in `keep` (bit N = CAP_N) stay in the bounding,
// permitted, effective and inheritable sets and are raised as ambient capabilities, the
// only way they survive an exec under SECBIT_NOROOT. Returns 0 or the errno that failed.
int ReduceCapabilities(int last_capability, uint64_t keep) noexcept;

}  // namespace cvlsm
