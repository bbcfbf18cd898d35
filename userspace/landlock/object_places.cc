#include "landlock/object_places.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cvlsm::landlock {
namespace {

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string Unescape(absl::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const absl::string_view digits = field.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == absl::string_view::npos) {
        out.push_back(
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

// `path` with its leading `from` replaced by `to` (AtOrBelow(path, from) holds).
std::string Rebase(absl::string_view path, absl::string_view from, absl::string_view to) {
  absl::string_view rest = from == "/" ? path : path.substr(from.size());
  if (rest.empty() || rest == "/") return std::string(to);
  if (rest.front() != '/') return absl::StrCat(to, "/", rest);
  return to == "/" ? std::string(rest) : absl::StrCat(to, rest);
}

}  // namespace

bool AtOrBelow(absl::string_view inner, absl::string_view outer) {
  if (outer == "/" || inner == outer) return true;
  return absl::StartsWith(inner, outer) && inner.size() > outer.size() &&
         inner[outer.size()] == '/';
}

std::vector<MountEntry> ParseMountInfo(absl::string_view text) {
  std::vector<MountEntry> mounts;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // ID PARENT MAJOR:MINOR ROOT MOUNT_POINT OPTIONS ...
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() < 5) continue;
    mounts.push_back({std::string(fields[2]), Unescape(fields[3]), Unescape(fields[4])});
  }
  return mounts;
}

std::vector<MountEntry> ReadMounts() {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  return ParseMountInfo(text.str());
}

std::vector<std::string> PlacesOf(const std::string& canonical,
                                  const std::vector<MountEntry>& mounts) {
  std::vector<std::string> places = {canonical};
  // The mount the path is on: the deepest mount point above it, the last one mounted there.
  const MountEntry* on = nullptr;
  for (const MountEntry& mount : mounts) {
    if (!AtOrBelow(canonical, mount.mount_point)) continue;
    if (!on || mount.mount_point.size() >= on->mount_point.size()) on = &mount;
  }
  if (!on) return places;
  const std::string in_filesystem = Rebase(canonical, on->mount_point, on->root);
  for (const MountEntry& mount : mounts) {
    if (&mount == on || mount.device != on->device) continue;
    if (AtOrBelow(in_filesystem, mount.root)) {
      places.push_back(Rebase(in_filesystem, mount.root, mount.mount_point));
    } else if (AtOrBelow(mount.root, in_filesystem)) {
      places.push_back(mount.mount_point);
    }
  }
  return places;
}

}  // namespace cvlsm::landlock
