#include <string>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "catch2/catch.hpp"

namespace mig::json {
namespace {

struct QuoteCase {
  std::string input;
  std::string expected;
};

TEST_CASE("AppendQuoted escapes like Go's encoding/json and repairs invalid UTF-8") {
  const QuoteCase cases[] = {
      {"plain", "\"plain\""},
      {"a\"b\\c", "\"a\\\"b\\\\c\""},
      {"tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\""},
      {std::string("nul\0x", 5), "\"nul\\u0000x\""},
      {"\x1f", "\"\\u001f\""},
      {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
      {"bad\xff", "\"bad\xef\xbf\xbd\""},
      {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},                  // overlong '/'
      {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},  // surrogate
      {"\xe2\x80\xa8", "\"\\u2028\""},
      {"\xf0\x9f\x94\x8d", "\"\xf0\x9f\x94\x8d\""},
      {"trunc\xe2\x82", "\"trunc\xef\xbf\xbd\xef\xbf\xbd\""},
  };
  for (const QuoteCase& c : cases) {
    std::string out;
    AppendQuoted(&out, c.input);
    CHECK(out == c.expected);
  }
}

TEST_CASE("JsonWriter writes compact and indented documents") {
  for (int indent : {0, 2}) {
    JsonWriter w(indent);
    w.BeginObject();
    w.Field("a", true);
    w.Key("list");
    w.BeginArray();
    w.Int(-3);
    w.Uint(18446744073709551615ull);
    w.Double(2.5);
    w.Double(1e6);
    w.Null();
    w.EndArray();
    w.Key("empty");
    w.BeginObject();
    w.EndObject();
    w.EndObject();
    std::string out = std::move(w).Take();
    if (indent == 0) {
      CHECK(out == R"({"a":true,"list":[-3,18446744073709551615,2.5,1000000,null],"empty":{}})");
    }
    auto doc = JsonDocument::Parse(out, "test");
    REQUIRE(doc.ok());
  }
}

TEST_CASE("Raw JSON is re-indented to fit an indented document, strings untouched") {
  std::string raw = R"({"s":"a, {b}: [\"c\"]","l":[1,{}],"e":[]})";
  JsonWriter compact;
  compact.BeginObject();
  compact.Key("p");
  compact.Raw(raw);
  compact.EndObject();
  CHECK(std::move(compact).Take() == absl::StrCat(R"({"p":)", raw, "}"));

  JsonWriter indented(2);
  indented.BeginObject();
  indented.Key("p");
  indented.Raw(raw);
  indented.EndObject();
  CHECK(std::move(indented).Take() ==
        "{\n  \"p\": {\n    \"s\": \"a, {b}: [\\\"c\\\"]\",\n    \"l\": [\n      1,\n      {}\n    ],\n"
        "    \"e\": []\n  }\n}");
}

struct ParseErrorCase {
  std::string document;
  std::string message_part;
};

TEST_CASE("Strict readers name the path and the problem") {
  const ParseErrorCase cases[] = {
      {R"({"a": 1, "b": 2})", "unknown field \"b\""},
      {R"({"a": 1, "a": 2})", "appears more than once"},
      {R"({"a": "x"})", "a: expected a whole number, got string"},
      {R"({"a": -1})", "is not a whole number"},
      {R"({"a": 1.5})", "is not a whole number"},
      {R"({"a": 2000})", "larger than 1000"},
      {R"({"a": [1]})", "a[0]: expected a string, got number"},
  };
  for (const ParseErrorCase& c : cases) {
    INFO(c.document);
    auto doc = JsonDocument::Parse(c.document, "test");
    REQUIRE(doc.ok());
    auto object = AsObject((*doc)->root(), "");
    REQUIRE(object.ok());
    absl::Status status = CheckKeys(*object, "", {"a"});
    if (status.ok()) {
      simdjson::dom::element a = (*object)["a"].value_unsafe();
      if (a.is_array()) {
        status = AsStringArray(a, "a").status();
      } else {
        status = AsCount(a, "a", 1000).status();
      }
    }
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(std::string(status.message()), Catch::Contains(c.message_part));
  }
}

TEST_CASE("Documents over the size or depth limits are refused") {
  CHECK_FALSE(JsonDocument::Parse(std::string(100, ' ') + "{}", "doc", 50).ok());
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto status = JsonDocument::Parse(deep, "doc", 1 << 20, 64).status();
  CHECK_THAT(std::string(status.message()), Catch::Contains("nested deeper than 64"));
  CHECK_THAT(std::string(JsonDocument::Parse("{\"a\":", "doc").status().message()),
             Catch::Contains("doc is not valid JSON"));
  CHECK_THAT(std::string(JsonDocument::Parse(std::string_view(), "doc").status().message()),
             Catch::Contains("doc is empty"));
}

TEST_CASE("AsCount accepts integral floats as MIG's float64 fields") {
  auto doc = JsonDocument::Parse(R"([3, 3.0, 0])", "doc");
  REQUIRE(doc.ok());
  auto array = AsArray((*doc)->root(), "");
  REQUIRE(array.ok());
  for (simdjson::dom::element e : *array) CHECK(AsCount(e, "x", 10).ok());
}

}  // namespace
}  // namespace mig::json
