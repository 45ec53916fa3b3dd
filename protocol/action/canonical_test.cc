#include "protocol/action/canonical.h"

#include <string>

#include "base/json/reader.h"
#include "catch2/catch.hpp"

namespace mig::action {
namespace {

struct Case {
  const char* input;
  const char* canonical;
};

const Case kCases[] = {
    {R"({ "b" : 1, "a" : [ true, false, null ] })", R"({"a":[true,false,null],"b":1})"},
    {R"({"z":{"y":1,"x":2},"a":{}})", R"({"a":{},"z":{"x":2,"y":1}})"},
    {R"({"n":[3, 3.0, 3.5, -0.25, 1e3, 1E-2, 18446744073709551615, -9223372036854775808, 1.5e300]})",
     R"({"n":[3,3,3.5,-0.25,1000,0.01,18446744073709551615,-9223372036854775808,1.5e+300]})"},
    {R"({"s":"caf\u00e9 \u0041\/\"\\\b\f\n\r\t\u0001\u007f"})",
     "{\"s\":\"caf\xc3\xa9 A/\\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f\"}"},
    {R"({"é":1,"e":2,"E":3,"":4})", "{\"\":4,\"E\":3,\"e\":2,\"\xc3\xa9\":1}"},
    {R"([])", R"([])"},
    {R"("x")", R"("x")"},
};

TEST_CASE("Equivalent JSON documents have one canonical form") {
  for (const Case& c : kCases) {
    INFO(c.input);
    auto doc = json::JsonDocument::Parse(c.input, "test");
    REQUIRE(doc.ok());
    absl::StatusOr<std::string> canonical = CanonicalJson((*doc)->root(), "");
    REQUIRE(canonical.ok());
    CHECK(*canonical == c.canonical);
    // Canonical JSON is its own canonical form.
    auto again = json::JsonDocument::Parse(*canonical, "again");
    REQUIRE(again.ok());
    CHECK(*CanonicalJson((*again)->root(), "") == *canonical);
  }
}

TEST_CASE("Duplicate keys have no canonical form") {
  auto doc = json::JsonDocument::Parse(R"({"a":{"k":1,"k":2}})", "test");
  REQUIRE(doc.ok());
  absl::StatusOr<std::string> canonical = CanonicalJson((*doc)->root(), "parameters");
  REQUIRE_FALSE(canonical.ok());
  CHECK_THAT(std::string(canonical.status().message()),
             Catch::Contains("parameters.a.k: the key appears more than once"));
}

}  // namespace
}  // namespace mig::action
