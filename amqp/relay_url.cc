#include "amqp/relay_url.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mig::amqp {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(std::string_view text, std::string_view url) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(absl::StrCat("relay URL '", url, "': '%' not followed by two hex digits"));
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

absl::StatusOr<ConnectionOptions> ConnectionOptionsFromRelayUrl(std::string_view url,
                                                                const std::optional<TlsOptions>& tls) {
  ConnectionOptions options;
  std::string_view rest = url;
  bool secure;
  if (absl::ConsumePrefix(&rest, "amqps://")) {
    secure = true;
  } else if (absl::ConsumePrefix(&rest, "amqp://")) {
    secure = false;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("relay URL '", url, "' does not start with amqp:// or amqps://"));
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (secure) {
      return absl::InvalidArgumentError(absl::StrCat(
          "relay URL '", url, "': an amqps relay logs in with the client certificate; remove the user"));
    }
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    std::string_view user = userinfo.substr(0, userinfo.find(':'));
    std::string_view password = user.size() < userinfo.size() ? userinfo.substr(user.size() + 1) : "";
    auto decoded_user = PercentDecode(user, url);
    if (!decoded_user.ok()) return decoded_user.status();
    auto decoded_password = PercentDecode(password, url);
    if (!decoded_password.ok()) return decoded_password.status();
    options.user = *decoded_user;
    options.password = *decoded_password;
  }
  std::string_view host = authority;
  std::string_view port_text;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("relay URL '", url, "': unterminated '[' in the host"));
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return absl::InvalidArgumentError(absl::StrCat("relay URL '", url, "': unexpected text after the host"));
    }
    port_text = after;
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return absl::InvalidArgumentError(absl::StrCat("relay URL '", url, "' has no host"));
  options.host = std::string(host);
  options.port = secure ? 5671 : 5672;
  if (!port_text.empty()) {
    int port = 0;
    if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("relay URL '", url, "': '", port_text, "' is not a port"));
    }
    options.port = port;
  }
  // RabbitMQ's URI spec: the path's one segment is the vhost, percent-encoded; no path means "/".
  if (path.empty() || path == "/") {
    options.vhost = "/";
  } else {
    path.remove_prefix(1);
    if (path.find('/') != std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("relay URL '", url, "': the vhost must be one path segment (encode '/' as %2F)"));
    }
    auto vhost = PercentDecode(path, url);
    if (!vhost.ok()) return vhost.status();
    options.vhost = *vhost;
  }
  if (secure) {
    if (!tls) {
      return absl::InvalidArgumentError(
          absl::StrCat("relay URL '", url, "' is amqps but no CA and client certificate are configured ([certs])"));
    }
    options.tls = *tls;
    options.login = Login::kExternal;
  } else {
    if (options.user.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "relay URL '", url, "': a plain amqp relay needs a user and password (amqp://user:password@host/vhost)"));
    }
    options.login = Login::kPlain;
  }
  return options;
}

}  // namespace mig::amqp
