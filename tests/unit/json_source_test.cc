// Positions of JSON values and keys, and syntax errors, as file:line:column.
#include "json/json_source.h"

#include <gtest/gtest.h>

#include <string>

#include "common/errors.h"

namespace cvlsm {
namespace {

using Pointer = nlohmann::json::json_pointer;

JsonSource ParseOrDie(const std::string& text, const JsonSourceOptions& options = {}) {
  absl::StatusOr<JsonSource> source = JsonSource::Parse(text, "f.json", options);
  EXPECT_TRUE(source.ok()) << source.status();
  return source.ok() ? *std::move(source) : *JsonSource::Parse("null", "empty");
}

std::string ParseError(const std::string& text, const JsonSourceOptions& options = {}) {
  absl::StatusOr<JsonSource> source = JsonSource::Parse(text, "f.json", options);
  EXPECT_FALSE(source.ok());
  return std::string(source.status().message());
}

TEST(JsonSourceTest, ValuesAndKeysHaveTheirLineAndColumn) {
  const JsonSource source = ParseOrDie(
      "{\n"
      "  \"a\": [1, \"two\",\n"
      "        {\"b/c\": true}],\n"
      "  \"d~\":   null\n"
      "}\n");
  EXPECT_EQ(source.Where(Pointer("")), "f.json:1:1");
  EXPECT_EQ(source.Where(Pointer("/a")), "f.json:2:8");
  EXPECT_EQ(source.WhereKey(Pointer("/a")), "f.json:2:3");
  EXPECT_EQ(source.Where(Pointer("/a/0")), "f.json:2:9");
  EXPECT_EQ(source.Where(Pointer("/a/1")), "f.json:2:12");
  EXPECT_EQ(source.Where(Pointer("/a/2")), "f.json:3:9");
  // Keys with '/' and '~' are escaped as RFC 6901 says, as nlohmann does.
  EXPECT_EQ(source.Where(Pointer("/a/2/b~1c")), "f.json:3:17");
  EXPECT_EQ(source.WhereKey(Pointer("/d~0")), "f.json:4:3");
  EXPECT_EQ(source.Where(Pointer("/d~0")), "f.json:4:11");
}

TEST(JsonSourceTest, AMissingValueIsReportedAtItsNearestAncestor) {
  const JsonSource source = ParseOrDie("[0,\n {\"x\": 1}]");
  EXPECT_EQ(source.Where(Pointer("/1/missing")), "f.json:2:2");
  EXPECT_EQ(source.WhereKey(Pointer("/1/missing")), "f.json:2:2");
  EXPECT_EQ(source.Where(Pointer("/7")), "f.json:1:1");
  EXPECT_EQ(std::string(source.ErrorAt(Pointer("/1/x"), "bad").message()), "f.json:2:8: bad");
}

TEST(JsonSourceTest, EscapedKeysAreDecodedLikeNlohmannDoes) {
  const JsonSource source = ParseOrDie("{\"\\u0061\\\"b\": 5}");
  ASSERT_TRUE(source.root().contains("a\"b"));
  EXPECT_EQ(source.Where(Pointer("/a\"b")), "f.json:1:15");
}

TEST(JsonSourceTest, ABomIsSkippedAndColumnsCountBytes) {
  const JsonSource source = ParseOrDie("\xEF\xBB\xBF{\"k\": 1}");
  EXPECT_EQ(source.Where(Pointer("/k")), "f.json:1:10");
}

// Where the parser stopped: the last character of the unexpected token (the closing quote).
TEST(JsonSourceTest, SyntaxErrorsNameLineAndColumn) {
  const std::string message = ParseError("{\n  \"a\": 1\n  \"b\": 2\n}");
  EXPECT_EQ(message.rfind("f.json:3:5: not valid JSON: syntax error while parsing object - "
                          "unexpected string literal; expected '}'",
                          0),
            0u)
      << message;
  EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
}

TEST(JsonSourceTest, NumberOverflowIsASyntaxErrorWithPosition) {
  const std::string message = ParseError("{\"a\":\n 1e999}");
  EXPECT_EQ(message.rfind("f.json:2:", 0), 0u) << message;
  EXPECT_NE(message.find("number overflow"), std::string::npos) << message;
}

TEST(JsonSourceTest, RepeatedKeysAreRefusedAtTheSecond) {
  EXPECT_EQ(ParseError("{\"a\": 1,\n \"a\": 2}"),
            "f.json:2:2: key \"a\" appears twice in this object; keep one (a JSON reader would "
            "silently use the last)");
  const JsonSource lenient = ParseOrDie("{\"a\": 1,\n \"a\": 2}", {.reject_duplicate_keys = false});
  EXPECT_EQ(lenient.root()["a"], 2);
  EXPECT_EQ(lenient.Where(Pointer("/a")), "f.json:2:7");
}

TEST(JsonSourceTest, DepthIsBounded) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  const std::string message = ParseError(deep);
  EXPECT_EQ(message.rfind("f.json:1:65: nested deeper than 64 levels", 0), 0u) << message;
  ParseOrDie(deep, {.max_depth = 100});
}

TEST(JsonSourceTest, ScalarsAndEmptyContainers) {
  EXPECT_EQ(ParseOrDie(" 7 ").Where(Pointer("")), "f.json:1:2");
  const JsonSource source = ParseOrDie("{\"a\": {}, \"b\": [], \"c\": [[]]}");
  EXPECT_EQ(source.Where(Pointer("/b")), "f.json:1:16");
  EXPECT_EQ(source.Where(Pointer("/c/0")), "f.json:1:26");
}

TEST(JsonSourceTest, LineColumnCountsFromOne) {
  EXPECT_EQ(LineColumn("ab\ncd", 0), "1:1");
  EXPECT_EQ(LineColumn("ab\ncd", 4), "2:2");
  EXPECT_EQ(LineColumn("ab\ncd", 99), "2:3");
}

TEST(JsonSourceTest, ReadTextFileNamesTheFile) {
  absl::StatusOr<std::string> text = ReadTextFile("/nonexistent/p.json", "policy file", "fix it");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("opening policy file /nonexistent/p.json"),
            absl::string_view::npos)
      << text.status();
  EXPECT_EQ(RemedyOf(text.status()), "fix it");  // what to do, as data
  absl::StatusOr<std::string> dir = ReadTextFile("/", "policy file", "fix it");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("directory"), absl::string_view::npos) << dir.status();
}

}  // namespace
}  // namespace cvlsm
