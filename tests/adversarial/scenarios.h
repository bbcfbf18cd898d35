// The adversarial scenarios: one attack of cvlsm_attack (attacks.c) each, where it comes
// from, the policy it runs under, its control run, and what each tier must make of it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cvlsm::adversarial {

// Exit statuses of cvlsm_attack besides 0 (succeeded) and an errno.
inline constexpr int kKilledBySigsys = 128 + 31;
inline constexpr int kUnsupported = 250;
// Not an exit status: the attack's calls succeeded, but the signal it had the kernel send
// never reached the witness (the tier dropped it at delivery).
inline constexpr int kDropped = 251;

// What a tier must make of the attack: 0 when it goes through (a documented gap), else the
// errno (or kKilledBySigsys) the attacker sees. `why` names the mechanism, or the reason
// the tier cannot stop it.
struct Outcome {
  int verdict;
  const char* why;
};

struct Scenario {
  const char* name;
  const char* source;
  const char* policy;
  // Extra `cv-lsm run` options; "@" at the start of a path stands for the scenario's root,
  // "%cgroup" for the cgroup2 mount point.
  std::vector<std::string> rules;
  // The control: these rules instead (the access allowed), or unconfined when empty.
  std::vector<std::string> control_rules;
  Outcome bpf_lsm;
  Outcome landlock;
  Outcome seccomp;
  // Landlock kernels below this ABI get `landlock_older` (0: no difference).
  int landlock_min_abi = 0;
  Outcome landlock_older = {};
  // The victim is a fresh witness per run (cvlsm_attack --witness: no capabilities, every
  // signal blocked) rather than the suite's sleeper, which holds every capability.
  bool witness = false;
  // With `witness`: a run whose calls succeeded counts as kDropped unless the witness got
  // SIGWINCH.
  bool witness_gets_signal = false;
  // bpf-lsm kernels older than this (major * 1000 + minor) get `bpf_lsm_older`.
  int bpf_lsm_min_kernel = 0;
  Outcome bpf_lsm_older = {};
};

const std::vector<Scenario>& Scenarios();

// The scenarios a run covers: every one, or with CVLSM_SUITE_SCOPE=core one of each
// mechanism (the kernel matrix's middle kernels; the oldest and newest bpf-lsm kernels and
// every other tier run them all).
std::vector<Scenario> ScenariosInScope();
// "full" or "core", from CVLSM_SUITE_SCOPE.
std::string SuiteScope();

// gtest prints a failing parameter with this (its name, not its bytes).
inline void PrintTo(const Scenario& scenario, std::ostream* os) { *os << scenario.name; }

}  // namespace cvlsm::adversarial
