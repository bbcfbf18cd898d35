#include "json/json_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/unique_fd.h"

namespace cvlsm {
namespace {

using Json = nlohmann::json;

// Keeps nlohmann's first syntax error with its position; the DOM parser throws it without
// one for some errors (number overflow).
class SyntaxErrorCatcher : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    offset_ = position == 0 ? 0 : position - 1;  // the offending byte, 1-based
    message_ = Describe(error.what());
    return false;
  }

  size_t offset() const { return offset_; }
  const std::string& message() const { return message_; }

 private:
  // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." ->
  // "syntax error ..."; "[json.exception.out_of_range.406] number overflow ..." -> "number
  // overflow ...". The position is ours, in the same form as semantic errors.
  static std::string Describe(absl::string_view what) {
    if (const size_t at = what.find("parse error"); at != absl::string_view::npos) {
      if (const size_t colon = what.find(": ", at); colon != absl::string_view::npos) {
        return std::string(what.substr(colon + 2));
      }
    }
    if (!what.empty() && what.front() == '[') {
      if (const size_t close = what.find("] "); close != absl::string_view::npos) {
        return std::string(what.substr(close + 2));
      }
    }
    return std::string(what);
  }

  size_t offset_ = 0;
  std::string message_;
};

struct ScanError {
  size_t offset;
  std::string message;
};

// Walks text nlohmann has accepted and records where each value (and member key) starts,
// by JSON pointer. Iterative, so nesting depth costs no stack.
class PositionScanner {
 public:
  PositionScanner(absl::string_view text, const JsonSourceOptions& options)
      : text_(text), options_(options) {}

  template <typename Map>
  std::optional<ScanError> Scan(Map& offsets) {
    size_t i = 0;
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // nlohmann skips a UTF-8 BOM too
    i = SkipSpace(i);
    std::string pointer;
    size_t key_offset = i;
    while (true) {
      // A value starts at i.
      offsets[pointer] = {key_offset, i};
      const char c = At(i);
      if (c == '{' || c == '[') {
        if (stack_.size() >= options_.max_depth) {
          return ScanError{i, absl::StrCat("nested deeper than ", options_.max_depth,
                                           " levels; this file needs only a few")};
        }
        stack_.push_back({c == '{', pointer, 0, {}});
        i = SkipSpace(i + 1);
        if (At(i) == '}' || At(i) == ']') {
          stack_.pop_back();
          ++i;
        } else {
          if (std::optional<ScanError> e = EnterMember(i, pointer, key_offset); e) return e;
          continue;
        }
      } else if (c == '"') {
        i = StringEnd(i);
      } else {
        while (i < text_.size() &&
               absl::string_view(" \t\r\n,]}").find(text_[i]) == absl::string_view::npos) {
          ++i;
        }
      }
      // After a value: a separator, or the end of containers.
      while (true) {
        i = SkipSpace(i);
        if (stack_.empty()) return std::nullopt;
        if (At(i) == ',') {
          i = SkipSpace(i + 1);
          break;
        }
        stack_.pop_back();  // '}' or ']'
        ++i;
      }
      if (std::optional<ScanError> e = EnterMember(i, pointer, key_offset); e) return e;
    }
  }

 private:
  struct Frame {
    bool object;
    std::string pointer;
    size_t next_index;
    absl::flat_hash_set<std::string> keys;
  };

  char At(size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

  size_t SkipSpace(size_t i) const {
    while (i < text_.size() &&
           absl::string_view(" \t\r\n").find(text_[i]) != absl::string_view::npos) {
      ++i;
    }
    return i;
  }

  // i at the opening quote; returns the offset just past the closing one.
  size_t StringEnd(size_t i) const {
    ++i;
    while (i < text_.size() && text_[i] != '"') i += text_[i] == '\\' ? 2 : 1;
    return std::min(i + 1, text_.size());
  }

  // "~" and "/" escaped as in RFC 6901, like nlohmann's json_pointer::to_string.
  static void AppendToken(std::string& pointer, absl::string_view token) {
    pointer += '/';
    for (char c : token) {
      if (c == '~') {
        pointer += "~0";
      } else if (c == '/') {
        pointer += "~1";
      } else {
        pointer += c;
      }
    }
  }

  // i at the next member of the innermost container: sets the member's pointer and key
  // offset and moves i to its value.
  std::optional<ScanError> EnterMember(size_t& i, std::string& pointer, size_t& key_offset) {
    Frame& frame = stack_.back();
    pointer = frame.pointer;
    key_offset = i;
    if (!frame.object) {
      AppendToken(pointer, absl::StrCat(frame.next_index++));
      return std::nullopt;
    }
    const size_t end = StringEnd(i);
    // The key's text is a valid JSON string: nlohmann decodes it exactly as in the DOM.
    const std::string key = Json::parse(text_.substr(i, end - i)).get<std::string>();
    if (!frame.keys.insert(key).second && options_.reject_duplicate_keys) {
      return ScanError{i, absl::StrCat("key \"", key,
                                       "\" appears twice in this object; keep one (a JSON "
                                       "reader would silently use the last)")};
    }
    AppendToken(pointer, key);
    i = SkipSpace(SkipSpace(end) + 1);  // past ':'
    return std::nullopt;
  }

  absl::string_view text_;
  const JsonSourceOptions& options_;
  std::vector<Frame> stack_;
};

}  // namespace

absl::StatusOr<JsonSource> JsonSource::Parse(absl::string_view text, absl::string_view source_name,
                                             const JsonSourceOptions& options) {
  JsonSource source;
  source.source_ = std::string(source_name);
  source.text_ = std::string(text);
  SyntaxErrorCatcher catcher;
  if (!Json::sax_parse(source.text_.begin(), source.text_.end(), &catcher)) {
    return absl::InvalidArgumentError(absl::StrCat(source.source_, ":",
                                                   LineColumn(text, catcher.offset()),
                                                   ": not valid JSON: ", catcher.message()));
  }
  try {
    source.root_ = Json::parse(source.text_.begin(), source.text_.end());
  } catch (const Json::exception& e) {
    // The SAX pass accepted the text; nothing should be left for the DOM parser to refuse.
    return absl::InvalidArgumentError(absl::StrCat(source.source_, ": not valid JSON: ", e.what()));
  }
  PositionScanner scanner(source.text_, options);
  if (std::optional<ScanError> error = scanner.Scan(source.offsets_); error) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.source_, ":", LineColumn(text, error->offset), ": ", error->message));
  }
  return source;
}

std::string JsonSource::WhereOffset(const Json::json_pointer& pointer, bool key) const {
  Json::json_pointer at = pointer;
  while (true) {
    if (auto it = offsets_.find(at.to_string()); it != offsets_.end()) {
      // A missing member is reported where its object starts.
      const size_t offset = key && at == pointer ? it->second.key : it->second.value;
      return absl::StrCat(source_, ":", LineColumn(text_, offset));
    }
    if (at.empty()) return source_;
    at = at.parent_pointer();
  }
}

std::string JsonSource::Where(const Json::json_pointer& pointer) const {
  return WhereOffset(pointer, /*key=*/false);
}

std::string JsonSource::WhereKey(const Json::json_pointer& pointer) const {
  return WhereOffset(pointer, /*key=*/true);
}

absl::Status JsonSource::ErrorAt(const Json::json_pointer& pointer,
                                 absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(Where(pointer), ": ", message));
}

absl::Status JsonSource::ErrorAtKey(const Json::json_pointer& pointer,
                                    absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(WhereKey(pointer), ": ", message));
}

std::string LineColumn(absl::string_view text, size_t offset) {
  const size_t pos = std::min(offset, text.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return absl::StrCat(line, ":", pos - line_start + 1);
}

absl::string_view JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a fractional number";
    default:
      return "an unexpected value";
  }
}

absl::StatusOr<std::string> ReadDocument(int fd, absl::string_view name, absl::string_view remedy) {
  std::string text;
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, absl::StrCat("reading ", name), remedy);
    if (n == 0) return text;
    if (text.size() + static_cast<size_t>(n) > kMaxDocumentBytes) {
      return WithRemedy(absl::InvalidArgumentError(absl::StrCat(
                            name, " is too large: more than ", kMaxDocumentBytes,
                            " bytes (1 MiB), where a policy or profile holds a few kilobytes")),
                        remedy);
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view what,
                                         absl::string_view remedy) {
  const std::string name = absl::StrCat(what, " ", path);
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return ErrnoError(errno, absl::StrCat("opening ", name), remedy);
  // A directory opens, then fails to read; say what it is instead.
  struct stat st {};
  if (::fstat(file.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return ErrnoError(EISDIR, absl::StrCat("reading ", name), remedy);
  }
  return ReadDocument(file.get(), name, remedy);
}

}  // namespace cvlsm
