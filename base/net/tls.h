// mbedTLS 2.28 settings, mig's one TLS stack, loaded once and shared by any number of connections on any
// threads (the random generator locks itself; the rest is read-only once set up): a TLS 1.2 client that
// verifies the server against a CA (and may present a certificate of its own, for the broker's EXTERNAL
// login), or a TLS 1.2 server with a certificate chain and its key. Used by AMQP and HTTP alike.
//
//   MIG_ASSIGN_OR_RETURN(std::shared_ptr<const TlsConfig> tls, TlsConfig::ForClient({.ca = {ca_pem, "CA"}}));
//   TlsStream stream(fd.release(), tls, "localhost");  // stream.h
#ifndef MIG_BASE_NET_TLS_H_
#define MIG_BASE_NET_TLS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "mbedtls/ssl.h"

namespace mig::net {

// PEM text, and what to call it in errors ("CA /etc/mig/ca.pem", "server certificate").
struct Pem {
  std::string text;
  std::string source;
};

struct ClientCredentials {
  Pem ca;  // the CA certificate(s) the server's certificate must chain to; required
  // The client's certificate (its chain may follow it) and private key: both or neither.
  Pem certificate;
  Pem key;
};

class TlsConfig {
 public:
  // InvalidArgument naming the source when a certificate or key cannot be parsed, there is no CA, only one of
  // the client certificate and key is given, or the key is not the certificate's.
  static absl::StatusOr<std::shared_ptr<const TlsConfig>> ForClient(const ClientCredentials& credentials);
  // `cert_pem`: the server certificate, then any intermediate certificates; `key_pem`: its private key.
  // InvalidArgument if either cannot be parsed or the key is not the certificate's.
  static absl::StatusOr<std::shared_ptr<const TlsConfig>> ForServer(std::string_view cert_pem,
                                                                    std::string_view key_pem);

  ~TlsConfig();
  TlsConfig(const TlsConfig&) = delete;
  TlsConfig& operator=(const TlsConfig&) = delete;

  const mbedtls_ssl_config* conf() const;
  // Client side: whether a certificate is presented, and its subject's common name ("" without one).
  bool has_client_certificate() const { return has_client_certificate_; }
  const std::string& client_common_name() const { return client_common_name_; }

 private:
  struct Mbed;  // the mbedTLS objects the configuration points into; they must not move

  TlsConfig();
  absl::Status Finish(int endpoint);

  std::unique_ptr<Mbed> mbed_;
  bool has_client_certificate_ = false;
  std::string client_common_name_;
};

// mbedTLS's text for an error code.
std::string MbedError(int code);
// "handshake_failure", "unknown_ca", ... for a TLS alert description (RFC 5246 7.2, RFC 8446 6.2).
std::string TlsAlertName(int alert);

}  // namespace mig::net

#endif  // MIG_BASE_NET_TLS_H_
