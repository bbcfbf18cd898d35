#include "oci/container_state.h"

#include <unistd.h>

#include <cerrno>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "json/json_source.h"

namespace cvlsm {
namespace {

using Json = nlohmann::json;
using Pointer = Json::json_pointer;

class StateReader {
 public:
  explicit StateReader(const JsonSource& source) : source_(source) {}

  absl::StatusOr<ContainerState> Read() const {
    const Json& root = source_.root();
    if (!root.is_object()) {
      return source_.ErrorAt(Pointer(), absl::StrCat("expected the container state (a JSON "
                                                     "object), got ",
                                                     JsonTypeName(root)));
    }
    ContainerState state;
    for (auto [key, field] :
         {std::pair{"ociVersion", &state.oci_version}, std::pair{"id", &state.id},
          std::pair{"status", &state.status}, std::pair{"bundle", &state.bundle}}) {
      ASSIGN_OR_RETURN(std::string text, RequiredString(root, key));
      *field = text;
    }
    if (state.bundle.front() != '/') {
      return source_.ErrorAt(
          Pointer("/bundle"),
          absl::StrCat("bundle: expected an absolute path, got \"", state.bundle, "\""));
    }
    // 0 is what runtimes send once the process is gone (crun at poststop): no process.
    if (auto it = root.find("pid"); it != root.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
          it->get<int64_t>() > std::numeric_limits<int>::max()) {
        return source_.ErrorAt(Pointer("/pid"),
                               absl::StrCat("pid: expected a process id (a positive integer, "
                                            "or 0 for none), got ",
                                            it->dump()));
      }
      state.pid = it->get<int>();
    }
    if (auto it = root.find("annotations"); it != root.end()) {
      if (!it->is_object()) {
        return source_.ErrorAt(
            Pointer("/annotations"),
            absl::StrCat("annotations: expected an object of strings, got ", JsonTypeName(*it)));
      }
      for (const auto& [key, value] : it->items()) {
        if (!value.is_string()) {
          return source_.ErrorAt(
              Pointer("/annotations") / key,
              absl::StrCat("annotations.", key, ": expected a string, got ", JsonTypeName(value)));
        }
        state.annotations.emplace(key, value.get<std::string>());
      }
    }
    return state;
  }

 private:
  // A non-empty string member of the top-level object.
  absl::StatusOr<std::string> RequiredString(const Json& root, const std::string& key) const {
    auto it = root.find(key);
    if (it == root.end()) {
      return source_.ErrorAt(Pointer(), absl::StrCat("\"", key, "\" is missing"));
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return source_.ErrorAt(Pointer("/" + key),
                             absl::StrCat(key, ": expected a non-empty string, got ",
                                          it->is_string() ? "\"\"" : JsonTypeName(*it)));
    }
    return it->get<std::string>();
  }

  const JsonSource& source_;
};

}  // namespace

absl::StatusOr<ContainerState> ParseContainerState(absl::string_view text,
                                                   absl::string_view source_name) {
  ASSIGN_OR_RETURN(JsonSource source, JsonSource::Parse(text, source_name));
  return StateReader(source).Read();
}

absl::StatusOr<ContainerState> ReadContainerState(int fd, absl::string_view source_name) {
  // A state is a few hundred bytes plus annotations; the bound keeps a wrong stdin harmless.
  ASSIGN_OR_RETURN(
      std::string text,
      ReadDocument(fd, source_name, "the runtime writes the container's state to a hook's stdin"));
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name,
                     ": empty; run cv-lsm oci-hook as an OCI hook: the runtime writes the "
                     "container's state to its stdin"));
  }
  absl::StatusOr<ContainerState> state = ParseContainerState(text, source_name);
  if (!state.ok()) {
    return WithRemedy(state.status(),
                      "cv-lsm oci-hook reads the container state an OCI runtime writes to a "
                      "hook's stdin");
  }
  return state;
}

}  // namespace cvlsm
