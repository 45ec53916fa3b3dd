// HTTP/1.1 requests and responses as mig's server (server.h) and client (client.h) exchange them: whole
// messages in memory, header names lowercased.
//
//   http::Response ListActions(const http::Request& request) {
//     std::optional<std::string> offset = request.Query("offset");  // "?offset=10" -> "10"
//     if (request.Path() != "/api/v1/actions") return http::ErrorResponse(404, "no such endpoint");
//     return {.status = 200, .body = R"({"actions":[]})"};
//   }
#ifndef MIG_BASE_HTTP_MESSAGE_H_
#define MIG_BASE_HTTP_MESSAGE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mig::http {

// Header fields in the order received or to send, names lowercased. A name may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST"
  // The path and query as sent, not decoded: "/api/v1/actions/12/results?offset=0".
  std::string target;
  Headers headers;
  std::string body;
  // Server side: the client's address, "127.0.0.1:53122" or "[::1]:53122".
  std::string peer;

  // The first value of the header named `lowercase_name`, if any.
  std::optional<std::string_view> Header(std::string_view lowercase_name) const;
  // The target without its query, not decoded.
  std::string Path() const;
  // The value of the first `key=` in the query, percent-decoded ('+' decodes to a space, as in HTML forms
  // and Go's url.ParseQuery); "" for a key without '='. A pair whose encoding is invalid is skipped.
  std::optional<std::string> Query(std::string_view key) const;
};

struct Response {
  int status = 200;
  // Sent as Content-Type unless empty. Client side: the response's Content-Type ("" without one).
  std::string content_type = "application/json";
  std::string body;
  // Server side: headers to send besides Content-Type and Content-Length (not Content-Length,
  // Transfer-Encoding or Connection, which the server sets itself). Client side: every header received.
  Headers headers;

  std::optional<std::string_view> Header(std::string_view lowercase_name) const;
};

// Turns a request into a response. The server calls it from its worker threads, concurrently.
using Handler = std::function<Response(const Request&)>;

// A JSON error response: {"error":"<message>"} with `status`. The server answers malformed requests so.
Response ErrorResponse(int status, std::string_view message);

}  // namespace mig::http

#endif  // MIG_BASE_HTTP_MESSAGE_H_
