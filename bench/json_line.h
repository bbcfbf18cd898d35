// Builds one flat JSON object per output line, keys in insertion order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cvlsm::bench {

class JsonLine {
 public:
  JsonLine& Add(absl::string_view key, absl::string_view value);
  JsonLine& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonLine& Add(absl::string_view key, int64_t value);
  JsonLine& Add(absl::string_view key, int value) { return Add(key, int64_t{value}); }
  JsonLine& Add(absl::string_view key, bool value);
  JsonLine& Add(absl::string_view key, uint64_t value);
  JsonLine& Add(absl::string_view key, double value);
  JsonLine& Add(absl::string_view key, const std::vector<int>& values);
  // The object, without a newline.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Key(absl::string_view key);
  std::string body_;
};

// Writes the line to stdout and flushes (the VM's console is the only way out).
void Emit(const JsonLine& line);

}  // namespace cvlsm::bench
