#include "policy/policy_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "json/json_source.h"

namespace cvlsm {
namespace {

using Json = nlohmann::json;

constexpr absl::string_view kVersionKey = "cv-lsm-policy";
constexpr std::initializer_list<absl::string_view> kTopKeys = {
    kVersionKey, "name", "base", "mode", "comment", "syscalls", "paths"};
constexpr std::initializer_list<absl::string_view> kPathKeys = {"path", "allow", "deny",
                                                                "optional"};

// A place in the document: its JSON pointer (for the position) and how messages name it.
struct Place {
  Json::json_pointer pointer;
  std::string label;

  Place Key(absl::string_view key) const {
    return {pointer / std::string(key),
            label.empty() ? std::string(key) : absl::StrCat(label, ".", key)};
  }
  Place Index(size_t i) const { return {pointer / i, absl::StrCat(label, "[", i, "]")}; }
};

std::string Quoted(absl::string_view text) { return absl::StrCat("\"", text, "\""); }

std::string QuotedList(std::initializer_list<absl::string_view> names) {
  std::vector<std::string> quoted;
  for (absl::string_view name : names) quoted.push_back(Quoted(name));
  return absl::StrJoin(quoted, ", ");
}

// Reads one document; every error names the file, line and column and what was expected.
class Reader {
 public:
  explicit Reader(const JsonSource& source) : source_(source) {}

  absl::StatusOr<PolicyDocument> Document() const {
    const Json& root = source_.root();
    const Place top;
    if (!root.is_object()) {
      return Error(
          top, absl::StrCat("expected a cv-lsm policy (a JSON object), got ", JsonTypeName(root)));
    }
    RETURN_IF_ERROR(CheckVersion(root, top));
    RETURN_IF_ERROR(CheckKeys(root, top, kTopKeys));

    PolicyDocument document;
    if (const Json* name = Find(root, "name"); name != nullptr) {
      ASSIGN_OR_RETURN(std::string text, NonEmptyString(*name, top.Key("name")));
      document.name = text;
    }
    PolicyType base = PolicyType::kCustom;
    if (const Json* value = Find(root, "base"); value != nullptr) {
      ASSIGN_OR_RETURN(std::string text, NonEmptyString(*value, top.Key("base")));
      absl::StatusOr<PolicyType> type = ParsePolicyType(text);
      if (!type.ok()) {
        return Error(top.Key("base"),
                     absl::StrCat("unknown base policy ", Quoted(text), ": expected one of ",
                                  QuotedList({"minimal", "build", "network", "custom"})));
      }
      base = *type;
    }
    document.policy = Policy::Preset(base);
    if (const Json* value = Find(root, "mode"); value != nullptr) {
      ASSIGN_OR_RETURN(std::string text, NonEmptyString(*value, top.Key("mode")));
      absl::StatusOr<PolicyMode> mode = ParsePolicyMode(text);
      if (!mode.ok()) return Error(top.Key("mode"), mode.status().message());
      document.mode = *mode;
    }
    if (const Json* value = Find(root, "comment"); value != nullptr) {
      ASSIGN_OR_RETURN(std::vector<std::string> lines, Comment(*value, top.Key("comment")));
      document.comment = std::move(lines);
    }
    if (const Json* value = Find(root, "syscalls"); value != nullptr) {
      RETURN_IF_ERROR(Syscalls(*value, top.Key("syscalls"), document.policy));
    }
    if (const Json* value = Find(root, "paths"); value != nullptr) {
      RETURN_IF_ERROR(Paths(*value, top.Key("paths"), document.policy));
    }
    return document;
  }

 private:
  absl::Status Error(const Place& at, absl::string_view message) const {
    return source_.ErrorAt(at.pointer,
                           at.label.empty() ? message : absl::StrCat(at.label, ": ", message));
  }
  absl::Status Expected(const Place& at, absl::string_view expected, const Json& got) const {
    return Error(at, absl::StrCat("expected ", expected, ", got ", JsonTypeName(got)));
  }

  static const Json* Find(const Json& object, absl::string_view key) {
    auto it = object.find(std::string(key));
    return it == object.end() ? nullptr : &*it;
  }

  // The version comes first: a newer format may have keys this reader does not know.
  absl::Status CheckVersion(const Json& root, const Place& top) const {
    const Json* version = Find(root, kVersionKey);
    if (version == nullptr) {
      const std::string hint =
          Find(root, "defaultAction") != nullptr
              ? "; this looks like an OCI/Docker seccomp profile: convert it with "
                "'cv-lsm policy import-oci FILE'"
              : "";
      return Error(top, absl::StrCat("not a cv-lsm policy file: expected the format version ",
                                     Quoted(kVersionKey), ": ", kPolicyFileVersion,
                                     " as a key of the top-level object", hint));
    }
    const Place at = top.Key(kVersionKey);
    if (!version->is_number_integer()) {
      return Expected(at, absl::StrCat("the format version, the integer ", kPolicyFileVersion),
                      *version);
    }
    if (*version != kPolicyFileVersion) {
      return Error(at, absl::StrCat("format version ", version->dump(),
                                    " is not supported: this cv-lsm reads version ",
                                    kPolicyFileVersion, " (was the file written by a newer one?)"));
    }
    return absl::OkStatus();
  }

  // A misspelt key must not be ignored: it would drop a rule without a word.
  absl::Status CheckKeys(const Json& object, const Place& at,
                         std::initializer_list<absl::string_view> known) const {
    for (const auto& [key, unused] : object.items()) {
      bool found = false;
      for (absl::string_view k : known) found = found || k == key;
      if (!found) {
        const Place place = at.Key(key);
        return source_.ErrorAtKey(
            place.pointer, absl::StrCat("unknown key ", Quoted(place.label), ": expected one of ",
                                        QuotedList(known)));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> NonEmptyString(const Json& value, const Place& at) const {
    if (!value.is_string()) return Expected(at, "a string", value);
    std::string text = value.get<std::string>();
    if (text.empty()) return Error(at, "expected a non-empty string");
    return text;
  }

  // Any strings, empty ones included: a comment's lines are the author's.
  absl::StatusOr<std::vector<std::string>> Comment(const Json& list, const Place& at) const {
    if (!list.is_array()) return Expected(at, "an array of strings (one per line)", list);
    std::vector<std::string> lines;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) return Expected(at.Index(i), "a string", list[i]);
      lines.push_back(list[i].get<std::string>());
    }
    return lines;
  }

  absl::Status Syscalls(const Json& list, const Place& at, Policy& policy) const {
    if (!list.is_array()) return Expected(at, "an array of syscall names", list);
    for (size_t i = 0; i < list.size(); ++i) {
      ASSIGN_OR_RETURN(std::string name, NonEmptyString(list[i], at.Index(i)));
      if (absl::Status s = policy.AddSyscall(name); !s.ok()) {
        return Error(at.Index(i), s.message());
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<AccessModes> Modes(const Json& rule, absl::string_view key,
                                    const Place& at) const {
    const Json* value = Find(rule, key);
    if (value == nullptr) return 0;
    const Place place = at.Key(key);
    if (!value->is_string()) return Expected(place, "access modes such as \"rx\"", *value);
    absl::StatusOr<AccessModes> modes = ParseAccessModes(value->get<std::string>());
    if (!modes.ok()) return Error(place, modes.status().message());
    return modes;
  }

  absl::Status Paths(const Json& list, const Place& at, Policy& policy) const {
    if (!list.is_array()) return Expected(at, "an array of path rules", list);
    for (size_t i = 0; i < list.size(); ++i) {
      const Json& rule = list[i];
      const Place here = at.Index(i);
      if (!rule.is_object()) {
        return Expected(here, "a path rule such as {\"path\": \"/data\", \"allow\": \"r\"}", rule);
      }
      RETURN_IF_ERROR(CheckKeys(rule, here, kPathKeys));
      const Json* path = Find(rule, "path");
      if (path == nullptr) return Error(here, "missing \"path\": expected an absolute path");
      ASSIGN_OR_RETURN(std::string text, NonEmptyString(*path, here.Key("path")));
      PathModes modes;
      ASSIGN_OR_RETURN(AccessModes allow, Modes(rule, "allow", here));
      ASSIGN_OR_RETURN(AccessModes deny, Modes(rule, "deny", here));
      modes.allow = allow;
      modes.deny = deny;
      if (modes.allow == 0 && modes.deny == 0) {
        return Error(here, "expected \"allow\" or \"deny\" (or both) with the rule's modes");
      }
      if (const Json* optional = Find(rule, "optional"); optional != nullptr) {
        if (!optional->is_boolean()) {
          return Expected(here.Key("optional"), "true or false", *optional);
        }
        modes.required = !optional->get<bool>();
      }
      if (absl::Status s = policy.AddPathRule(text, modes); !s.ok()) {
        return Error(here.Key("path"), s.message());
      }
    }
    return absl::OkStatus();
  }

  const JsonSource& source_;
};

// "rx": the letters ParseAccessModes reads, in rwx order.
std::string ModeLetters(AccessModes modes) {
  std::string text;
  if (modes & kRead) text += 'r';
  if (modes & kWrite) text += 'w';
  if (modes & kExec) text += 'x';
  return text;
}

// A JSON string literal; paths are bytes, JSON text is UTF-8.
absl::StatusOr<std::string> JsonString(absl::string_view text, absl::string_view what,
                                       absl::string_view fix = "write it as UTF-8 text") {
  try {
    return Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is not valid UTF-8, which a policy file (JSON text) cannot hold; ", fix));
  }
}

absl::StatusOr<std::string> PathRuleText(const std::string& path, const PathModes& modes) {
  ASSIGN_OR_RETURN(std::string quoted, JsonString(path, absl::StrCat("path '", path, "'"),
                                                  "name it by a UTF-8 path (e.g. a parent "
                                                  "directory)"));
  std::string text = absl::StrCat("{\"path\": ", quoted);
  if (modes.allow != 0) absl::StrAppend(&text, ", \"allow\": ", Quoted(ModeLetters(modes.allow)));
  if (modes.deny != 0) absl::StrAppend(&text, ", \"deny\": ", Quoted(ModeLetters(modes.deny)));
  if (!modes.required) absl::StrAppend(&text, ", \"optional\": true");
  return absl::StrCat(text, "}");
}

// `items` as a JSON array of pre-rendered values, one per line.
std::string ArrayText(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  return absl::StrCat("[\n    ", absl::StrJoin(items, ",\n    "), "\n  ]");
}

}  // namespace

absl::StatusOr<PolicyDocument> ParsePolicyText(absl::string_view text,
                                               absl::string_view source_name) {
  ASSIGN_OR_RETURN(JsonSource source, JsonSource::Parse(text, source_name));
  return Reader(source).Document();
}

absl::StatusOr<PolicyDocument> LoadPolicyFile(const std::string& path) {
  absl::StatusOr<std::string> text =
      ReadTextFile(path, "policy file", "pass the path of a cv-lsm policy file (JSON)");
  if (!text.ok()) return text.status();
  return ParsePolicyText(*text, path);
}

absl::StatusOr<std::string> SerializePolicy(const PolicyDocument& document, PolicyFileForm form) {
  const Policy& policy = document.policy;
  const Policy base = Policy::Preset(policy.type());
  const bool all = form == PolicyFileForm::kExpanded;

  std::vector<std::string> syscalls;
  for (const std::string& name : policy.syscalls()) {
    if (!all && base.syscalls().contains(name)) continue;
    ASSIGN_OR_RETURN(std::string quoted, JsonString(name, "a syscall name"));
    syscalls.push_back(std::move(quoted));
  }
  // A rule the preset has unchanged is the preset's; a changed one is written whole (allow
  // and deny only grow, so parsing it onto the preset gives it back).
  std::vector<std::string> paths;
  for (const auto& [path, modes] : policy.paths()) {
    auto in_base = base.paths().find(path);
    if (!all && in_base != base.paths().end() && in_base->second == modes) continue;
    ASSIGN_OR_RETURN(std::string rule, PathRuleText(path, modes));
    paths.push_back(std::move(rule));
  }

  std::string text = absl::StrCat("{\n  \"", kVersionKey, "\": ", kPolicyFileVersion, ",\n");
  if (!document.name.empty()) {
    ASSIGN_OR_RETURN(std::string name, JsonString(document.name, "the policy name"));
    absl::StrAppend(&text, "  \"name\": ", name, ",\n");
  }
  absl::StrAppend(&text, "  \"base\": ", Quoted(PolicyTypeName(policy.type())), ",\n",
                  "  \"mode\": ", Quoted(PolicyModeName(document.mode)), ",\n");
  // Only when there is one: files without a comment read as they always did.
  if (!document.comment.empty()) {
    std::vector<std::string> lines;
    for (const std::string& line : document.comment) {
      ASSIGN_OR_RETURN(std::string quoted, JsonString(line, "a comment line"));
      lines.push_back(std::move(quoted));
    }
    absl::StrAppend(&text, "  \"comment\": ", ArrayText(lines), ",\n");
  }
  absl::StrAppend(&text, "  \"syscalls\": ", ArrayText(syscalls), ",\n",
                  "  \"paths\": ", ArrayText(paths), "\n}\n");
  return text;
}

absl::Status SavePolicyFile(const PolicyDocument& document, const std::string& path,
                            PolicyFileForm form) {
  ASSIGN_OR_RETURN(std::string text, SerializePolicy(document, form));
  // Written next to the target and renamed over it: readers see the old file or the new one.
  const std::string temporary = absl::StrCat(path, ".tmp.", ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      return ErrnoError(errno, absl::StrCat("creating policy file ", temporary),
                        "check that the directory exists and is writable");
    }
    out << text;
    out.close();
    if (!out) {
      const int err = errno;
      std::remove(temporary.c_str());
      return ErrnoError(err, absl::StrCat("writing policy file ", temporary));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temporary.c_str());
    return ErrnoError(err, absl::StrCat("replacing policy file ", path));
  }
  return absl::OkStatus();
}

}  // namespace cvlsm
