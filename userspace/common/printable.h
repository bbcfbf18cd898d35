// Text from files, policies or the kernel shown on a terminal: control characters (an
// escape sequence in a policy's name, a newline in a file name) are written as \xNN, so
// what is printed is what is there and cannot rewrite the screen.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace cvlsm {

std::string Printable(absl::string_view text);

}  // namespace cvlsm
