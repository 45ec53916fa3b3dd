// mbedTLS 2.28 settings for HTTPS, loaded once and shared by any number of connections on any threads (the
// random generator locks itself; the rest is read-only once set up): a TLS 1.2 client that verifies the
// server against a CA, or a TLS 1.2 server with a certificate chain and its key.
//
//   MIG_ASSIGN_OR_RETURN(std::shared_ptr<const TlsConfig> tls, TlsConfig::ForClient(ca_pem));
//   TlsStream stream(fd, tls, "localhost");  // stream.h
#ifndef MIG_BASE_HTTP_INTERNAL_TLS_H_
#define MIG_BASE_HTTP_INTERNAL_TLS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "mbedtls/ssl.h"

namespace mig::http::internal {

class TlsConfig {
 public:
  // The server's certificate must chain to one of the CA certificates in `ca_pem`. InvalidArgument if
  // there is none or one cannot be parsed.
  static absl::StatusOr<std::shared_ptr<const TlsConfig>> ForClient(std::string_view ca_pem);
  // `cert_pem`: the server certificate, then any intermediate certificates; `key_pem`: its private key.
  // InvalidArgument if either cannot be parsed or the key is not the certificate's.
  static absl::StatusOr<std::shared_ptr<const TlsConfig>> ForServer(std::string_view cert_pem,
                                                                    std::string_view key_pem);

  ~TlsConfig();
  TlsConfig(const TlsConfig&) = delete;
  TlsConfig& operator=(const TlsConfig&) = delete;

  const mbedtls_ssl_config* conf() const;

 private:
  struct Mbed;  // the mbedTLS objects the configuration points into; they must not move

  TlsConfig();
  absl::Status Finish(int endpoint);

  std::unique_ptr<Mbed> mbed_;
};

// mbedTLS's text for an error code.
std::string MbedError(int code);

}  // namespace mig::http::internal

#endif  // MIG_BASE_HTTP_INTERNAL_TLS_H_
