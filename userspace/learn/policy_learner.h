// Policy learning: from what a run in audit mode would have been refused, the smallest
// policy on a base preset that would have let it run. Pure: it reads the filesystem only
// through a FileSystemView and needs no privileges.
//
// The rules, in order (docs/policy-files.md, "Learning a policy"):
// - Syscalls the base does not allow are added; a name libseccomp does not know is an error.
// - A truncated path (the kernel's bounded string did not hold it) cannot be named by a
//   rule: learning fails and lists them rather than guess.
// - An access the base already grants (by its rules on the path and its ancestors, by name)
//   adds nothing; otherwise the rule needs the modes the base does not grant.
// - Paths below /proc/<pid> (and /proc/self) cannot be rules: they change with every run,
//   and the process's own entries are what the base's /proc/self rule grants. They are
//   left out and listed in the comment.
// - A path that no longer exists (a temporary file the run created and removed) is replaced
//   by its nearest existing ancestor directory with the same modes: the next run uses
//   another name. That directory may be /tmp; it is never "/" (left out and listed).
// - A rule that a rule on an ancestor already covers is dropped.
// - Collapse: where `collapse_threshold` or more rules sit directly inside one directory,
//   one rule on the directory replaces them, deepest directories first, so a collapsed
//   directory may collapse into its parent. The directory gets the union of their r and w,
//   but x only if every one of them needed x (x on a directory lets every file below it
//   run, a bigger grant than reading them); the others keep a rule for x alone. Never into
//   "/" or a directory of `never_collapse`.
// - A rule on "/" itself is never learned (it would grant its modes on every file): left
//   out and listed.
// The result has mode enforce and a comment that says what was added beyond the base and
// what was left out. Output is sorted: the same observations give the same document.
#pragma once

#include <cstddef>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "learn/file_system_view.h"
#include "learn/observations.h"
#include "policy/policy.h"
#include "policy/policy_file.h"

namespace cvlsm {

struct LearnOptions {
  std::string name;  // the document's name; empty for none
  // How many rules directly inside one directory become a rule on it; 0 never collapses,
  // 1 is refused (it would widen every rule to its directory).
  size_t collapse_threshold = 3;
  // Directories a collapse never makes a rule of, since a rule there grants far more than
  // a workload's own files. A removed path may still map to one of them (e.g. /tmp).
  std::set<std::string> never_collapse = {"/",     "/proc", "/sys", "/dev",
                                          "/home", "/root", "/run", "/tmp"};
};

absl::StatusOr<PolicyDocument> LearnPolicy(PolicyType base, const Observations& observations,
                                           const FileSystemView& file_system,
                                           const LearnOptions& options = {});

}  // namespace cvlsm
