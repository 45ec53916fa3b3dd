// TLS for rabbitmq-c, with mbedTLS (mig's one TLS stack): a TLS 1.2 client that verifies the broker's
// certificate against a CA and a server name, and presents a client certificate (for an EXTERNAL login).
//
// amqp::Connection (connection.h) uses it; it is public for code that drives rabbitmq-c directly.
//
//   MIG_ASSIGN_OR_RETURN(std::shared_ptr<const TlsClientConfig> tls,
//                        TlsClientConfig::Load({.ca_file = "ca.pem", .cert_file = "agent.pem",
//                                               .key_file = "agent.key"}));
//   amqp_connection_state_t state = amqp_new_connection();
//   MIG_ASSIGN_OR_RETURN(TlsSocket* socket, TlsSocket::Install(state, tls));  // state owns it
//   MIG_RETURN_IF_ERROR(socket->Connect("rabbitmq.example.net", 5671, absl::Now() + absl::Seconds(10)));
//   amqp_login(state, ...);
//   ...
//   amqp_destroy_connection(state);  // sends close_notify, closes the socket, frees it
#ifndef MIG_BASE_AMQP_TLS_SOCKET_H_
#define MIG_BASE_AMQP_TLS_SOCKET_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "amqp.h"
#include "base/net/stream.h"
#include "base/net/tls.h"

namespace mig::amqp {

// Where the TLS credentials come from: PEM text, in a file or in memory (the configuration embedded in the
// binary holds them as text). For each of the CA, the certificate and the key, give the file or the text.
struct TlsOptions {
  // The CA certificate(s) the broker's certificate must chain to. Required.
  std::string ca_file;
  std::string ca_pem;
  // The client certificate (its chain may follow it) and its private key; both or neither. Without them
  // the broker can only be logged into with a password.
  std::string cert_file;
  std::string cert_pem;
  std::string key_file;
  std::string key_pem;
  // The name the broker's certificate must carry (subjectAltName DNS entry or CN). Empty: the host
  // connected to. mbedTLS 2.28 matches DNS names only: to connect to an IP address, name the certificate's
  // DNS name here.
  std::string server_name;
};

// TLS client settings loaded and checked once: immutable, shared by any number of connections on any
// threads. The TLS itself is mig's one configuration (base/net/tls.h); this adds where the PEM comes from and
// the server name.
class TlsClientConfig {
 public:
  // Reads and parses the CA, certificate and key; checks that the key is the certificate's. Errors name the
  // file (or "CA (PEM text)" etc.) and what is wrong with it.
  static absl::StatusOr<std::shared_ptr<const TlsClientConfig>> Load(const TlsOptions& options);

  bool has_client_certificate() const { return tls_->has_client_certificate(); }
  // The client certificate's subject common name ("" without one): the user an EXTERNAL login becomes.
  const std::string& client_common_name() const { return tls_->client_common_name(); }
  const std::string& server_name() const { return server_name_; }
  const std::shared_ptr<const net::TlsConfig>& tls() const { return tls_; }

 private:
  TlsClientConfig(std::shared_ptr<const net::TlsConfig> tls, std::string server_name)
      : tls_(std::move(tls)), server_name_(std::move(server_name)) {}

  std::shared_ptr<const net::TlsConfig> tls_;
  std::string server_name_;
};

// One TLS connection, as a rabbitmq-c socket. Created by Install and owned by the rabbitmq-c connection it is
// installed on: the pointer stays valid until amqp_destroy_connection (or until the connection is given
// another socket), which closes it cleanly (close_notify) unless it failed.
// Like the rabbitmq-c connection, used by one thread at a time.
class TlsSocket {
 public:
  static absl::StatusOr<TlsSocket*> Install(amqp_connection_state_t state,
                                            std::shared_ptr<const TlsClientConfig> config);

  // Connects to host:port over TCP (TCP_NODELAY set) and runs the TLS 1.2 handshake, all before `deadline`.
  // The broker's certificate must chain to the CA and carry the server name (the config's, else `host`).
  // Errors: Unavailable (TCP, or the broker refused the handshake: the TLS alert is named, with a hint),
  // Unauthenticated (the broker's certificate failed verification: mbedTLS's reasons are listed),
  // DeadlineExceeded.
  absl::Status Connect(const std::string& host, int port, absl::Time deadline);

  // Why the last send or receive failed (a TLS or socket error), for error messages; "" if none did.
  const std::string& last_error() const { return last_error_; }

  // The connected socket, or -1.
  int fd() const { return stream_ != nullptr ? stream_->fd() : -1; }

  // The negotiated protocol version and cipher suite, e.g. "TLSv1.2 TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384".
  std::string negotiated() const;

  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

 private:
  friend struct TlsSocketCallbacks;
  friend class TlsSocketTestPeer;

  explicit TlsSocket(std::shared_ptr<const TlsClientConfig> config);

  // rabbitmq-c's socket operations (base/amqp/internal/socket_glue.h).
  ssize_t Send(const void* buf, size_t len);
  ssize_t Recv(void* buf, size_t len);
  int Close(bool force);
  // Sets last_error_ from a stream error during `during`; returns the rabbitmq-c status for it.
  int Fail(const absl::Status& error, const char* during);
  bool established() const { return stream_ != nullptr && stream_->established(); }

  std::shared_ptr<const TlsClientConfig> config_;
  std::unique_ptr<net::TlsStream> stream_;
  std::string peer_;  // "host:port", for messages
  std::string last_error_;
};

}  // namespace mig::amqp

#endif  // MIG_BASE_AMQP_TLS_SOCKET_H_
