#include "base/net/tls.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"

namespace mig::net {
namespace {

// mbedTLS parses PEM only with the terminating NUL counted in the length.
absl::Status ParseCertificates(mbedtls_x509_crt* chain, const Pem& pem) {
  if (pem.text.empty()) return absl::InvalidArgumentError(absl::StrCat("TLS ", pem.source, ": no certificate given"));
  int rc = mbedtls_x509_crt_parse(chain, reinterpret_cast<const unsigned char*>(pem.text.c_str()), pem.text.size() + 1);
  if (rc < 0) return absl::InvalidArgumentError(absl::StrCat("TLS ", pem.source, ": ", MbedError(rc)));
  if (rc > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS ", pem.source, ": ", rc, " certificate(s) could not be parsed"));
  }
  return absl::OkStatus();
}

// The private key `key_pem` (named `key_source` in errors) of `certificate`. The copy mbedTLS parses, which
// needs a terminating NUL, is wiped before it is freed.
absl::Status ParseKeyOf(mbedtls_pk_context* key, std::string_view key_pem, std::string_view key_source,
                        const mbedtls_x509_crt& certificate, std::string_view certificate_source) {
  std::string text(key_pem);
  int rc = mbedtls_pk_parse_key(key, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1, nullptr, 0);
  mbedtls_platform_zeroize(text.data(), text.size());
  if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("TLS ", key_source, ": ", MbedError(rc)));
  if (mbedtls_pk_check_pair(&certificate.pk, key) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("TLS ", key_source, " is not the key of ", certificate_source));
  }
  return absl::OkStatus();
}

// The common name in a certificate's subject, or "".
std::string CommonName(const mbedtls_x509_crt& crt) {
  for (const mbedtls_x509_name* name = &crt.subject; name != nullptr; name = name->next) {
    if (name->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0) {
      return std::string(reinterpret_cast<const char*>(name->val.p), name->val.len);
    }
  }
  return "";
}

}  // namespace

std::string MbedError(int code) {
  char text[200];
  mbedtls_strerror(code, text, sizeof(text));
  return text;
}

std::string TlsAlertName(int alert) {
  struct Alert {
    int code;
    const char* name;
  };
  static constexpr Alert kAlerts[] = {
      {10, "unexpected_message"},  {20, "bad_record_mac"},          {40, "handshake_failure"},
      {42, "bad_certificate"},     {43, "unsupported_certificate"}, {44, "certificate_revoked"},
      {45, "certificate_expired"}, {46, "certificate_unknown"},     {47, "illegal_parameter"},
      {48, "unknown_ca"},          {49, "access_denied"},           {50, "decode_error"},
      {51, "decrypt_error"},       {70, "protocol_version"},        {71, "insufficient_security"},
      {80, "internal_error"},      {112, "unrecognized_name"},      {116, "certificate_required"},
  };
  for (const Alert& a : kAlerts) {
    if (a.code == alert) return a.name;
  }
  return absl::StrCat("alert ", alert);
}

struct TlsConfig::Mbed {
  Mbed() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&own_chain);
    mbedtls_pk_init(&key);
    mbedtls_ssl_config_init(&conf);
  }
  ~Mbed() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&own_chain);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;         // client: the CAs the server must chain to
  mbedtls_x509_crt own_chain;  // the certificate this end presents (server; client, optionally)
  mbedtls_pk_context key;      // its private key
  mbedtls_ssl_config conf;
};

TlsConfig::TlsConfig() : mbed_(std::make_unique<Mbed>()) {}
TlsConfig::~TlsConfig() = default;

const mbedtls_ssl_config* TlsConfig::conf() const { return &mbed_->conf; }

absl::Status TlsConfig::Finish(int endpoint) {
  Mbed& m = *mbed_;
  static constexpr char kPersonalization[] = "mig tls";
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

absl::StatusOr<std::shared_ptr<const TlsConfig>> TlsConfig::ForClient(const ClientCredentials& credentials) {
  std::shared_ptr<TlsConfig> config(new TlsConfig());
  Mbed& m = *config->mbed_;
  if (absl::Status status = ParseCertificates(&m.ca, credentials.ca); !status.ok()) return status;
  const bool has_certificate = !credentials.certificate.text.empty();
  if (has_certificate != !credentials.key.text.empty()) {
    return absl::InvalidArgumentError("TLS: a client certificate needs its key, and a key its certificate");
  }
  if (has_certificate) {
    if (absl::Status status = ParseCertificates(&m.own_chain, credentials.certificate); !status.ok()) return status;
    absl::Status key =
        ParseKeyOf(&m.key, credentials.key.text, credentials.key.source, m.own_chain, credentials.certificate.source);
    if (!key.ok()) return key;
    config->has_client_certificate_ = true;
    config->client_common_name_ = CommonName(m.own_chain);
  }
  if (absl::Status status = config->Finish(MBEDTLS_SSL_IS_CLIENT); !status.ok()) return status;
  mbedtls_ssl_conf_authmode(&m.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&m.conf, &m.ca, nullptr);
  if (has_certificate) {
    if (int rc = mbedtls_ssl_conf_own_cert(&m.conf, &m.own_chain, &m.key); rc != 0) {
      return absl::InternalError(absl::StrCat("TLS client certificate: ", MbedError(rc)));
    }
  }
  return std::shared_ptr<const TlsConfig>(std::move(config));
}

absl::StatusOr<std::shared_ptr<const TlsConfig>> TlsConfig::ForServer(std::string_view cert_pem,
                                                                      std::string_view key_pem) {
  std::shared_ptr<TlsConfig> config(new TlsConfig());
  Mbed& m = *config->mbed_;
  const Pem certificate{std::string(cert_pem), "server certificate"};
  if (absl::Status status = ParseCertificates(&m.own_chain, certificate); !status.ok()) return status;
  absl::Status key = ParseKeyOf(&m.key, key_pem, "server key", m.own_chain, certificate.source);
  if (!key.ok()) return key;
  if (absl::Status status = config->Finish(MBEDTLS_SSL_IS_SERVER); !status.ok()) return status;
  // Clients are not asked for certificates: API clients sign their requests instead.
  mbedtls_ssl_conf_authmode(&m.conf, MBEDTLS_SSL_VERIFY_NONE);
  if (int rc = mbedtls_ssl_conf_own_cert(&m.conf, &m.own_chain, &m.key); rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("TLS server certificate: ", MbedError(rc)));
  }
  return std::shared_ptr<const TlsConfig>(std::move(config));
}

}  // namespace mig::net
