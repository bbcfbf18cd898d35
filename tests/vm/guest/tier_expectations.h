// What the guest suites expect of the tier the booted kernel must offer. The VM runner names
// it in CVLSM_EXPECT_TIER (bpf-lsm, landlock or seccomp; bpf-lsm when unset): bpf-lsm and
// landlock enforce path rules (a denied access is EACCES), seccomp does not (the same access
// succeeds and `cv-lsm run` warns that path rules are NOT enforced).
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/cli_runner.h"

namespace cvlsm::testing {

inline constexpr char kNotEnforcedWarning[] = "path rules are NOT enforced";
inline constexpr int kLauncherFailed = 125;

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// CVLSM_EXPECT_TIER, bpf-lsm when unset.
inline const std::string& ExpectedTier() {
  static const std::string tier = [] {
    const char* env = std::getenv("CVLSM_EXPECT_TIER");
    return std::string(env != nullptr && *env != '\0' ? env : "bpf-lsm");
  }();
  return tier;
}

inline bool PathsEnforced() { return ExpectedTier() != "seccomp"; }

// --strict refuses to run where any rule class of the policy goes unenforced, so it is passed
// only where every one the tests' presets carry is (StrictRefusesToRunWherePathsAreNotEnforced
// checks --strict itself on every tier).
inline std::vector<std::string> StrictIfEnforced() {
  // Landlock enforces the path rules, but --strict also refuses the unix socket protections
  // it lacks (abstract scoping before ABI 6, w on a pathname socket before ABI 9), which the
  // build and network presets carry: there the verdicts below show the path enforcement.
  return ExpectedTier() == "bpf-lsm" ? std::vector<std::string>{"--strict"}
                                     : std::vector<std::string>{};
}

// Fails with the status output unless `cv-lsm status --json` reports the expected tier (and
// its exit code: 0 bpf-lsm, 2 landlock, 3 seccomp). Asked once per test binary.
inline ::testing::AssertionResult MachineRunsTheExpectedTier() {
  static const ProcessResult status = RunCli({"status", "--json"});
  const std::string& expected = ExpectedTier();
  int expected_exit = expected == "bpf-lsm" ? 0 : expected == "landlock" ? 2 : 3;
  if (expected != "bpf-lsm" && expected != "landlock" && expected != "seccomp") {
    return ::testing::AssertionFailure()
           << "CVLSM_EXPECT_TIER=" << expected << " is not bpf-lsm, landlock or seccomp";
  }
  if (!Contains(status.out, "\"tier\": \"" + expected + "\"") ||
      status.exit_code != expected_exit) {
    return ::testing::AssertionFailure()
           << "this kernel must run the " << expected << " tier (status exit " << expected_exit
           << "); `cv-lsm status --json` exited " << status.exit_code << ":\n"
           << status.out << status.err;
  }
  return ::testing::AssertionSuccess();
}

// The run succeeded and said that its path rules were not enforced (seccomp tier).
inline ::testing::AssertionResult RanWithoutPathEnforcement(const ProcessResult& result) {
  if (result.exit_code == 0 && Contains(result.err, kNotEnforcedWarning)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected exit 0 and the warning \"" << kNotEnforcedWarning << "\" (tier "
         << ExpectedTier() << "), got exit " << result.exit_code << "\nstdout: " << result.out
         << "\nstderr: " << result.err;
}

// An access the policy does not grant: `enforced_exit` (the probe's EACCES) where paths are
// enforced; under seccomp it succeeds, with the warning.
inline ::testing::AssertionResult IsDenied(const ProcessResult& result,
                                           int enforced_exit = EACCES) {
  if (!PathsEnforced()) return RanWithoutPathEnforcement(result);
  if (result.exit_code == enforced_exit) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected exit " << enforced_exit << " (tier " << ExpectedTier() << "), got "
         << result.exit_code << "\nstdout: " << result.out << "\nstderr: " << result.err;
}

// An access the policy grants: allowed in every tier.
inline ::testing::AssertionResult IsAllowed(const ProcessResult& result) {
  if (result.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected exit 0 (tier " << ExpectedTier() << "), got " << result.exit_code
         << "\nstdout: " << result.out << "\nstderr: " << result.err;
}

// An access refused by a deny rule on `path` that an allowed tree also reaches: EACCES under
// bpf-lsm; Landlock cannot take away what an allow rule grants, so the run is refused (125)
// with a message naming the rule; seccomp does not enforce it (0, with the warning).
inline ::testing::AssertionResult IsDeniedByDenyRule(const ProcessResult& result,
                                                     const std::string& path) {
  if (ExpectedTier() != "landlock") return IsDenied(result);
  if (result.exit_code == kLauncherFailed && Contains(result.err, path) &&
      (Contains(result.err, "deny") || Contains(result.err, "Deny"))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected the landlock tier to refuse the deny rule on " << path
         << " (exit 125, a message naming it), got exit " << result.exit_code
         << "\nstdout: " << result.out << "\nstderr: " << result.err;
}

}  // namespace cvlsm::testing
