// What a benchmark reports about the machine it ran on, and the limits it raises first.
#pragma once

#include <string>

namespace cvlsm::bench {

// The first line of a file ("" when unreadable): /proc and /sys values.
std::string FirstLine(const std::string& path);
// The CPU's model name from /proc/cpuinfo ("unknown" when absent).
std::string CpuModel();
// Makes room for `rules` more descriptors: every bpf-lsm rule pins its object with one.
void RaiseFileLimit(int rules);

}  // namespace cvlsm::bench
