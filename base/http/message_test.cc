// Requests as handlers see them: path, query values decoded as Go's url.ParseQuery does, headers; and the
// JSON error body.
#include "base/http/message.h"

#include <optional>
#include <string>

#include "catch2/catch.hpp"

namespace mig::http {
namespace {

TEST_CASE("Query values are percent-decoded, '+' is a space, bad pairs are skipped") {
  struct Case {
    const char* target;
    const char* key;
    std::optional<std::string> value;
  };
  const Case kCases[] = {
      {"/api/v1/actions/12/results?offset=0", "offset", "0"},
      {"/x?a=1&b=2", "b", "2"},
      {"/x?a=1&a=2", "a", "1"},
      {"/x?target=status%3D%27online%27", "target", "status='online'"},
      {"/x?q=a+b%2Bc", "q", "a b+c"},
      {"/x?na%6De=v", "name", "v"},
      {"/x?flag", "flag", ""},
      {"/x?flag=", "flag", ""},
      {"/x?e=%e2%82%ac", "e", "\xe2\x82\xac"},
      {"/x?z=%00", "z", std::string(1, '\0')},
      {"/x?&&a=1&&", "a", "1"},
      {"/x?a=b=c", "a", "b=c"},
      {"/x?a=%zz&a=2", "a", "2"},  // the first pair does not decode
      {"/x?a=%4", "a", std::nullopt},
      {"/x?a=%", "a", std::nullopt},
      {"/x?b=1", "a", std::nullopt},
      {"/x", "a", std::nullopt},
      {"/x?", "a", std::nullopt},
      {"/x?A=1", "a", std::nullopt},  // keys are case-sensitive
  };
  for (const Case& c : kCases) {
    INFO(c.target << " " << c.key);
    Request request{.method = "GET", .target = c.target};
    CHECK(request.Query(c.key) == c.value);
  }
}

TEST_CASE("Path is the target without its query, as sent") {
  struct Case {
    const char* target;
    const char* path;
  };
  const Case kCases[] = {
      {"/", "/"}, {"/api/v1/agents?x=1", "/api/v1/agents"}, {"/a%20b?c", "/a%20b"}, {"/a?b?c", "/a"}, {"/a?", "/a"},
  };
  for (const Case& c : kCases) {
    CHECK(Request{.target = c.target}.Path() == c.path);
  }
}

TEST_CASE("Header finds the first value of a lowercased name") {
  Request request{.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}}};
  CHECK(request.Header("content-type") == "application/json");
  CHECK(request.Header("x-a") == "1");
  CHECK(request.Header("Content-Type") == std::nullopt);
  CHECK(request.Header("x-b") == std::nullopt);
  Response response{.headers = {{"location", "/x"}}};
  CHECK(response.Header("location") == "/x");
}

TEST_CASE("ErrorResponse is a JSON object with the message escaped") {
  Response response = ErrorResponse(400, "bad \"quote\"\n");
  CHECK(response.status == 400);
  CHECK(response.content_type == "application/json");
  CHECK(response.body == R"({"error":"bad \"quote\"\n"})");
}

}  // namespace
}  // namespace mig::http
