#include "oci/bundle_config.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "json/json_source.h"

namespace cvlsm {

absl::StatusOr<std::string> ParseBundleRootPath(absl::string_view config_text,
                                                absl::string_view source_name,
                                                const std::string& bundle) {
  using Pointer = nlohmann::json::json_pointer;
  ASSIGN_OR_RETURN(JsonSource source, JsonSource::Parse(config_text, source_name));
  const nlohmann::json& root = source.root();
  const Pointer at("/root/path");
  if (!root.is_object() || !root.contains("root") || !root["root"].is_object() ||
      !root["root"].contains("path")) {
    return source.ErrorAt(at,
                          "root.path is missing: the hook resolves the policy's paths in "
                          "the container's root filesystem, which root.path names");
  }
  const nlohmann::json& path = root["root"]["path"];
  if (!path.is_string() || path.get_ref<const std::string&>().empty()) {
    return source.ErrorAt(at, absl::StrCat("root.path: expected a non-empty string, got ",
                                           path.is_string() ? "\"\"" : JsonTypeName(path)));
  }
  // Joined, not normalized: the kernel resolves it later, in the container's mount namespace,
  // where a lexical ".." could mean something else.
  return (std::filesystem::path(bundle) / path.get<std::string>()).string();
}

absl::StatusOr<std::string> BundleRootPath(const std::string& bundle) {
  const std::string file = bundle + "/config.json";
  absl::StatusOr<std::string> text =
      ReadTextFile(file, "bundle config", "the state's bundle must hold the container's config");
  if (!text.ok()) return text.status();
  return ParseBundleRootPath(*text, file, bundle);
}

}  // namespace cvlsm
