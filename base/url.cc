#include "base/url.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mig {
namespace {

constexpr size_t kMaxHostBytes = 253;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool SubDelim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

// Every byte is `allowed` or part of a well-formed %HH escape.
bool WellFormed(std::string_view text, bool (*allowed)(char)) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) return false;
      i += 2;
    } else if (!allowed(text[i])) {
      return false;
    }
  }
  return true;
}

bool UserinfoChar(char c) { return Unreserved(c) || SubDelim(c) || c == ':'; }
bool PathChar(char c) { return Unreserved(c) || SubDelim(c) || c == ':' || c == '@' || c == '/'; }
bool QueryChar(char c) { return PathChar(c) || c == '?'; }

// A DNS name or an IPv4 literal: labels of letters, digits, '-' and '_', separated by single dots (one final
// dot allowed), no label starting or ending with '-'.
bool ValidHostName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  if (absl::EndsWith(host, ".")) host.remove_suffix(1);
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// "host", "host:port", "[v6]" or "[v6]:port". The error says what is wrong, without naming the whole text.
absl::Status ParseHostAndPort(std::string_view authority, std::string& host, bool& ipv6, std::optional<int>& port,
                              int lowest_port = 1) {
  auto bad = [](std::string why) { return absl::InvalidArgumentError(std::move(why)); };
  std::string_view port_text;
  bool has_port = false;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6 address]");
    std::string literal(authority.substr(1, close - 1));
    in6_addr address;
    if (inet_pton(AF_INET6, literal.c_str(), &address) != 1) {
      return bad(absl::StrCat("'", literal, "' is not an IPv6 address"));
    }
    host = absl::AsciiStrToLower(literal);
    ipv6 = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the [IPv6 address]");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = authority.find(':');
    std::string_view name = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
      if (port_text.find(':') != std::string_view::npos) return bad("an IPv6 address must be in [brackets]");
    }
    if (!name.empty() && !ValidHostName(name)) return bad(absl::StrCat("'", name, "' is not a host name or address"));
    host = absl::AsciiStrToLower(name);
    ipv6 = false;
  }
  port.reset();
  if (has_port) {
    int number = 0;
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos || !absl::SimpleAtoi(port_text, &number) ||
        number < lowest_port || number > 65535) {
      return bad(absl::StrCat("'", port_text, "' is not a port (", lowest_port, "-65535)"));
    }
    port = number;
  }
  return absl::OkStatus();
}

// The URL as it may appear in a message: escaped, cut, and without a password.
std::string Shown(std::string_view text) {
  std::string_view shown = text.substr(0, 200);
  size_t scheme_end = shown.find("://");
  size_t at = shown.find('@');
  std::string out;
  if (scheme_end != std::string_view::npos && at != std::string_view::npos && at > scheme_end) {
    std::string_view userinfo = shown.substr(scheme_end + 3, at - scheme_end - 3);
    if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      out = absl::StrCat(shown.substr(0, scheme_end + 3 + colon + 1), "****", shown.substr(at));
      return absl::CHexEscape(out);
    }
  }
  return absl::CHexEscape(shown);
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Url::Authority() const {
  std::string out = ipv6 ? absl::StrCat("[", host, "]") : host;
  if (port) absl::StrAppend(&out, ":", *port);
  return out;
}

std::string Url::Target() const {
  std::string out = path.empty() ? "/" : path;
  if (!query.empty()) absl::StrAppend(&out, "?", query);
  return out;
}

absl::StatusOr<Url> ParseUrl(std::string_view text, std::initializer_list<std::string_view> schemes) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bad URL '", Shown(text), "': ", why));
  };
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return bad("spaces, control characters and non-ASCII bytes must be percent-encoded");
  }
  Url url;
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return bad("no scheme (as in https://host/)");
  std::string_view scheme = text.substr(0, scheme_end);
  if (!absl::ascii_isalpha(static_cast<unsigned char>(scheme[0]))) return bad("the scheme must start with a letter");
  for (char c : scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return bad("bad character in the scheme");
    }
  }
  url.scheme = absl::AsciiStrToLower(scheme);
  if (schemes.size() > 0) {
    bool known = false;
    for (std::string_view s : schemes) known = known || s == url.scheme;
    if (!known) return bad(absl::StrCat("the scheme must be ", absl::StrJoin(schemes, " or ")));
  }

  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return bad("a fragment ('#') has no meaning here");
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path_and_query = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  std::string_view path = path_and_query.substr(0, path_and_query.find('?'));
  if (path.size() < path_and_query.size()) {
    std::string_view query = path_and_query.substr(path.size() + 1);
    if (!WellFormed(query, QueryChar)) return bad("bad character or percent-escape in the query");
    url.query = std::string(query);
  }
  if (!WellFormed(path, PathChar)) return bad("bad character or percent-escape in the path");
  url.path = std::string(path);

  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    if (!WellFormed(userinfo, UserinfoChar)) return bad("bad character or percent-escape in the user or password");
    size_t colon = userinfo.find(':');
    url.has_userinfo = true;
    url.user = *PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) url.password = *PercentDecode(userinfo.substr(colon + 1));
  }

  std::optional<int> port;
  if (absl::Status parsed = ParseHostAndPort(authority, url.host, url.ipv6, port); !parsed.ok()) {
    return bad(parsed.message());
  }
  const bool has_port = port.has_value();
  url.port = port;
  if (url.host.empty() && url.scheme != "file") return bad("no host");
  if (url.scheme == "file" && (!url.host.empty() || has_port || url.has_userinfo)) {
    return bad("a file URL names a local path: file:///absolute/path/");
  }
  return url;
}

absl::StatusOr<HostPort> ParseHostPort(std::string_view text, PortZero zero) {
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat("'", absl::CHexEscape(text.substr(0, 200)),
                                                     "' is not address:port: spaces or control characters"));
    }
  }
  HostPort out;
  std::optional<int> port;
  absl::Status parsed = ParseHostAndPort(text, out.host, out.ipv6, port, zero == PortZero::kAnyPortAllowed ? 0 : 1);
  if (parsed.ok() && out.host.empty()) parsed = absl::InvalidArgumentError("no host");
  if (parsed.ok() && !port) parsed = absl::InvalidArgumentError("no port");
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not address:port ([address]:port for IPv6): ", parsed.message()));
  }
  out.port = *port;
  return out;
}

}  // namespace mig
