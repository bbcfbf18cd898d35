#include "policy/access_mode.h"

#include "absl/strings/str_cat.h"

namespace cvlsm {

absl::StatusOr<AccessModes> ParseAccessModes(absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("empty access mode: expected a combination of r, w and x");
  }
  AccessModes modes = 0;
  for (char c : text) {
    AccessModes bit = 0;
    switch (c) {
      case 'r':
        bit = kRead;
        break;
      case 'w':
        bit = kWrite;
        break;
      case 'x':
        bit = kExec;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "bad access mode '", text, "': '", std::string(1, c), "' is not one of r, w, x"));
    }
    if (modes & bit) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad access mode '", text, "': '", std::string(1, c), "' repeated"));
    }
    modes |= bit;
  }
  return modes;
}

std::string FormatAccessModes(AccessModes modes) {
  std::string text = "---";
  if (modes & kRead) text[0] = 'r';
  if (modes & kWrite) text[1] = 'w';
  if (modes & kExec) text[2] = 'x';
  return text;
}

}  // namespace cvlsm
