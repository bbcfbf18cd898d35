#include "landlock/landlock_ruleset.h"

#include <algorithm>
#include <cstddef>

namespace cvlsm::landlock {

uint64_t HandledAccessFs(int abi) {
  if (abi < 1) return 0;
  abi = std::min(abi, kNewestKnownAbi);
  uint64_t handled = kExecute | kWriteFile | kReadFile | kReadDir | kRemoveDir | kRemoveFile |
                     kMakeChar | kMakeDir | kMakeReg | kMakeSock | kMakeFifo | kMakeBlock |
                     kMakeSym;
  if (abi >= 2) handled |= kRefer;
  if (abi >= 3) handled |= kTruncate;
  if (abi >= 5) handled |= kIoctlDev;
  return handled;
}

uint64_t Scopes(int abi) { return abi >= 6 ? kScopeSignal : 0; }

SizedRulesetAttr RulesetAttrFor(int abi) {
  SizedRulesetAttr sized{};
  sized.attr.handled_access_fs = HandledAccessFs(abi);
  sized.attr.scoped = Scopes(abi);
  if (abi >= 6) {
    sized.size = sizeof(RulesetAttr);
  } else if (abi >= 4) {
    sized.size = offsetof(RulesetAttr, scoped);
  } else {
    sized.size = offsetof(RulesetAttr, handled_access_net);
  }
  return sized;
}

uint64_t AccessForModes(AccessModes modes, bool directory, int abi) {
  uint64_t access = 0;
  if (modes & kRead) access |= kReadFile | kReadDir;
  if (modes & kWrite) {
    access |= kWriteFile | kRemoveDir | kRemoveFile | kMakeChar | kMakeDir | kMakeReg | kMakeSock |
              kMakeFifo | kMakeBlock | kMakeSym | kRefer | kTruncate | kIoctlDev;
  }
  if (modes & kExec) access |= kExecute;
  if (!directory) access &= kFileRights;
  return access & HandledAccessFs(abi);
}

}  // namespace cvlsm::landlock
