#include "base/amqp/relay_url.h"

#include "absl/strings/str_cat.h"
#include "base/url.h"

namespace mig::amqp {

absl::StatusOr<ConnectionOptions> ConnectionOptionsFromRelayUrl(std::string_view text,
                                                                const std::optional<TlsOptions>& tls) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("relay URL '", text, "': ", why));
  };
  absl::StatusOr<Url> url = ParseUrl(text, {"amqp", "amqps"});
  if (!url.ok()) return absl::InvalidArgumentError(absl::StrCat("relay ", url.status().message()));
  const bool secure = url->scheme == "amqps";
  ConnectionOptions options;
  if (url->has_userinfo) {
    if (secure) return bad("an amqps relay logs in with the client certificate; remove the user");
    options.user = url->user;
    options.password = url->password;
  }
  options.host = url->host;
  options.port = url->port.value_or(secure ? 5671 : 5672);
  if (!url->query.empty()) return bad("a relay URL takes no query");
  // RabbitMQ's URI spec: the path's one segment is the vhost, percent-encoded; no path means "/".
  std::string_view path = url->path;
  if (path.empty() || path == "/") {
    options.vhost = "/";
  } else {
    path.remove_prefix(1);
    if (path.find('/') != std::string_view::npos) {
      return bad("the vhost must be one path segment (encode '/' as %2F)");
    }
    options.vhost = *PercentDecode(path);  // ParseUrl checked the escapes
  }
  if (secure) {
    if (!tls) return bad("it is amqps but no CA and client certificate are configured ([certs])");
    options.tls = *tls;
    options.login = Login::kExternal;
  } else {
    if (options.user.empty()) {
      return bad("a plain amqp relay needs a user and password (amqp://user:password@host/vhost)");
    }
    options.login = Login::kPlain;
  }
  return options;
}

}  // namespace mig::amqp
