#include "cli/refusal_summary.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/printable.h"
#include "explain/remedy.h"

namespace cvlsm::cli {
namespace {

// How many of one syscall's refusals -v says as they happen; the summary counts them all.
constexpr uint64_t kLiveLinesPerSyscall = 5;

std::string CommOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/comm"));
  std::string comm;
  std::getline(in, comm);
  return comm;
}

struct Refused {
  Event first;
  uint64_t count = 0;
};

std::string Line(const Refused& refused, const Policy& policy) {
  const Remedy remedy = WhatWouldAllow(refused.first, &policy);
  return Printable(absl::StrCat(DescribeOperation(refused.first), ", ", refused.count,
                                refused.count == 1 ? " time" : " times", ", by ",
                                refused.first.comm.empty() ? "?" : refused.first.comm, ": ",
                                remedy.text));
}

}  // namespace

void SyscallRefusals::WouldBeDenied(pid_t pid, int syscall_nr) {
  std::string comm = CommOf(pid);
  uint64_t count;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Seen& seen = seen_[syscall_nr];
    count = ++seen.count;
    if (count == 1) {
      seen.pid = pid;
      seen.comm = comm;
    }
  }
  if (!live_ || count > kLiveLinesPerSyscall) return;
  const Event event = SyscallRefusalEvent(syscall_nr, static_cast<uint32_t>(pid), comm, audit_);
  std::fprintf(stderr, "cv-lsm: %s: %s: %s by %s[%d]: %s%s\n", who_.c_str(),
               audit_ ? "would refuse" : "refused", DescribeOperation(event).c_str(),
               Printable(comm).c_str(), static_cast<int>(pid),
               WhatWouldAllow(event, &policy_).text.c_str(),
               count == kLiveLinesPerSyscall ? " (further ones only counted)" : "");
}

std::map<int, SyscallRefusals::Seen> SyscallRefusals::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seen_;
}

void PrintRefusalSummary(absl::string_view who, const WorkloadResult& result,
                         const SyscallRefusals& syscalls, const Policy& policy, bool audit) {
  std::vector<Refused> refused;
  for (const auto& [nr, seen] : syscalls.Snapshot()) {
    refused.push_back(
        {SyscallRefusalEvent(nr, static_cast<uint32_t>(seen.pid), seen.comm, audit), seen.count});
  }
  for (const Denial& denial : result.denials) {
    // The listener saw the refused syscalls already (the counter, when loaded, sees them
    // again); in audit mode the counter sees only the fixed refusals, which the listener
    // does not.
    if (denial.first.hook == CVLSM_HOOK_SYSCALL && !audit && result.syscall_refusals_reported) {
      continue;
    }
    refused.push_back({denial.first, denial.count});
  }
  std::stable_sort(refused.begin(), refused.end(),
                   [](const Refused& a, const Refused& b) { return a.count > b.count; });

  const std::string prefix = absl::StrCat("cv-lsm: ", who, ": ", audit ? "audit: " : "");
  std::vector<std::string> notes;
  if (result.tier == Tier::kLandlock) {
    notes.push_back(
        "path refusals are not listed on the landlock tier: Landlock tells only the kernel's "
        "audit log (from ABI 7), which cv-lsm does not read; the bpf-lsm tier, or cv-lsm learn "
        "there, lists them");
  }
  if (audit && !result.syscall_denials_recorded) {
    notes.push_back(kFixedSyscallRefusalsUnseen);
  } else if (!audit && !result.syscall_refusals_reported) {
    notes.push_back(
        "syscall refusals are not listed: seccomp user notification is not available here (it "
        "needs Linux >= 5.0, and no listener of the runtime's own on cv-lsm's process)");
  }
  if (result.records_dropped > 0) {
    notes.push_back(absl::StrCat(
        result.records_dropped, " more refusals were not recorded (the programs' table was full)"));
  }
  if (refused.empty() && !audit) {
    // Nothing to list: still say what could not be seen when the command failed.
    if (result.exit.exit_code == 0 || notes.empty()) return;
    std::fprintf(stderr, "%sthe command exited with %d and no refusal was listed; %s\n",
                 prefix.c_str(), result.exit.exit_code, notes.front().c_str());
    return;
  }
  std::fprintf(
      stderr, "%s%zu %s %s (-q: not listed):\n", prefix.c_str(), refused.size(),
      refused.size() == 1 ? "operation" : "operations",
      audit ? "would have been refused" : (refused.size() == 1 ? "was refused" : "were refused"));
  for (const Refused& entry : refused) {
    std::fprintf(stderr, "%s  %s\n", prefix.c_str(), Line(entry, policy).c_str());
  }
  for (const std::string& note : notes)
    std::fprintf(stderr, "%s%s\n", prefix.c_str(), note.c_str());
}

}  // namespace cvlsm::cli
