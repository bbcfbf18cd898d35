// Where a filesystem object appears in this mount namespace. Landlock grants by object but
// walks the path an access came through, so an object reachable under a bind mount is
// granted what that mount's ancestors are granted too: whoever asks whether a tree is
// reachable from another needs every place, not the one name a rule was written with.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cvlsm::landlock {

struct MountEntry {
  std::string device;       // "major:minor" of the filesystem
  std::string root;         // the directory of that filesystem mounted here
  std::string mount_point;  // where, in this namespace
};

// /proc/self/mountinfo, in its order (a later mount on the same point is on top); empty
// when it cannot be read.
std::vector<MountEntry> ReadMounts();
// The same from mountinfo's text (octal escapes such as \040 decoded).
std::vector<MountEntry> ParseMountInfo(absl::string_view text);

// Every path at which `canonical` (a path with no symlink, as the kernel names an open
// object) or part of its tree appears: itself, and the mount points of every mount of the
// same filesystem whose root is at or below it, or above it (then below that mount point).
std::vector<std::string> PlacesOf(const std::string& canonical,
                                  const std::vector<MountEntry>& mounts);

// Whether `inner` is `outer` or below it, comparing whole components.
bool AtOrBelow(absl::string_view inner, absl::string_view outer);

}  // namespace cvlsm::landlock
