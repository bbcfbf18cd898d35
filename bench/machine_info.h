// What every benchmark's "meta" line says about the machine, and small readers for it.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "json_line.h"

namespace cvlsm::bench {

// The first line of a (sysfs/procfs) file, empty if unreadable.
std::string FirstLine(const std::string& path);

// A "meta" line: program, kernel, arch, cpu, cpus, clocksource; callers add their sizes.
JsonLine MachineMeta(absl::string_view program);

}  // namespace cvlsm::bench
