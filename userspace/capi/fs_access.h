// CV_FS_* bits of the C API as the engine's access modes.
#pragma once

#include "chef/containerv/policy.h"
#include "policy/access_mode.h"

namespace cvlsm::capi {

// False when `bits` has anything but CV_FS_READ, CV_FS_WRITE and CV_FS_EXEC; 0 is valid
// (no modes) and the caller decides whether it may be.
inline bool FsAccessToModes(unsigned bits, AccessModes* modes) {
  if ((bits & ~static_cast<unsigned>(CV_FS_ALL)) != 0) return false;
  *modes = ((bits & CV_FS_READ) ? kRead : 0) | ((bits & CV_FS_WRITE) ? kWrite : 0) |
           ((bits & CV_FS_EXEC) ? kExec : 0);
  return true;
}

}  // namespace cvlsm::capi
