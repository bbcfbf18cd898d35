// Policy files: parsing, every error kind at its line:column, and lossless round trips.
#include "policy/policy_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/cli_runner.h"

namespace cvlsm {
namespace {

PolicyDocument ParseOrDie(const std::string& text) {
  absl::StatusOr<PolicyDocument> document = ParsePolicyText(text, "p.json");
  EXPECT_TRUE(document.ok()) << document.status();
  return document.ok() ? *std::move(document) : PolicyDocument{};
}

std::string ParseError(const std::string& text) {
  absl::StatusOr<PolicyDocument> document = ParsePolicyText(text, "p.json");
  EXPECT_FALSE(document.ok()) << text;
  return std::string(document.status().message());
}

std::string SerializeOrDie(const PolicyDocument& document, PolicyFileForm form) {
  absl::StatusOr<std::string> text = SerializePolicy(document, form);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

constexpr char kExample[] = R"({
  "cv-lsm-policy": 2,
  "name": "api-server",
  "base": "network",
  "mode": "enforce",
  "syscalls": ["prctl", "sched_setaffinity"],
  "paths": [
    {"path": "/srv/app", "allow": "rx"},
    {"path": "/srv/app/data", "allow": "rw"},
    {"path": "/srv/app/data/keys", "deny": "rw"},
    {"path": "/etc", "allow": "r", "deny": "w"},
    {"path": "/opt/plugins", "allow": "rx", "optional": true}
  ]
}
)";

TEST(PolicyFileTest, ParsesEveryField) {
  const PolicyDocument document = ParseOrDie(kExample);
  EXPECT_EQ(document.name, "api-server");
  EXPECT_EQ(document.mode, PolicyMode::kEnforce);
  const Policy& policy = document.policy;
  EXPECT_EQ(policy.type(), PolicyType::kNetwork);
  EXPECT_TRUE(policy.syscalls().contains("prctl"));
  EXPECT_TRUE(policy.syscalls().contains("sched_setaffinity"));
  EXPECT_TRUE(policy.syscalls().contains("socket")) << "the base's syscalls are kept";
  EXPECT_EQ(policy.paths().at("/srv/app"), (PathModes{kRead | kExec, 0, true}));
  EXPECT_EQ(policy.paths().at("/srv/app/data/keys"), (PathModes{0, kRead | kWrite, true}));
  EXPECT_EQ(policy.paths().at("/etc"), (PathModes{kRead, kWrite, true}));
  EXPECT_EQ(policy.paths().at("/opt/plugins"), (PathModes{kRead | kExec, 0, false}));
  EXPECT_EQ(policy.paths().at("/etc/hosts"), (PathModes{kRead, 0, false})) << "from the base";
}

TEST(PolicyFileTest, DefaultsAreTheNarrowest) {
  const PolicyDocument document = ParseOrDie(R"({"cv-lsm-policy": 1})");
  EXPECT_EQ(document.name, "");
  EXPECT_EQ(document.mode, PolicyMode::kEnforce);
  EXPECT_EQ(document.policy.type(), PolicyType::kCustom);
  EXPECT_TRUE(document.policy.syscalls().empty());
  EXPECT_TRUE(document.policy.paths().empty());
}

TEST(PolicyFileTest, AuditModeIsKept) {
  EXPECT_EQ(ParseOrDie(R"({"cv-lsm-policy": 1, "mode": "audit"})").mode, PolicyMode::kAudit);
}

TEST(PolicyFileTest, CommentLinesAreKeptAsWritten) {
  const PolicyDocument document = ParseOrDie(
      R"({"cv-lsm-policy": 1, "comment": ["why: \"x\"", "", "  indented"], "base": "build"})");
  EXPECT_EQ(document.comment, (std::vector<std::string>{"why: \"x\"", "", "  indented"}));
  EXPECT_EQ(document.policy, Policy::Preset(PolicyType::kBuild)) << "a comment grants nothing";
  EXPECT_TRUE(ParseOrDie(R"({"cv-lsm-policy": 1, "comment": []})").comment.empty());
}

TEST(PolicyFileTest, RulesForOnePathAddUp) {
  const PolicyDocument document = ParseOrDie(R"({"cv-lsm-policy": 1, "base": "build", "paths": [
    {"path": "/tmp", "allow": "x"}, {"path": "/tmp", "deny": "w"}]})");
  // The build preset's /tmp is rw and optional; a rule of the file makes it required.
  EXPECT_EQ(document.policy.paths().at("/tmp"), (PathModes{kRead | kWrite | kExec, kWrite, true}));
}

struct ErrorCase {
  const char* name;
  std::string text;
  std::string message;
};

class PolicyFileErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PolicyFileErrorTest, NamesFileLineColumnAndWhatWasExpected) {
  EXPECT_EQ(ParseError(GetParam().text), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyFileErrorTest,
    ::testing::Values(
        ErrorCase{"Syntax", "{\"cv-lsm-policy\": 1,\n \"name\": \"x\",\n}",
                  "p.json:3:1: not valid JSON: syntax error while parsing object key - "
                  "unexpected '}'; expected string literal"},
        ErrorCase{"NotAnObject", "\n  [1]",
                  "p.json:2:3: expected a cv-lsm policy (a JSON "
                  "object), got an array"},
        ErrorCase{"NoVersion", "{\"name\": \"x\"}",
                  "p.json:1:1: not a cv-lsm policy file: expected the format version "
                  "\"cv-lsm-policy\": 2 as a key of the top-level object"},
        ErrorCase{"OciProfile", "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}",
                  "p.json:1:1: not a cv-lsm policy file: expected the format version "
                  "\"cv-lsm-policy\": 2 as a key of the top-level object; this looks like an "
                  "OCI/Docker seccomp profile: convert it with 'cv-lsm policy import-oci FILE'"},
        ErrorCase{"NewerVersion", "{\n  \"cv-lsm-policy\": 3, \"bogus\": 1}",
                  "p.json:2:20: cv-lsm-policy: format version 3 is not supported: this cv-lsm "
                  "reads versions 1 to 2 (was the file written by a newer one?)"},
        ErrorCase{"VersionNotInteger", "{\"cv-lsm-policy\": \"1\"}",
                  "p.json:1:19: cv-lsm-policy: expected the format version, the integer 2, got "
                  "a string"},
        ErrorCase{"FractionalVersion", "{\"cv-lsm-policy\": 1.0}",
                  "p.json:1:19: cv-lsm-policy: expected the format version, the integer 2, got "
                  "a fractional number"},
        ErrorCase{"UnknownKey", "{\"cv-lsm-policy\": 1,\n \"sycalls\": []}",
                  "p.json:2:2: unknown key \"sycalls\": expected one of \"cv-lsm-policy\", "
                  "\"name\", \"base\", \"mode\", \"comment\", \"syscalls\", \"paths\", "
                  "\"network\""},
        ErrorCase{"NetworkInVersion1", "{\"cv-lsm-policy\": 1, \"network\": {}}",
                  "p.json:1:33: network: the network section needs format version 2 "
                  "(\"cv-lsm-policy\": 2)"},
        ErrorCase{"NetworkRuleBadAddress",
                  "{\"cv-lsm-policy\": 2, \"network\": {\"connect\": [\n  {\"allow\": "
                  "\"tcp:10.0.0.300:443\"}]}}",
                  "p.json:2:13: network.connect[0].allow: bad network rule 'tcp:10.0.0.300:443': "
                  "'10.0.0.300' is not an IPv4 or IPv6 address (or * for any) (expected "
                  "PROTO:ADDR[/PREFIX]:PORTS, e.g. tcp:10.0.0.0/8:443, udp:[fd00::]/8:53, "
                  "tcp:*:8000-8100, icmp:10.0.0.1)"},
        ErrorCase{"NetworkRuleBothActions",
                  "{\"cv-lsm-policy\": 2, \"network\": {\"bind\": [{\"allow\": \"tcp:*:80\", "
                  "\"deny\": \"tcp:*:81\"}]}}",
                  "p.json:1:43: network.bind[0]: expected exactly one of \"allow\" and "
                  "\"deny\", with the rule"},
        ErrorCase{"NetworkUnknownKey", "{\"cv-lsm-policy\": 2, \"network\": {\"egress\": []}}",
                  "p.json:1:34: unknown key \"network.egress\": expected one of \"defaults\", "
                  "\"connect\", \"bind\", \"abstract_unix\""},
        ErrorCase{"NetworkBadAbstractName",
                  "{\"cv-lsm-policy\": 2, \"network\": {\"abstract_unix\": [\"dbus\"]}}",
                  "p.json:1:52: network.abstract_unix[0]: bad abstract unix socket name 'dbus': "
                  "expected @NAME (the socket's name after its leading NUL, as ss -x shows it)"},
        ErrorCase{"NetworkDefaultsDisagree",
                  "{\"cv-lsm-policy\": 2, \"base\": \"network\", \"network\": {\"defaults\": "
                  "{\"connect\": \"any\"}, \"connect\": [{\"allow\": \"tcp:*:443\"}]}}",
                  "p.json:1:77: network.defaults.connect: is \"rules only\" for this policy, not "
                  "\"any\": the defaults follow from the base, the syscalls and the rules "
                  "(socket() is allowed; the policy has connect rules); remove \"defaults\" or "
                  "write what they are"},
        ErrorCase{"DuplicateKey",
                  "{\"cv-lsm-policy\": 1, \"base\": \"build\",\n \"base\": \"custom\"}",
                  "p.json:2:2: key \"base\" appears twice in this object; keep one (a JSON "
                  "reader would silently use the last)"},
        ErrorCase{"UnknownBase", "{\"cv-lsm-policy\": 1, \"base\": \"biuld\"}",
                  "p.json:1:30: base: unknown base policy \"biuld\": expected one of "
                  "\"minimal\", \"build\", \"network\", \"custom\""},
        ErrorCase{"UnknownMode", "{\"cv-lsm-policy\": 1, \"mode\": \"permissive\"}",
                  "p.json:1:30: mode: unknown mode \"permissive\": expected \"enforce\" or "
                  "\"audit\""},
        ErrorCase{"NameNotString", "{\"cv-lsm-policy\": 1, \"name\": 7}",
                  "p.json:1:30: name: expected a string, got an integer"},
        ErrorCase{"EmptyName", "{\"cv-lsm-policy\": 1, \"name\": \"\"}",
                  "p.json:1:30: name: expected a non-empty string"},
        ErrorCase{"CommentNotList", "{\"cv-lsm-policy\": 1, \"comment\": \"learned\"}",
                  "p.json:1:33: comment: expected an array of strings (one per line), got a "
                  "string"},
        ErrorCase{"CommentLineNotString",
                  "{\"cv-lsm-policy\": 1,\n \"comment\": [\"one\",\n   [\"two\"]]}",
                  "p.json:3:4: comment[1]: expected a string, got an array"},
        ErrorCase{"SyscallsNotList", "{\"cv-lsm-policy\": 1, \"syscalls\": \"read\"}",
                  "p.json:1:34: syscalls: expected an array of syscall names, got a string"},
        ErrorCase{"UnknownSyscall",
                  "{\"cv-lsm-policy\": 1,\n \"syscalls\": [\"read\",\n   \"opne\"]}",
                  "p.json:3:4: syscalls[1]: unknown syscall 'opne' (not known to libseccomp on "
                  "any architecture)"},
        ErrorCase{"SyscallNotString", "{\"cv-lsm-policy\": 1, \"syscalls\": [null]}",
                  "p.json:1:35: syscalls[0]: expected a string, got null"},
        ErrorCase{"PathsNotList", "{\"cv-lsm-policy\": 1, \"paths\": {}}",
                  "p.json:1:31: paths: expected an array of path rules, got an object"},
        ErrorCase{"PathRuleNotObject", "{\"cv-lsm-policy\": 1, \"paths\": [\"/data:r\"]}",
                  "p.json:1:32: paths[0]: expected a path rule such as {\"path\": \"/data\", "
                  "\"allow\": \"r\"}, got a string"},
        ErrorCase{"UnknownPathKey",
                  "{\"cv-lsm-policy\": 1, \"paths\": [\n  {\"path\": \"/a\", \"alow\": \"r\"}]}",
                  "p.json:2:18: unknown key \"paths[0].alow\": expected one of \"path\", "
                  "\"allow\", \"deny\", \"optional\""},
        ErrorCase{"MissingPath", "{\"cv-lsm-policy\": 1, \"paths\": [\n  {\"allow\": \"r\"}]}",
                  "p.json:2:3: paths[0]: missing \"path\": expected an absolute path"},
        ErrorCase{"RelativePath",
                  "{\"cv-lsm-policy\": 1, \"paths\": [\n  {\"path\": \"data\", \"allow\": \"r\"}]}",
                  "p.json:2:12: paths[0].path: path rule 'data' is not an absolute path"},
        ErrorCase{"NoModes", "{\"cv-lsm-policy\": 1, \"paths\": [\n  {\"path\": \"/a\"}]}",
                  "p.json:2:3: paths[0]: expected \"allow\" or \"deny\" (or both) with the "
                  "rule's modes"},
        ErrorCase{"BadMode",
                  "{\"cv-lsm-policy\": 1, \"paths\": [\n  {\"path\": \"/a\", \"allow\": \"rq\"}]}",
                  "p.json:2:27: paths[0].allow: bad access mode 'rq': 'q' is not one of r, w, x"},
        ErrorCase{"ModeNotString",
                  "{\"cv-lsm-policy\": 1, \"paths\": [\n  {\"path\": \"/a\", \"deny\": 2}]}",
                  "p.json:2:26: paths[0].deny: expected access modes such as \"rx\", got an "
                  "integer"},
        ErrorCase{"OptionalNotBoolean",
                  "{\"cv-lsm-policy\": 1, \"paths\": [{\"path\": \"/a\", \"allow\": \"r\", "
                  "\"optional\": \"yes\"}]}",
                  "p.json:1:73: paths[0].optional: expected true or false, got a string"},
        ErrorCase{"NulInSyscall", R"({"cv-lsm-policy": 1, "syscalls": ["read\u0000x"]})",
                  "p.json:1:35: syscalls[0]: syscall name 'read\\x00x' contains a NUL byte: "
                  "remove it"},
        ErrorCase{"NulInPath",
                  R"({"cv-lsm-policy": 1, "paths": [{"path": "/a\u0000z", "allow": "r"}]})",
                  "p.json:1:41: paths[0].path: path rule '/a\\x00z' contains a NUL byte, which "
                  "no path can: remove it"},
        ErrorCase{"ProcSelfEntry",
                  "{\"cv-lsm-policy\": 1, \"paths\": [{\"path\": \"/proc/self/mem\", \"allow\": "
                  "\"r\"}]}",
                  "p.json:1:41: paths[0].path: path rule '/proc/self/mem': name /proc/self as a "
                  "whole; entries below it are not rules of their own (they belong to the "
                  "confined process, not to cv-lsm)"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

// Serialize(Parse(x)) parses to the same document, and Parse(Serialize(doc)) == doc, in both
// forms.
void ExpectRoundTrips(const PolicyDocument& document) {
  for (PolicyFileForm form : {PolicyFileForm::kCompact, PolicyFileForm::kExpanded}) {
    const std::string text = SerializeOrDie(document, form);
    const PolicyDocument again = ParseOrDie(text);
    EXPECT_EQ(again, document) << text;
    EXPECT_EQ(SerializeOrDie(again, form), text);
  }
}

TEST(PolicyFileRoundTripTest, EveryPreset) {
  for (PolicyType type :
       {PolicyType::kMinimal, PolicyType::kBuild, PolicyType::kNetwork, PolicyType::kCustom}) {
    PolicyDocument document;
    document.name = std::string(PolicyTypeName(type));
    document.policy = Policy::Preset(type);
    ExpectRoundTrips(document);
  }
}

TEST(PolicyFileRoundTripTest, CustomRulesOnAPreset) {
  PolicyDocument document;
  document.name = "db \"primary\" / ünïcode";
  document.mode = PolicyMode::kAudit;
  document.policy = Policy::Preset(PolicyType::kBuild);
  ASSERT_TRUE(document.policy.AddSyscall("personality").ok());
  ASSERT_TRUE(document.policy.AddPath("/srv/data", kRead | kWrite).ok());
  ASSERT_TRUE(document.policy.DenyPath("/srv/data/secret", kRead | kWrite | kExec).ok());
  ASSERT_TRUE(document.policy.DenyPath("/etc/passwd", kWrite).ok());  // on a preset path
  ASSERT_TRUE(document.policy.AddPath("/tmp", kExec).ok());           // widens a preset path
  ASSERT_TRUE(document.policy.AddPathRule("/opt/x", {kRead, 0, /*required=*/false}).ok());
  ASSERT_TRUE(document.policy.AddPath("/weird path/with \"quotes\"\\", kRead).ok());
  ExpectRoundTrips(document);
}

TEST(PolicyFileRoundTripTest, CommentRoundTrips) {
  PolicyDocument document;
  document.name = "learned";
  document.comment = {"syscalls added: personality", "", "/srv (r): \"quoted\" ünïcode\\",
                      "two\nlines in one string", std::string("nul \0 byte", 10)};
  document.policy = Policy::Preset(PolicyType::kMinimal);
  ASSERT_TRUE(document.policy.AddSyscall("personality").ok());
  ExpectRoundTrips(document);
  // Right after the header keys, before what the policy allows.
  EXPECT_EQ(SerializeOrDie(document, PolicyFileForm::kCompact), R"({
  "cv-lsm-policy": 2,
  "name": "learned",
  "base": "minimal",
  "mode": "enforce",
  "comment": [
    "syscalls added: personality",
    "",
    "/srv (r): \"quoted\" ünïcode\\",
    "two\nlines in one string",
    "nul \u0000 byte"
  ],
  "syscalls": [
    "personality"
  ],
  "paths": [],
  "network": {
    "defaults": {"families": [], "connect": "none", "bind": "none", "abstract_unix": "none", "pathname_unix": "none"},
    "connect": [],
    "bind": [],
    "abstract_unix": []
  }
}
)");
}

TEST(PolicyFileRoundTripTest, NetworkRulesRoundTrip) {
  PolicyDocument document;
  document.name = "api-client";
  document.policy = Policy::Preset(PolicyType::kNetwork);
  for (auto [direction, deny, text] : std::vector<std::tuple<NetDirection, bool, std::string>>{
           {NetDirection::kConnect, false, "tcp:10.0.0.0/8:443"},
           {NetDirection::kConnect, false, "udp:[fd00::]/8:53"},
           {NetDirection::kConnect, true, "tcp:10.0.0.7:443"},
           {NetDirection::kConnect, false, "icmp:*"},
           {NetDirection::kBind, false, "tcp:127.0.0.1:8000-8100"}}) {
    absl::StatusOr<NetRule> rule = NetRule::Parse(direction, deny, text);
    ASSERT_TRUE(rule.ok()) << rule.status();
    document.policy.AddNetRule(*rule);
  }
  ASSERT_TRUE(document.policy.AllowAbstractUnixName("dbus-session").ok());
  ExpectRoundTrips(document);
  const std::string text = SerializeOrDie(document, PolicyFileForm::kCompact);
  EXPECT_NE(text.find(R"("connect": "rules only", "bind": "rules only")"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"({"deny": "tcp:10.0.0.7:443"})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("@dbus-session")"), std::string::npos) << text;
}

TEST(PolicyFileTest, Version1FilesStillRead) {
  const PolicyDocument document =
      ParseOrDie(R"({"cv-lsm-policy": 1, "base": "network", "syscalls": ["prctl"]})");
  EXPECT_TRUE(document.policy.net_rules().empty());
  EXPECT_TRUE(document.policy.syscalls().contains("prctl"));
}

TEST(PolicyFileRoundTripTest, NonUtf8CommentIsAnError) {
  PolicyDocument document;
  document.comment = {"ok", "bad \xff"};
  absl::StatusOr<std::string> text = SerializePolicy(document);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(),
            "a comment line is not valid UTF-8, which a policy file (JSON text) cannot hold; "
            "write it as UTF-8 text");
}

TEST(PolicyFileRoundTripTest, ParsedFileRoundTrips) {
  const PolicyDocument document = ParseOrDie(kExample);
  ExpectRoundTrips(document);
  // The compact form is the file's content, sorted.
  EXPECT_EQ(SerializeOrDie(document, PolicyFileForm::kCompact), R"({
  "cv-lsm-policy": 2,
  "name": "api-server",
  "base": "network",
  "mode": "enforce",
  "syscalls": [
    "prctl",
    "sched_setaffinity"
  ],
  "paths": [
    {"path": "/etc", "allow": "r", "deny": "w"},
    {"path": "/opt/plugins", "allow": "rx", "optional": true},
    {"path": "/srv/app", "allow": "rx"},
    {"path": "/srv/app/data", "allow": "rw"},
    {"path": "/srv/app/data/keys", "deny": "rw"}
  ],
  "network": {
    "defaults": {"families": ["unix", "inet", "inet6", "netlink-route"], "connect": "any", "bind": "any", "abstract_unix": "own confinement", "pathname_unix": "w on the path"},
    "connect": [],
    "bind": [],
    "abstract_unix": []
  }
}
)");
}

TEST(PolicyFileRoundTripTest, ExpandedFormListsTheBase) {
  PolicyDocument document;
  document.policy = Policy::Preset(PolicyType::kMinimal);
  const std::string text = SerializeOrDie(document, PolicyFileForm::kExpanded);
  EXPECT_NE(text.find("\"openat\""), std::string::npos) << text;
  EXPECT_NE(text.find("{\"path\": \"/usr/bin\", \"allow\": \"rx\", \"optional\": true}"),
            std::string::npos)
      << text;
  const std::string compact = SerializeOrDie(document, PolicyFileForm::kCompact);
  EXPECT_NE(compact.find("\"syscalls\": [],\n  \"paths\": []"), std::string::npos) << compact;
}

TEST(PolicyFileRoundTripTest, NonUtf8PathIsAnErrorNotAMangledFile) {
  PolicyDocument document;
  ASSERT_TRUE(document.policy.AddPath("/data/\xff", kRead).ok());
  absl::StatusOr<std::string> text = SerializePolicy(document);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("not valid UTF-8"), absl::string_view::npos);
}

TEST(PolicyFileTest, SaveAndLoad) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/saved.json";
  const PolicyDocument document = ParseOrDie(kExample);
  ASSERT_TRUE(SavePolicyFile(document, path).ok());
  absl::StatusOr<PolicyDocument> loaded = LoadPolicyFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, document);
}

TEST(PolicyFileTest, LoadErrorsNameTheFile) {
  testing::ScratchDir dir;
  const std::string path = dir.WriteFile("bad.json", "{\"cv-lsm-policy\": 1,\n \"base\": 3}");
  absl::StatusOr<PolicyDocument> loaded = LoadPolicyFile(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(), path + ":2:10: base: expected a string, got an integer");
  absl::StatusOr<PolicyDocument> missing = LoadPolicyFile(dir.path() + "/none.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.json"), absl::string_view::npos);
}

}  // namespace
}  // namespace cvlsm
