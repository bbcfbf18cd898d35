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

// Makes room for `rules` more descriptors: every bpf-lsm rule pins its object with one, and
// Landlock opens each rule path (100k rules need far more than the usual 1024/4096).
void RaiseFileLimit(int rules);

}  // namespace cvlsm::bench
