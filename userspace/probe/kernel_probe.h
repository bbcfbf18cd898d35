// What this kernel offers for enforcement, probe by probe, with a remedy for each
// failure; `cv-lsm status` prints it and the run command logs it.
#pragma once

#include <string>
#include <vector>

#include "bpf_backend/active_lsms.h"
#include "confinement/tier_choice.h"

namespace cvlsm {

struct ProbeLine {
  std::string name;  // stable key, e.g. "lsm_list"
  bool ok = false;
  std::string detail;  // what was found
  std::string remedy;  // what to do when !ok; empty otherwise
};

struct KernelReport {
  std::string kernel;            // uname release
  std::vector<std::string> lsm;  // active LSMs, in order; empty if unknown
  std::vector<ProbeLine> probes;
  Tier tier = Tier::kSeccomp;
  std::string tier_reason;
  // What the tier enforces of network rules here, and what not.
  std::string network;
};

// Runs every probe, including a trial load, attach and self-test of the real programs.
KernelReport ProbeKernel(EnforcementFeatures& features = SystemFeatures());

}  // namespace cvlsm
