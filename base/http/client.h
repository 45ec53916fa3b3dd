// An HTTP/1.1 client for mig's API calls and downloads: one request per connection, over plain HTTP or
// HTTPS (TLS 1.2 with mbedTLS, the server verified against a given CA), the whole response read into memory.
//
//   http::Request request{.method = "POST", .headers = {{"content-type", "application/json"}}, .body = json};
//   MIG_ASSIGN_OR_RETURN(http::Response response,
//                        http::Fetch("https://127.0.0.1:8393/api/v1/actions/create/", request,
//                                    {.ca_pem = ca, .server_name = "scheduler.example.net"}));
//   if (response.status != 202) ...
//
// A response with any status is a response: only failing to get one is an error.
#ifndef MIG_BASE_HTTP_CLIENT_H_
#define MIG_BASE_HTTP_CLIENT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/http/message.h"

namespace mig::http {

struct ClientOptions {
  // For the whole exchange: resolving, connecting, the TLS handshake, sending, and reading the response.
  absl::Duration timeout = absl::Seconds(30);
  // https: the CA certificate(s), PEM, the server's certificate must chain to. Required for https.
  std::string ca_pem;
  // https: the name the server's certificate must carry; empty: the URL's host. mbedTLS 2.28 matches DNS
  // names only: to connect to an IP address, name the certificate's DNS name here.
  std::string server_name;
  // The response head and body together.
  size_t max_response_bytes = 256 << 20;
};

// Sends `request` to an absolute URL ("http://127.0.0.1:8393/api/v1/agents?x=1", "https://[::1]/x") and
// reads the whole response (Content-Length, chunked, or up to the end of the connection), then closes.
// The URL gives the target and the Host header: request.target and request.peer are not used. An empty
// method is GET. request.headers go out as given, after Host, Content-Length and Connection, which Fetch
// sets itself. The response's headers are all those received, names lowercased.
//
// Errors, their messages naming the request ("GET http://127.0.0.1:8393/api/v1/agents: ..."):
//   InvalidArgument   a bad URL, method, header or CA
//   Unavailable       resolving or connecting failed, the connection was reset, the TLS handshake failed
//   DeadlineExceeded  options.timeout passed
//   Unauthenticated   the server's certificate did not verify (mbedTLS's reasons are given)
//   DataLoss          a malformed or truncated response
//   ResourceExhausted the response is larger than options.max_response_bytes
absl::StatusOr<Response> Fetch(std::string_view url, const Request& request, const ClientOptions& options = {});

}  // namespace mig::http

#endif  // MIG_BASE_HTTP_CLIENT_H_
