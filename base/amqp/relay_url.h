// Where the broker is, from the URL a configuration names it with (MIG's relay setting):
//
//   amqps://rabbitmq.example.net:5671/mig    TLS, EXTERNAL login by the client certificate (the deployment)
//   amqp://scheduler:secret@localhost:5672/mig   TCP, PLAIN login (tests, load harness)
//
//   MIG_ASSIGN_OR_RETURN(ConnectionOptions options, ConnectionOptionsFromRelayUrl(url, tls));
#ifndef MIG_BASE_AMQP_RELAY_URL_H_
#define MIG_BASE_AMQP_RELAY_URL_H_

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/amqp/connection.h"

namespace mig::amqp {

// Host, port (default 5672 or 5671), vhost (the path, percent-decoded; "/" when absent as in RabbitMQ's
// URI spec only for an empty path), and for amqp:// the user and password of a PLAIN login. For amqps://,
// `tls` supplies the CA and client certificate and the login is EXTERNAL; an amqps URL with a user is
// refused, since the broker takes the user from the certificate.
absl::StatusOr<ConnectionOptions> ConnectionOptionsFromRelayUrl(std::string_view url,
                                                                const std::optional<TlsOptions>& tls);

}  // namespace mig::amqp

#endif  // MIG_BASE_AMQP_RELAY_URL_H_
