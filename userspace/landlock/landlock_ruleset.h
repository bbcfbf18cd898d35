// Landlock's filesystem access rights per ABI and how cv-lsm's r/w/x modes map onto them.
// Pure functions of the ABI number, so they are testable on any machine.
#pragma once

#include <cstdint>

#include "policy/access_mode.h"

namespace cvlsm::landlock {

// LANDLOCK_ACCESS_FS_* (include/uapi/linux/landlock.h). Debian 12's header stops at ABI 2,
// so the bits are spelled out here; each is used only where the running ABI knows it.
inline constexpr uint64_t kExecute = 1ull << 0;     // ABI 1
inline constexpr uint64_t kWriteFile = 1ull << 1;   // ABI 1
inline constexpr uint64_t kReadFile = 1ull << 2;    // ABI 1
inline constexpr uint64_t kReadDir = 1ull << 3;     // ABI 1
inline constexpr uint64_t kRemoveDir = 1ull << 4;   // ABI 1
inline constexpr uint64_t kRemoveFile = 1ull << 5;  // ABI 1
inline constexpr uint64_t kMakeChar = 1ull << 6;    // ABI 1
inline constexpr uint64_t kMakeDir = 1ull << 7;     // ABI 1
inline constexpr uint64_t kMakeReg = 1ull << 8;     // ABI 1
inline constexpr uint64_t kMakeSock = 1ull << 9;    // ABI 1
inline constexpr uint64_t kMakeFifo = 1ull << 10;   // ABI 1
inline constexpr uint64_t kMakeBlock = 1ull << 11;  // ABI 1
inline constexpr uint64_t kMakeSym = 1ull << 12;    // ABI 1
inline constexpr uint64_t kRefer = 1ull << 13;      // ABI 2: link/rename across directories
inline constexpr uint64_t kTruncate = 1ull << 14;   // ABI 3
inline constexpr uint64_t kIoctlDev = 1ull << 15;   // ABI 5

// LANDLOCK_SCOPE_* (ABI 6): what a domain cannot reach outside itself.
inline constexpr uint64_t kScopeSignal = 1ull << 1;  // signals to processes outside the domain

// struct landlock_ruleset_attr as of ABI 6 (Debian 12's header has only the first field).
// The kernel takes a shorter struct from older callers, so the size passed follows the ABI.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;  // ABI 4
  uint64_t scoped;              // ABI 6
};
static_assert(sizeof(RulesetAttr) == 24, "struct landlock_ruleset_attr of ABI 6");

// The newest ABI whose rights this table knows. ABI 4 (TCP ports) and 7 (audit logging) add
// no filesystem rights, and network rules are not this tier's (the syscall filter decides on
// sockets). ABI 6 scopes signals, which the tier uses: a confined process cannot signal a
// process outside its domain (bpf-lsm's task_kill hook does the same per policy). A newer kernel is
// handled as this ABI: rights it adds stay unhandled (allowed).
inline constexpr int kNewestKnownAbi = 7;

// The rights that may be granted on a non-directory (anything else there is EINVAL).
inline constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

// Every filesystem right the ABI knows: the ruleset handles them all, so whatever no rule
// grants is denied. 0 for ABI 0 (no Landlock).
uint64_t HandledAccessFs(int abi);

// The scopes the ruleset sets: signals from ABI 6, nothing before.
uint64_t Scopes(int abi);

// The attribute for landlock_create_ruleset and the size to pass with it: 8 bytes before
// ABI 4, 16 before ABI 6 (a larger size with zeroes is accepted too, but this is exact).
struct SizedRulesetAttr {
  RulesetAttr attr;
  size_t size;
};
SizedRulesetAttr RulesetAttrFor(int abi);

// The rights `modes` grant on a rule's object under the ABI: r = READ_FILE|READ_DIR,
// w = WRITE_FILE, REMOVE_*, MAKE_*, REFER, TRUNCATE, IOCTL_DEV, x = EXECUTE; only the
// file rights when the object is not a directory.
uint64_t AccessForModes(AccessModes modes, bool directory, int abi);

}  // namespace cvlsm::landlock
