// What the oci-hook reads of a bundle's config.json: where the container's root
// filesystem is (root.path), as the runtime finds it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

// root.path of config.json text, made absolute: a relative path is relative to `bundle`
// (runtime-spec config.md "Root"). Errors start with "<source_name>:<line>:<column>: ".
absl::StatusOr<std::string> ParseBundleRootPath(absl::string_view config_text,
                                                absl::string_view source_name,
                                                const std::string& bundle);

// The same, reading <bundle>/config.json.
absl::StatusOr<std::string> BundleRootPath(const std::string& bundle);

}  // namespace cvlsm
