#include "seccomp/oci_profile.h"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "json/json_source.h"

namespace cvlsm {
namespace {

using Json = nlohmann::json;

constexpr std::pair<OciAction, absl::string_view> kActions[] = {
    {OciAction::kAllow, "SCMP_ACT_ALLOW"},
    {OciAction::kErrno, "SCMP_ACT_ERRNO"},
    {OciAction::kKill, "SCMP_ACT_KILL"},
    {OciAction::kKillThread, "SCMP_ACT_KILL_THREAD"},
    {OciAction::kKillProcess, "SCMP_ACT_KILL_PROCESS"},
    {OciAction::kTrap, "SCMP_ACT_TRAP"},
    {OciAction::kTrace, "SCMP_ACT_TRACE"},
    {OciAction::kLog, "SCMP_ACT_LOG"},
    {OciAction::kNotify, "SCMP_ACT_NOTIFY"},
};

constexpr std::pair<OciArgOp, absl::string_view> kOps[] = {
    {OciArgOp::kNotEqual, "SCMP_CMP_NE"},           {OciArgOp::kLessThan, "SCMP_CMP_LT"},
    {OciArgOp::kLessEqual, "SCMP_CMP_LE"},          {OciArgOp::kEqual, "SCMP_CMP_EQ"},
    {OciArgOp::kGreaterEqual, "SCMP_CMP_GE"},       {OciArgOp::kGreaterThan, "SCMP_CMP_GT"},
    {OciArgOp::kMaskedEqual, "SCMP_CMP_MASKED_EQ"},
};

template <typename Enum, size_t N>
absl::string_view NameOf(const std::pair<Enum, absl::string_view> (&table)[N], Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}

template <typename Enum, size_t N>
std::string AllNames(const std::pair<Enum, absl::string_view> (&table)[N]) {
  std::vector<absl::string_view> names;
  for (const auto& entry : table) names.push_back(entry.second);
  return absl::StrJoin(names, ", ");
}

// "syscalls[1].args[0]" -> "/syscalls/1/args/0" (the profile's keys have no '.' or '[').
Json::json_pointer PointerOf(absl::string_view path) {
  std::string pointer;
  if (path == "top level") return Json::json_pointer();
  for (char c : path) {
    if (c == '.' || c == '[') {
      pointer += '/';
    } else if (c != ']') {
      pointer += c;
    }
  }
  return Json::json_pointer("/" + pointer);
}

// Reads one profile, collecting the first error with its line:column and JSON path.
class Reader {
 public:
  explicit Reader(const JsonSource& source) : source_(source) {}

  absl::Status Error(absl::string_view path, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("seccomp profile ", source_.Where(PointerOf(path)), ": ", path, ": ", what));
  }
  absl::Status Expected(absl::string_view path, absl::string_view expected, const Json& got) const {
    return Error(path, absl::StrCat("expected ", expected, ", got ", JsonTypeName(got)));
  }

  // Fields of `object` not in `known`, reported as ignored (Docker ignores them too).
  void NoteUnknown(const Json& object, absl::string_view path,
                   std::initializer_list<absl::string_view> known,
                   std::vector<std::string>& ignored) const {
    for (const auto& [key, unused] : object.items()) {
      bool found = false;
      for (absl::string_view k : known) found = found || k == key;
      if (!found) ignored.push_back(path.empty() ? key : absl::StrCat(path, ".", key));
    }
  }

  // null reads as absent, as in Docker's (Go) decoder.
  static const Json* Field(const Json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return nullptr;
    return &*it;
  }

  absl::Status String(const Json& object, const char* key, absl::string_view path,
                      std::string& out) const {
    const Json* value = Field(object, key);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_string()) return Expected(Path(path, key), "a string", *value);
    out = value->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status Strings(const Json& object, const char* key, absl::string_view path,
                       std::vector<std::string>& out) const {
    const Json* value = Field(object, key);
    if (value == nullptr) return absl::OkStatus();
    if (!value->is_array()) return Expected(Path(path, key), "an array of strings", *value);
    for (size_t i = 0; i < value->size(); ++i) {
      const Json& item = (*value)[i];
      if (!item.is_string()) {
        return Expected(absl::StrCat(Path(path, key), "[", i, "]"), "a string", item);
      }
      out.push_back(item.get<std::string>());
    }
    return absl::OkStatus();
  }

  absl::Status Unsigned(const Json& value, absl::string_view path, uint64_t max,
                        uint64_t& out) const {
    if (value.is_number_unsigned()) {
      out = value.get<uint64_t>();
    } else if (value.is_number_integer() && value.get<int64_t>() >= 0) {
      out = static_cast<uint64_t>(value.get<int64_t>());
    } else {
      return Expected(path, absl::StrCat("an integer from 0 to ", max), value);
    }
    if (out > max) {
      return Error(path, absl::StrCat("expected an integer from 0 to ", max, ", got ", out));
    }
    return absl::OkStatus();
  }

  absl::Status Errno(const Json& object, const char* key, absl::string_view path,
                     std::optional<uint32_t>& out) const {
    const Json* value = Field(object, key);
    if (value == nullptr) return absl::OkStatus();
    uint64_t number = 0;
    // The action's data field is 16 bits wide.
    RETURN_IF_ERROR(Unsigned(*value, Path(path, key), 0xffff, number));
    out = static_cast<uint32_t>(number);
    return absl::OkStatus();
  }

  absl::Status Action(const Json& object, const char* key, absl::string_view path,
                      OciAction& out) const {
    std::string name;
    RETURN_IF_ERROR(String(object, key, path, name));
    for (const auto& [action, action_name] : kActions) {
      if (action_name == name) {
        out = action;
        return absl::OkStatus();
      }
    }
    return Error(
        Path(path, key),
        absl::StrCat(name.empty() ? "missing" : absl::StrCat("unknown action '", name, "'"),
                     "; expected one of ", AllNames(kActions)));
  }

  absl::Status KernelVersion(const Json& object, absl::string_view path,
                             std::optional<OciKernelVersion>& out) const {
    std::string text;
    RETURN_IF_ERROR(String(object, "minKernel", path, text));
    if (text.empty()) return absl::OkStatus();
    const std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
    OciKernelVersion version;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &version.kernel) ||
        !absl::SimpleAtoi(parts[1], &version.major) || version.kernel < 0 || version.kernel > 255 ||
        version.major < 0 || version.major > 255 || (version.kernel == 0 && version.major == 0)) {
      return Error(Path(path, "minKernel"),
                   absl::StrCat("invalid kernel version '", text,
                                "'; expected \"<kernel>.<major>\" such as \"4.8\""));
    }
    out = version;
    return absl::OkStatus();
  }

  absl::Status Conditions(const Json& entry, const char* key, absl::string_view path,
                          OciConditions& out, std::vector<std::string>& ignored) const {
    const Json* value = Field(entry, key);
    if (value == nullptr) return absl::OkStatus();
    const std::string here = Path(path, key);
    if (!value->is_object()) return Expected(here, "an object", *value);
    NoteUnknown(*value, here, {"caps", "arches", "minKernel"}, ignored);
    RETURN_IF_ERROR(Strings(*value, "caps", here, out.caps));
    RETURN_IF_ERROR(Strings(*value, "arches", here, out.arches));
    return KernelVersion(*value, here, out.min_kernel);
  }

  absl::Status Arg(const Json& value, const std::string& path, OciSeccompArg& out,
                   std::vector<std::string>& ignored) const {
    if (!value.is_object()) return Expected(path, "an object", value);
    NoteUnknown(value, path, {"index", "value", "valueTwo", "op"}, ignored);
    const Json* index = Field(value, "index");
    if (index == nullptr) return Error(Path(path, "index"), "missing; expected 0 to 5");
    uint64_t number = 0;
    RETURN_IF_ERROR(Unsigned(*index, Path(path, "index"), 5, number));
    out.index = static_cast<uint32_t>(number);
    if (const Json* v = Field(value, "value"); v != nullptr) {
      RETURN_IF_ERROR(Unsigned(*v, Path(path, "value"), UINT64_MAX, out.value));
    }
    if (const Json* v = Field(value, "valueTwo"); v != nullptr) {
      RETURN_IF_ERROR(Unsigned(*v, Path(path, "valueTwo"), UINT64_MAX, out.value_two));
    }
    std::string op;
    RETURN_IF_ERROR(String(value, "op", path, op));
    for (const auto& [e, name] : kOps) {
      if (name == op) {
        out.op = e;
        return absl::OkStatus();
      }
    }
    return Error(Path(path, "op"),
                 absl::StrCat(op.empty() ? "missing" : absl::StrCat("unknown operator '", op, "'"),
                              "; expected one of ", AllNames(kOps)));
  }

  absl::Status Entry(const Json& value, const std::string& path, OciSyscallEntry& out,
                     std::vector<std::string>& ignored) const {
    if (!value.is_object()) return Expected(path, "an object", value);
    NoteUnknown(value, path,
                {"names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"},
                ignored);
    std::string name;
    RETURN_IF_ERROR(String(value, "name", path, name));
    RETURN_IF_ERROR(Strings(value, "names", path, out.names));
    if (!name.empty()) {
      if (!out.names.empty()) {
        return Error(path, "both 'name' and 'names' are set; use one of them");
      }
      out.names.push_back(name);
    }
    if (out.names.empty()) return Error(path, "no syscall: expected 'names' (or 'name')");
    RETURN_IF_ERROR(Action(value, "action", path, out.action));
    RETURN_IF_ERROR(Errno(value, "errnoRet", path, out.errno_ret));
    RETURN_IF_ERROR(String(value, "comment", path, out.comment));
    if (const Json* args = Field(value, "args"); args != nullptr) {
      if (!args->is_array()) return Expected(Path(path, "args"), "an array", *args);
      for (size_t i = 0; i < args->size(); ++i) {
        OciSeccompArg arg;
        RETURN_IF_ERROR(Arg((*args)[i], absl::StrCat(path, ".args[", i, "]"), arg, ignored));
        out.args.push_back(arg);
      }
    }
    RETURN_IF_ERROR(Conditions(value, "includes", path, out.includes, ignored));
    return Conditions(value, "excludes", path, out.excludes, ignored);
  }

  absl::StatusOr<OciSeccompProfile> Profile(const Json& root) const {
    if (!root.is_object()) return Expected("top level", "an object", root);
    OciSeccompProfile profile;
    NoteUnknown(root, "",
                {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "flags",
                 "listenerPath", "listenerMetadata", "syscalls"},
                profile.ignored_fields);
    if (Field(root, "defaultAction") == nullptr) {
      return Error("defaultAction",
                   "missing; expected e.g. \"SCMP_ACT_ERRNO\" (a profile without one means "
                   "'no filter' to Docker, which is nothing to import)");
    }
    RETURN_IF_ERROR(Action(root, "defaultAction", "", profile.default_action));
    RETURN_IF_ERROR(Errno(root, "defaultErrnoRet", "", profile.default_errno_ret));
    RETURN_IF_ERROR(Strings(root, "architectures", "", profile.architectures));
    if (const Json* map = Field(root, "archMap"); map != nullptr) {
      if (!map->is_array()) return Expected("archMap", "an array", *map);
      for (size_t i = 0; i < map->size(); ++i) {
        const Json& item = (*map)[i];
        const std::string path = absl::StrCat("archMap[", i, "]");
        if (!item.is_object()) return Expected(path, "an object", item);
        NoteUnknown(item, path, {"architecture", "subArchitectures"}, profile.ignored_fields);
        OciArchMapEntry entry;
        RETURN_IF_ERROR(String(item, "architecture", path, entry.architecture));
        if (entry.architecture.empty()) {
          return Error(Path(path, "architecture"), "missing; expected e.g. \"SCMP_ARCH_X86_64\"");
        }
        RETURN_IF_ERROR(Strings(item, "subArchitectures", path, entry.sub_architectures));
        profile.arch_map.push_back(std::move(entry));
      }
    }
    if (!profile.architectures.empty() && !profile.arch_map.empty()) {
      return Error("architectures", "both 'architectures' and 'archMap' are set; use one of them");
    }
    RETURN_IF_ERROR(Strings(root, "flags", "", profile.flags));
    RETURN_IF_ERROR(String(root, "listenerPath", "", profile.listener_path));
    RETURN_IF_ERROR(String(root, "listenerMetadata", "", profile.listener_metadata));
    if (const Json* syscalls = Field(root, "syscalls"); syscalls != nullptr) {
      if (!syscalls->is_array()) return Expected("syscalls", "an array", *syscalls);
      for (size_t i = 0; i < syscalls->size(); ++i) {
        OciSyscallEntry entry;
        RETURN_IF_ERROR(Entry((*syscalls)[i], absl::StrCat("syscalls[", i, "]"), entry,
                              profile.ignored_fields));
        profile.syscalls.push_back(std::move(entry));
      }
    }
    return profile;
  }

 private:
  static std::string Path(absl::string_view path, absl::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

  const JsonSource& source_;
};

}  // namespace

absl::string_view OciActionName(OciAction action) { return NameOf(kActions, action); }
absl::string_view OciArgOpName(OciArgOp op) { return NameOf(kOps, op); }

absl::StatusOr<OciSeccompProfile> ParseOciSeccompProfile(absl::string_view json,
                                                         absl::string_view source_name) {
  // Docker's (Go) decoder takes the last of repeated keys; so does this reader.
  absl::StatusOr<JsonSource> source =
      JsonSource::Parse(json, source_name, {.reject_duplicate_keys = false});
  if (!source.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("seccomp profile ", ErrorText(source.status())));
  }
  return Reader(*source).Profile(source->root());
}

absl::StatusOr<OciSeccompProfile> LoadOciSeccompProfile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text,
                   ReadTextFile(path, "seccomp profile",
                                "pass the path of an OCI/Docker seccomp profile (JSON)"));
  return ParseOciSeccompProfile(text, path);
}

}  // namespace cvlsm
