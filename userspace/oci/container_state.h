// The state of a container as an OCI runtime hands it to a hook on stdin (runtime-spec
// runtime.md "State"): what cv-lsm oci-hook needs of it, checked field by field.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvlsm {

struct ContainerState {
  std::string oci_version;
  std::string id;
  std::string status;  // "creating" (runc), "created" (crun) at createRuntime
  int pid = 0;         // 0 when the state has none (before the process exists, or after it ended)
  std::string bundle;  // absolute, in the runtime's mount namespace
  std::map<std::string, std::string> annotations;
};

// Parses the state JSON. Errors start with "<source_name>:<line>:<column>: " and say which
// field is wrong and what was expected; keys the spec does not define are ignored (runtimes
// add their own, such as crun's "root").
absl::StatusOr<ContainerState> ParseContainerState(absl::string_view text,
                                                   absl::string_view source_name);

// Reads the state from `fd` to its end (a hook's stdin; at most 1 MiB) and parses it.
absl::StatusOr<ContainerState> ReadContainerState(int fd, absl::string_view source_name);

}  // namespace cvlsm
