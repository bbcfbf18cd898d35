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
#include "policy/net_defaults.h"

namespace cvlsm {
namespace {

using Json = nlohmann::json;

constexpr absl::string_view kVersionKey = "cv-lsm-policy";
constexpr std::initializer_list<absl::string_view> kTopKeys = {
    kVersionKey, "name", "base", "mode", "comment", "syscalls", "paths", "network"};
constexpr std::initializer_list<absl::string_view> kNetworkKeys = {"defaults", "connect", "bind",
                                                                   "abstract_unix"};
constexpr std::initializer_list<absl::string_view> kNetRuleKeys = {"allow", "deny"};
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

Json NetDefaultsJson(const Policy& policy) {
  NetDefaults defaults = EffectiveNetDefaults(policy);
  Json json = Json::object();
  json["families"] = defaults.families;
  json["connect"] = defaults.connect;
  json["bind"] = defaults.bind;
  json["abstract_unix"] = defaults.abstract_unix;
  json["pathname_unix"] = defaults.pathname_unix;
  return json;
}

// Why a default is what it is, for the error that says it is not what a file claims.
std::string NetDefaultsWhy(const Policy& policy, absl::string_view key) {
  std::string syscalls = policy.syscalls().contains("socket") ? "socket() is allowed"
                         : policy.syscalls().contains("socketpair")
                             ? "only socketpair() is allowed"
                             : "no socket syscall is allowed";
  if (key == "connect" || key == "bind") {
    NetDirection direction = key == "connect" ? NetDirection::kConnect : NetDirection::kBind;
    return absl::StrCat(syscalls, "; the policy has ", policy.HasNetRules(direction) ? "" : "no ",
                        key, " rules");
  }
  return syscalls;
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
    ASSIGN_OR_RETURN(int version, CheckVersion(root, top));
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
      document.syscalls_origin = source_.Where(top.Key("syscalls").pointer);
    }
    if (const Json* value = Find(root, "paths"); value != nullptr) {
      RETURN_IF_ERROR(Paths(*value, top.Key("paths"), document));
    }
    if (const Json* value = Find(root, "network"); value != nullptr) {
      if (version < 2) {
        return Error(top.Key("network"),
                     "the network section needs format version 2 (\"cv-lsm-policy\": 2)");
      }
      RETURN_IF_ERROR(Network(*value, top.Key("network"), document.policy));
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
  absl::StatusOr<int> CheckVersion(const Json& root, const Place& top) const {
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
    if (*version < kOldestPolicyFileVersion || *version > kPolicyFileVersion) {
      return Error(at, absl::StrCat("format version ", version->dump(),
                                    " is not supported: this cv-lsm reads versions ",
                                    kOldestPolicyFileVersion, " to ", kPolicyFileVersion,
                                    " (was the file written by a newer one?)"));
    }
    return version->get<int>();
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

  absl::Status Paths(const Json& list, const Place& at, PolicyDocument& document) const {
    Policy& policy = document.policy;
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
      document.path_origins.emplace(text, source_.Where(here.pointer));
    }
    return absl::OkStatus();
  }

  // "network": {"connect": [{"allow": "tcp:10.0.0.0/8:443"}, ...], "bind": [...],
  // "abstract_unix": ["@name", ...], "defaults": {...}}. The defaults are what the rest
  // implies (policy show writes them for people): checked, never a setting of their own.
  absl::Status Network(const Json& section, const Place& at, Policy& policy) const {
    if (!section.is_object()) {
      return Expected(at, "an object with \"connect\", \"bind\" and \"abstract_unix\"", section);
    }
    RETURN_IF_ERROR(CheckKeys(section, at, kNetworkKeys));
    for (NetDirection direction : {NetDirection::kConnect, NetDirection::kBind}) {
      const std::string key(NetDirectionName(direction));
      if (const Json* rules = Find(section, key); rules != nullptr) {
        RETURN_IF_ERROR(NetRules(*rules, at.Key(key), direction, policy));
      }
    }
    if (const Json* names = Find(section, "abstract_unix"); names != nullptr) {
      const Place place = at.Key("abstract_unix");
      if (!names->is_array()) return Expected(place, "an array of names such as \"@dbus\"", *names);
      for (size_t i = 0; i < names->size(); ++i) {
        ASSIGN_OR_RETURN(std::string text, NonEmptyString((*names)[i], place.Index(i)));
        absl::StatusOr<std::string> name = ParseAbstractUnixName(text);
        if (!name.ok()) return Error(place.Index(i), name.status().message());
        RETURN_IF_ERROR(policy.AllowAbstractUnixName(*name));
      }
    }
    if (const Json* defaults = Find(section, "defaults"); defaults != nullptr) {
      RETURN_IF_ERROR(CheckNetDefaults(*defaults, at.Key("defaults"), policy));
    }
    return absl::OkStatus();
  }

  absl::Status NetRules(const Json& list, const Place& at, NetDirection direction,
                        Policy& policy) const {
    const std::string example = absl::StrCat("{\"allow\": \"tcp:10.0.0.0/8:443\"}");
    if (!list.is_array()) {
      return Expected(
          at, absl::StrCat("an array of ", NetDirectionName(direction), " rules such as ", example),
          list);
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const Place here = at.Index(i);
      const Json& rule = list[i];
      if (!rule.is_object()) return Expected(here, absl::StrCat("a rule such as ", example), rule);
      RETURN_IF_ERROR(CheckKeys(rule, here, kNetRuleKeys));
      const Json* allow = Find(rule, "allow");
      const Json* deny = Find(rule, "deny");
      if ((allow == nullptr) == (deny == nullptr)) {
        return Error(here, "expected exactly one of \"allow\" and \"deny\", with the rule");
      }
      const Place place = here.Key(allow != nullptr ? "allow" : "deny");
      ASSIGN_OR_RETURN(std::string text, NonEmptyString(allow != nullptr ? *allow : *deny, place));
      absl::StatusOr<NetRule> parsed = NetRule::Parse(direction, deny != nullptr, text);
      if (!parsed.ok()) return Error(place, parsed.status().message());
      policy.AddNetRule(*parsed);
    }
    return absl::OkStatus();
  }

  absl::Status CheckNetDefaults(const Json& defaults, const Place& at, const Policy& policy) const {
    Json expected = NetDefaultsJson(policy);
    if (!defaults.is_object()) return Expected(at, "an object", defaults);
    for (const auto& [key, value] : defaults.items()) {
      const Place place = at.Key(key);
      if (!expected.contains(key)) {
        return source_.ErrorAtKey(
            place.pointer, absl::StrCat("unknown key ", Quoted(place.label), ": the defaults are ",
                                        expected.dump()));
      }
      if (value != expected[key]) {
        return Error(
            place, absl::StrCat("is ", expected[key].dump(), " for this policy, not ", value.dump(),
                                ": the defaults follow from the base, the "
                                "syscalls and the rules (",
                                NetDefaultsWhy(policy, key),
                                "); remove \"defaults\" or write what they are"));
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

// `items` as a JSON array of pre-rendered values, one per line, at `indent` spaces.
std::string ArrayText(const std::vector<std::string>& items, int indent = 2) {
  if (items.empty()) return "[]";
  const std::string inner(indent + 2, ' '), outer(indent, ' ');
  return absl::StrCat("[\n", inner, absl::StrJoin(items, absl::StrCat(",\n", inner)), "\n", outer,
                      "]");
}

// The defaults on one line, in the order docs/network.md explains them.
std::string NetDefaultsText(const Policy& policy) {
  NetDefaults defaults = EffectiveNetDefaults(policy);
  std::vector<std::string> families;
  for (const std::string& family : defaults.families) families.push_back(Quoted(family));
  return absl::StrCat("{\"families\": [", absl::StrJoin(families, ", "),
                      "], \"connect\": ", Quoted(defaults.connect),
                      ", \"bind\": ", Quoted(defaults.bind),
                      ", \"abstract_unix\": ", Quoted(defaults.abstract_unix),
                      ", \"pathname_unix\": ", Quoted(defaults.pathname_unix), "}");
}

// The network section: the defaults the policy implies, then its rules.
std::string NetworkText(const Policy& policy) {
  std::vector<std::string> rules[2];
  for (const NetRule& rule : policy.net_rules()) {
    rules[rule.direction == NetDirection::kConnect ? 0 : 1].push_back(absl::StrCat(
        "{", Quoted(rule.deny ? "deny" : "allow"), ": ", Quoted(rule.ToString()), "}"));
  }
  std::vector<std::string> names;
  for (const std::string& name : policy.abstract_unix_names()) {
    // A name is bytes; what JSON cannot hold is replaced, as in events.
    names.push_back(
        Json(AbstractUnixNameText(name)).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  return absl::StrCat("{\n    \"defaults\": ", NetDefaultsText(policy), ",\n",
                      "    \"connect\": ", ArrayText(rules[0], 4), ",\n",
                      "    \"bind\": ", ArrayText(rules[1], 4), ",\n",
                      "    \"abstract_unix\": ", ArrayText(names, 4), "\n  }");
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
                  "  \"paths\": ", ArrayText(paths), ",\n", "  \"network\": ", NetworkText(policy),
                  "\n}\n");
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
