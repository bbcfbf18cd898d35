// JSON documents that people write (policy files, seccomp profiles): nlohmann's parser for
// the values, plus where each value and key starts in the text, so a reader can answer
// "file:line:column: what was expected" for a value that is valid JSON but wrong (a typo'd
// key, a bad enum), not only for syntax errors.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

struct JsonSourceOptions {
  // A repeated key in one object is an error (nlohmann, like Go, keeps the last one, which
  // hides an edit in a security policy).
  bool reject_duplicate_keys = true;
  // Deeper documents are refused: configuration needs a handful of levels, and the walk
  // that records positions should not grow without bound on hostile input.
  size_t max_depth = 64;
};

class JsonSource {
 public:
  // Parses `text`. Errors start with "<source_name>:<line>:<column>: ".
  static absl::StatusOr<JsonSource> Parse(absl::string_view text, absl::string_view source_name,
                                          const JsonSourceOptions& options = {});

  const nlohmann::json& root() const { return root_; }
  const std::string& source_name() const { return source_; }

  // "<source>:<line>:<column>" where the value at `pointer` starts; for a value that is not
  // in the document (a missing key), where its nearest existing ancestor starts.
  std::string Where(const nlohmann::json::json_pointer& pointer) const;
  // The same for the key of an object member (an unknown key is reported at the key).
  std::string WhereKey(const nlohmann::json::json_pointer& pointer) const;

  // InvalidArgument "<Where(pointer)>: <message>".
  absl::Status ErrorAt(const nlohmann::json::json_pointer& pointer,
                       absl::string_view message) const;
  absl::Status ErrorAtKey(const nlohmann::json::json_pointer& pointer,
                          absl::string_view message) const;

 private:
  struct Offsets {
    size_t key = 0;  // the member's key; the value's offset for array items and the root
    size_t value = 0;
  };
  JsonSource() = default;
  std::string WhereOffset(const nlohmann::json::json_pointer& pointer, bool key) const;

  std::string source_;
  std::string text_;
  nlohmann::json root_;
  absl::flat_hash_map<std::string, Offsets> offsets_;  // by JSON pointer ("/paths/0/allow")
};

// "<line>:<column>" of byte `offset` in `text`, both 1-based; columns count bytes.
std::string LineColumn(absl::string_view text, size_t offset);

// "a string", "an array", ... for "expected X, got Y" messages.
absl::string_view JsonTypeName(const nlohmann::json& value);

// The most any reader takes from a document people or runtimes write (policy files, seccomp
// profiles, an OCI state or config): far more than they hold, and a bound on a wrong file
// (`policy validate /dev/zero`) instead of all the memory there is.
inline constexpr size_t kMaxDocumentBytes = size_t{1} << 20;

// Reads a whole file, at most kMaxDocumentBytes; the error names `what` ("policy file") and
// the path ("... is too large" beyond the bound), and suggests `remedy`.
absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view what,
                                         absl::string_view remedy);

// Reads `fd` to its end, at most kMaxDocumentBytes; `name` says what it is in errors ("policy
// file /etc/p.json", "the container state on stdin").
absl::StatusOr<std::string> ReadDocument(int fd, absl::string_view name,
                                         absl::string_view remedy = {});

}  // namespace cvlsm
