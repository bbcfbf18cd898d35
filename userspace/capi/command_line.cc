#include "capi/command_line.h"

#include "absl/strings/match.h"

namespace cvlsm::capi {

absl::StatusOr<std::vector<std::string>> SplitCommandLine(absl::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == line.size()) return absl::InvalidArgumentError("arguments end with a backslash");
      word += line[i];
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == absl::string_view::npos) {
        return absl::InvalidArgumentError("arguments: unterminated single quote");
      }
      absl::string_view quoted = line.substr(i + 1, end - i - 1);
      word.append(quoted.data(), quoted.size());
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i == line.size()) return absl::InvalidArgumentError("arguments: unterminated quote");
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() && absl::StrContains("\"\\$`", line[i + 1])) {
          ++i;
        }
        word += line[i];
      }
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace cvlsm::capi
