// Test support: run the cv-lsm binary (or any program) and capture what it printed, and
// scratch directories that clean up after themselves.
#pragma once

#include <string>
#include <vector>

namespace cvlsm::testing {

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs argv (argv[0] a path) to completion, capturing stdout and stderr.
ProcessResult RunProcess(const std::vector<std::string>& argv);

// Runs the cv-lsm binary built with these tests.
ProcessResult RunCli(const std::vector<std::string>& args);

// "run --allow <access probe dir>:rx OPTIONS... -- COMMAND...": arguments for RunCli.
std::vector<std::string> ConfinedRun(const std::vector<std::string>& options,
                                     const std::vector<std::string>& command);

bool Contains(const std::string& haystack, const std::string& needle);

// The access probe binary (tests/helpers/access_probe.c).
std::string AccessProbePath();
// The directory holding the access probe, for an --allow DIR:rx rule.
std::string AccessProbeDir();

// A fresh directory under `base` (default: $TMPDIR or /tmp), removed with its contents.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& base = "");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes a file below the directory and returns its path.
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// cgroups cv-lsm created and did not remove (children of <cgroup2>/cv-lsm).
std::vector<std::string> LeftoverCgroups();

}  // namespace cvlsm::testing
