#include "common/printable.h"

#include "absl/strings/str_format.h"

namespace cvlsm {

std::string Printable(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char byte = static_cast<unsigned char>(text[i]);
    // C0 controls, DEL, and the C1 controls as UTF-8 (0xc2 0x80..0x9f), which some
    // terminals also take as the start of an escape sequence.
    const bool c1 = byte == 0xc2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (byte < 0x20 || byte == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", byte);
    } else if (c1) {
      absl::StrAppendFormat(&out, "\\xc2\\x%02x", static_cast<unsigned char>(text[++i]));
    } else if (byte == '\\') {
      out += "\\\\";
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace cvlsm
