// URLs as mig's configuration and command line name the broker, the scheduler API and release sources, parsed
// strictly and in one place (RFC 3986's generic syntax, without its leniencies): whatever a URL's user means,
// every part that is accepted here is well formed, so `amqp://[::1` or a host with a space is refused where it
// enters — at build time for the embedded configuration, at load time for an override — not when it is used.
//
//   MIG_ASSIGN_OR_RETURN(Url url, ParseUrl("amqps://rabbitmq.example.net:5671/mig"));
//   url.scheme == "amqps"; url.host == "rabbitmq.example.net"; url.port == 5671; url.path == "/mig"
//   MIG_ASSIGN_OR_RETURN(Url api, ParseUrl(text, {"http", "https"}));   // and nothing else
#ifndef MIG_BASE_URL_H_
#define MIG_BASE_URL_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig {

struct Url {
  std::string scheme;  // lowercased: "https"
  // The user information before '@', percent-decoded; has_userinfo tells "user@" from no '@' at all.
  bool has_userinfo = false;
  std::string user;
  std::string password;
  std::string host;         // without brackets ("::1"); lowercased; empty only for file:///path
  bool ipv6 = false;        // the host was a [bracketed] IPv6 literal
  std::optional<int> port;  // 1-65535, when the URL gives one
  std::string path;         // as written, still percent-encoded: "" or starting with '/'
  std::string query;        // after '?', as written; empty when there is none

  // "host", "[::1]", with ":port" when the URL gives one: what an HTTP Host header carries.
  std::string Authority() const;
  // The path (or "/") and "?query": an HTTP request target.
  std::string Target() const;
};

// Parses an absolute URL. InvalidArgument naming the URL (escaped, and without its password) and what is wrong:
// a byte outside printable ASCII, a bad scheme, an unterminated or invalid [IPv6] literal, a bad host name,
// a port that is not 1-65535, a bad percent-escape, a fragment. With `schemes`, the scheme must be one of them.
// Only file: URLs may have an empty host (file:///media/mig/).
absl::StatusOr<Url> ParseUrl(std::string_view text, std::initializer_list<std::string_view> schemes = {});

struct HostPort {
  std::string host;  // without brackets, lowercased
  bool ipv6 = false;
  int port = 0;
};
// "127.0.0.1:8393", "localhost:8393", "[::1]:8393": a host and a port, both required, by the same rules as a
// URL's. A listen address may say port 0 (any free port) with kAnyPortAllowed.
enum class PortZero { kRefused, kAnyPortAllowed };
absl::StatusOr<HostPort> ParseHostPort(std::string_view text, PortZero zero = PortZero::kRefused);

// "%41+b" -> "A+b" ("A b" with plus_is_space, as HTML forms and Go's url.ParseQuery decode queries). nullopt
// for a '%' not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

}  // namespace mig

#endif  // MIG_BASE_URL_H_
