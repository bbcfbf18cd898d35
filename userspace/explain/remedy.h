// What would allow a refused operation: the exact option of `cv-lsm run` that lifts it, or
// why nothing can. One answer for the run summary, `cv-lsm explain` and `policy diff`, on
// every tier, whether the refusal came from the BPF programs' records or the syscall
// filter's listener (both are Events).
#pragma once

#include <string>

#include "observe/event.h"
#include "policy/policy.h"

namespace cvlsm {

struct Remedy {
  // False when no policy can allow it (cv-lsm refuses it whatever the policy says).
  bool allowable = true;
  // The option ("--allow-syscall vfork", "--allow /etc/gitconfig:r"), or what to change
  // ("the deny rule '/etc/shadow:r--' takes it away: ..."), or why nothing can.
  std::string text;
};

// `policy` (may be null when unknown) tells a refusal by a deny rule, or by a syscall's
// arguments, from one that no rule allows.
Remedy WhatWouldAllow(const Event& event, const Policy* policy);

// An Event for a syscall the filter refused (the listener's report): what the BPF programs
// record for one when they count syscall refusals.
Event SyscallRefusalEvent(int syscall_nr, uint32_t pid, const std::string& comm, bool audit);

// Whether the filter can refuse the syscall even where a policy lists it (always blocked,
// or checked by its arguments), so listing it does not settle the call.
bool RefusedWhateverItLists(int syscall_nr);

// The modes as an option writes them: "r", "rw", "x".
std::string ModesOption(AccessModes modes);

}  // namespace cvlsm
