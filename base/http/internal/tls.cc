#include "base/http/internal/tls.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"

namespace mig::http::internal {
namespace {

// mbedTLS parses PEM only with the terminating NUL counted in the length.
absl::Status ParseCertificates(mbedtls_x509_crt* chain, std::string_view pem, std::string_view what) {
  if (pem.empty()) return absl::InvalidArgumentError(absl::StrCat("TLS ", what, ": no certificate given"));
  std::string text(pem);
  int rc = mbedtls_x509_crt_parse(chain, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1);
  if (rc < 0) return absl::InvalidArgumentError(absl::StrCat("TLS ", what, ": ", MbedError(rc)));
  if (rc > 0) {
    return absl::InvalidArgumentError(absl::StrCat("TLS ", what, ": ", rc, " certificate(s) could not be parsed"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string MbedError(int code) {
  char text[200];
  mbedtls_strerror(code, text, sizeof(text));
  return text;
}

struct TlsConfig::Mbed {
  Mbed() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&certificates);
    mbedtls_pk_init(&key);
    mbedtls_ssl_config_init(&conf);
  }
  ~Mbed() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&certificates);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt certificates;  // client: the CAs; server: its own chain
  mbedtls_pk_context key;         // server: its private key
  mbedtls_ssl_config conf;
};

TlsConfig::TlsConfig() : mbed_(std::make_unique<Mbed>()) {}
TlsConfig::~TlsConfig() = default;

const mbedtls_ssl_config* TlsConfig::conf() const { return &mbed_->conf; }

absl::Status TlsConfig::Finish(int endpoint) {
  Mbed& m = *mbed_;
  static constexpr char kPersonalization[] = "mig http tls";
  int rc = mbedtls_ctr_drbg_seed(&m.drbg, mbedtls_entropy_func, &m.entropy,
                                 reinterpret_cast<const unsigned char*>(kPersonalization), sizeof(kPersonalization));
  if (rc != 0) return absl::InternalError(absl::StrCat("TLS random generator: ", MbedError(rc)));
  rc = mbedtls_ssl_config_defaults(&m.conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return absl::InternalError(absl::StrCat("TLS configuration: ", MbedError(rc)));
  // TLS 1.2 only: older versions are broken, and mbedTLS 2.28 has no 1.3.
  mbedtls_ssl_conf_min_version(&m.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&m.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(&m.conf, mbedtls_ctr_drbg_random, &m.drbg);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const TlsConfig>> TlsConfig::ForClient(std::string_view ca_pem) {
  std::shared_ptr<TlsConfig> config(new TlsConfig());
  Mbed& m = *config->mbed_;
  if (absl::Status status = ParseCertificates(&m.certificates, ca_pem, "CA"); !status.ok()) return status;
  if (absl::Status status = config->Finish(MBEDTLS_SSL_IS_CLIENT); !status.ok()) return status;
  mbedtls_ssl_conf_authmode(&m.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&m.conf, &m.certificates, nullptr);
  return std::shared_ptr<const TlsConfig>(std::move(config));
}

absl::StatusOr<std::shared_ptr<const TlsConfig>> TlsConfig::ForServer(std::string_view cert_pem,
                                                                      std::string_view key_pem) {
  std::shared_ptr<TlsConfig> config(new TlsConfig());
  Mbed& m = *config->mbed_;
  if (absl::Status status = ParseCertificates(&m.certificates, cert_pem, "server certificate"); !status.ok()) {
    return status;
  }
  std::string key(key_pem);
  int rc =
      mbedtls_pk_parse_key(&m.key, reinterpret_cast<const unsigned char*>(key.c_str()), key.size() + 1, nullptr, 0);
  mbedtls_platform_zeroize(key.data(), key.size());
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("TLS server key: ", MbedError(rc)));
  if (mbedtls_pk_check_pair(&m.certificates.pk, &m.key) != 0) {
    return absl::InvalidArgumentError("TLS server key: it is not the key of the server certificate");
  }
  if (absl::Status status = config->Finish(MBEDTLS_SSL_IS_SERVER); !status.ok()) return status;
  // Clients are not asked for certificates: API clients sign their requests instead.
  mbedtls_ssl_conf_authmode(&m.conf, MBEDTLS_SSL_VERIFY_NONE);
  rc = mbedtls_ssl_conf_own_cert(&m.conf, &m.certificates, &m.key);
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("TLS server certificate: ", MbedError(rc)));
  return std::shared_ptr<const TlsConfig>(std::move(config));
}

}  // namespace mig::http::internal
