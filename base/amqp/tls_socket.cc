#include "base/amqp/tls_socket.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/amqp/internal/socket_glue.h"
#include "base/net/socket.h"
#include "base/unique_fd.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

namespace mig::amqp {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

std::string MbedError(int code) {
  char text[200];
  mbedtls_strerror(code, text, sizeof(text));
  return text;
}

// The PEM text of one credential: from its file, or as given. `what` names it in errors ("CA", ...).
absl::StatusOr<std::string> ReadPem(const std::string& file, const std::string& pem, std::string_view what,
                                    std::string* source) {
  if (!file.empty() && !pem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("TLS ", what, ": give a file or PEM text, not both"));
  }
  if (!pem.empty()) {
    *source = absl::StrCat(what, " (PEM text)");
    return pem;
  }
  *source = absl::StrCat(what, " ", file);
  absl::StatusOr<std::string> text = ReadFileBounded(file, kMaxPemBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("TLS ", what, ": ", text.status().message()));
  }
  return text;
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

// TLS alert descriptions (RFC 5246 7.2, RFC 8446 6.2) a broker may refuse a handshake with.
struct Alert {
  int code;
  const char* name;
};
constexpr Alert kAlerts[] = {
    {10, "unexpected_message"},  {20, "bad_record_mac"},          {40, "handshake_failure"},
    {42, "bad_certificate"},     {43, "unsupported_certificate"}, {44, "certificate_revoked"},
    {45, "certificate_expired"}, {46, "certificate_unknown"},     {47, "illegal_parameter"},
    {48, "unknown_ca"},          {49, "access_denied"},           {50, "decode_error"},
    {51, "decrypt_error"},       {70, "protocol_version"},        {71, "insufficient_security"},
    {80, "internal_error"},      {112, "unrecognized_name"},      {116, "certificate_required"},
};

std::string AlertName(int alert) {
  for (const Alert& a : kAlerts) {
    if (a.code == alert) return a.name;
  }
  return absl::StrCat("alert ", alert);
}

}  // namespace

// ---- TlsClientConfig ----

struct TlsClientConfig::Mbed {
  Mbed() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
    mbedtls_ssl_config_init(&conf);
  }
  ~Mbed() {
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&cert);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;
  mbedtls_ssl_config conf;
};

TlsClientConfig::TlsClientConfig() : mbed_(std::make_unique<Mbed>()) {}
TlsClientConfig::~TlsClientConfig() = default;

absl::StatusOr<std::shared_ptr<const TlsClientConfig>> TlsClientConfig::Load(const TlsOptions& options) {
  std::shared_ptr<TlsClientConfig> config(new TlsClientConfig());
  Mbed& m = *config->mbed_;
  config->server_name_ = options.server_name;

  if (options.ca_file.empty() && options.ca_pem.empty()) {
    return absl::InvalidArgumentError("TLS: a CA certificate is required to verify the broker");
  }
  std::string source;
  MIG_ASSIGN_OR_RETURN(std::string ca, ReadPem(options.ca_file, options.ca_pem, "CA", &source));
  // PEM parsing wants the terminating NUL counted.
  int rc = mbedtls_x509_crt_parse(&m.ca, reinterpret_cast<const unsigned char*>(ca.c_str()), ca.size() + 1);
  if (rc < 0) return absl::InvalidArgumentError(absl::StrCat("TLS ", source, ": ", MbedError(rc)));
  if (rc > 0) {
    return absl::InvalidArgumentError(absl::StrCat("TLS ", source, ": ", rc, " certificate(s) could not be parsed"));
  }

  const bool has_cert = !options.cert_file.empty() || !options.cert_pem.empty();
  const bool has_key = !options.key_file.empty() || !options.key_pem.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError("TLS: a client certificate needs its key, and a key its certificate");
  }
  if (has_cert) {
    MIG_ASSIGN_OR_RETURN(std::string cert, ReadPem(options.cert_file, options.cert_pem, "certificate", &source));
    rc = mbedtls_x509_crt_parse(&m.cert, reinterpret_cast<const unsigned char*>(cert.c_str()), cert.size() + 1);
    if (rc != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS ", source, ": ", rc < 0 ? MbedError(rc) : "a certificate could not be parsed"));
    }
    std::string key_source;
    MIG_ASSIGN_OR_RETURN(std::string key, ReadPem(options.key_file, options.key_pem, "key", &key_source));
    rc = mbedtls_pk_parse_key(&m.key, reinterpret_cast<const unsigned char*>(key.c_str()), key.size() + 1, nullptr, 0);
    mbedtls_platform_zeroize(key.data(), key.size());
    if (rc != 0) return absl::InvalidArgumentError(absl::StrCat("TLS ", key_source, ": ", MbedError(rc)));
    if (mbedtls_pk_check_pair(&m.cert.pk, &m.key) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("TLS ", key_source, " is not the key of ", source));
    }
    config->has_client_certificate_ = true;
    config->client_common_name_ = CommonName(m.cert);
  }

  static constexpr char kPersonalization[] = "mig amqp tls client";
  rc = mbedtls_ctr_drbg_seed(&m.drbg, mbedtls_entropy_func, &m.entropy,
                             reinterpret_cast<const unsigned char*>(kPersonalization), sizeof(kPersonalization));
  if (rc != 0) return absl::InternalError(absl::StrCat("TLS random generator: ", MbedError(rc)));

  rc = mbedtls_ssl_config_defaults(&m.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return absl::InternalError(absl::StrCat("TLS configuration: ", MbedError(rc)));
  // TLS 1.2 only: older versions are broken, and mbedTLS 2.28 has no 1.3.
  mbedtls_ssl_conf_min_version(&m.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&m.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_authmode(&m.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&m.conf, &m.ca, nullptr);
  mbedtls_ssl_conf_rng(&m.conf, mbedtls_ctr_drbg_random, &m.drbg);
  if (has_cert) {
    rc = mbedtls_ssl_conf_own_cert(&m.conf, &m.cert, &m.key);
    if (rc != 0) return absl::InternalError(absl::StrCat("TLS client certificate: ", MbedError(rc)));
  }
  return std::shared_ptr<const TlsClientConfig>(std::move(config));
}

// ---- TlsSocket ----

struct TlsSocket::Session {
  Session() { mbedtls_ssl_init(&ssl); }
  ~Session() { mbedtls_ssl_free(&ssl); }
  mbedtls_ssl_context ssl;
  bool established = false;
};

// The glue between rabbitmq-c's socket operations and mbedTLS's I/O callbacks, and TlsSocket.
struct TlsSocketCallbacks {
  static TlsSocket* Self(void* self) { return static_cast<TlsSocket*>(self); }

  static ssize_t Send(void* self, const void* buf, size_t len, int /*flags*/) { return Self(self)->Send(buf, len); }
  static ssize_t Recv(void* self, void* buf, size_t len, int /*flags*/) { return Self(self)->Recv(buf, len); }
  static int Open(void* self, const char* host, int port, const timeval* timeout) {
    absl::Time deadline =
        timeout == nullptr ? absl::InfiniteFuture() : absl::Now() + absl::DurationFromTimeval(*timeout);
    absl::Status status = Self(self)->Connect(host, port, deadline);
    if (status.ok()) return AMQP_STATUS_OK;
    Self(self)->last_error_ = std::string(status.message());
    if (absl::IsDeadlineExceeded(status)) return AMQP_STATUS_TIMEOUT;
    if (absl::IsUnauthenticated(status)) return AMQP_STATUS_SSL_PEER_VERIFY_FAILED;
    return AMQP_STATUS_SSL_CONNECTION_FAILED;
  }
  static int Close(void* self, int force) { return Self(self)->Close(force != 0); }
  static int GetSockfd(void* self) { return Self(self)->fd_; }
  static void Destroy(void* self) { delete Self(self); }

  // mbedTLS's network I/O, on the non-blocking socket. MSG_NOSIGNAL: a broker that went away is an error
  // to report, not a SIGPIPE that kills the process.
  static int BioSend(void* self, const unsigned char* buf, size_t len) {
    TlsSocket* s = Self(self);
    for (;;) {
      ssize_t n = send(s->fd_, buf, len, MSG_NOSIGNAL);
      if (n >= 0) return static_cast<int>(n);
      if (errno == EINTR) continue;
      s->socket_errno_ = errno;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
      if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
      return MBEDTLS_ERR_NET_SEND_FAILED;
    }
  }
  static int BioRecv(void* self, unsigned char* buf, size_t len) {
    TlsSocket* s = Self(self);
    for (;;) {
      ssize_t n = recv(s->fd_, buf, len, 0);
      if (n >= 0) return static_cast<int>(n);  // 0: end of stream
      if (errno == EINTR) continue;
      s->socket_errno_ = errno;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
      if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
      return MBEDTLS_ERR_NET_RECV_FAILED;
    }
  }

  static constexpr MigAmqpSocketOps kOps = {&Send, &Recv, &Open, &Close, &GetSockfd, &Destroy};
};

TlsSocket::TlsSocket(std::shared_ptr<const TlsClientConfig> config) : config_(std::move(config)) {}

TlsSocket::~TlsSocket() {
  if (fd_ >= 0) Close(/*force=*/false);
}

absl::StatusOr<TlsSocket*> TlsSocket::Install(amqp_connection_state_t state,
                                              std::shared_ptr<const TlsClientConfig> config) {
  if (config == nullptr) return absl::InvalidArgumentError("TLS socket without a TLS configuration");
  auto socket = std::unique_ptr<TlsSocket>(new TlsSocket(std::move(config)));
  if (MigAmqpSocketNew(state, socket.get(), &TlsSocketCallbacks::kOps) == nullptr) {
    return absl::ResourceExhaustedError("out of memory for a TLS socket");
  }
  return socket.release();  // state owns it now
}

absl::Status TlsSocket::Connect(const std::string& host, int port, absl::Time deadline) {
  if (fd_ >= 0) return absl::FailedPreconditionError("TLS socket already connected");
  peer_ = absl::StrCat(host, ":", port);
  last_error_.clear();
  failed_ = false;
  const std::string& server_name = config_->server_name().empty() ? host : config_->server_name();

  MIG_ASSIGN_OR_RETURN(UniqueFd connected, net::ConnectTcp(host, port, deadline, {.keepalive = true}));
  fd_ = connected.release();  // closed by Close()
  session_ = std::make_unique<Session>();
  mbedtls_ssl_context* ssl = &session_->ssl;
  auto fail = [&](absl::Status status) {
    failed_ = true;
    Close(/*force=*/true);
    last_error_ = std::string(status.message());
    return status;
  };
  const std::string what = absl::StrCat("TLS handshake with ", peer_);
  if (int rc = mbedtls_ssl_setup(ssl, &config_->mbed_->conf); rc != 0) {
    return fail(absl::InternalError(absl::StrCat(what, ": ", MbedError(rc))));
  }
  // The name to verify in the broker's certificate, also sent as SNI.
  if (int rc = mbedtls_ssl_set_hostname(ssl, server_name.c_str()); rc != 0) {
    return fail(absl::InvalidArgumentError(absl::StrCat(what, ": server name '", server_name, "': ", MbedError(rc))));
  }
  mbedtls_ssl_set_bio(ssl, this, &TlsSocketCallbacks::BioSend, &TlsSocketCallbacks::BioRecv, nullptr);

  for (;;) {
    int rc = mbedtls_ssl_handshake(ssl);
    if (rc == 0) break;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      absl::Status waited = net::WaitForSocket(fd_, rc == MBEDTLS_ERR_SSL_WANT_WRITE, deadline);
      if (absl::IsDeadlineExceeded(waited)) return fail(absl::DeadlineExceededError(absl::StrCat(what, ": timed out")));
      if (!waited.ok()) return fail(absl::UnavailableError(absl::StrCat(what, ": ", waited.message())));
      continue;
    }
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
      char info[512];
      mbedtls_x509_crt_verify_info(info, sizeof(info), "", mbedtls_ssl_get_verify_result(ssl));
      std::vector<std::string> reasons = absl::StrSplit(absl::StripTrailingAsciiWhitespace(info), '\n');
      return fail(
          absl::UnauthenticatedError(absl::StrCat(what, ": the broker's certificate (expected name '", server_name,
                                                  "') failed verification: ", absl::StrJoin(reasons, "; "))));
    }
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
      // mbedTLS 2.28 leaves the alert record in in_msg: level, description.
      const int alert = ssl->in_msg != nullptr ? ssl->in_msg[1] : -1;
      std::string hint;
      if (!config_->has_client_certificate()) {
        hint = " (no client certificate was presented; the broker may require one)";
      } else if (alert == 40 || alert == 42 || alert == 46 || alert == 48) {
        hint = " (does the broker trust the CA that signed the client certificate?)";
      }
      return fail(absl::UnavailableError(
          absl::StrCat(what, ": the broker refused it with TLS alert ", AlertName(alert), hint)));
    }
    if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
      // A broker that refuses the client certificate may hang up before its alert is read.
      return fail(absl::UnavailableError(
          absl::StrCat(what, ": the broker closed the connection",
                       config_->has_client_certificate()
                           ? " (does it trust the CA that signed the client certificate? is this its TLS port?)"
                           : " (no client certificate was presented; the broker may require one)")));
    }
    std::string detail = MbedError(rc);
    if (rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == MBEDTLS_ERR_NET_RECV_FAILED) {
      absl::StrAppend(&detail, ": ", strerror(socket_errno_));
    }
    return fail(absl::UnavailableError(absl::StrCat(what, ": ", detail)));
  }
  session_->established = true;
  return absl::OkStatus();
}

std::string TlsSocket::negotiated() const {
  if (session_ == nullptr || !session_->established) return "";
  return absl::StrCat(mbedtls_ssl_get_version(&session_->ssl), " ", mbedtls_ssl_get_ciphersuite(&session_->ssl));
}

int TlsSocket::Fail(int mbedtls_error, const char* during) {
  failed_ = true;
  if (mbedtls_error == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || mbedtls_error == MBEDTLS_ERR_SSL_CONN_EOF) {
    last_error_ = absl::StrCat("the broker closed the TLS connection (", during, ")");
    return AMQP_STATUS_CONNECTION_CLOSED;
  }
  if (mbedtls_error == MBEDTLS_ERR_NET_CONN_RESET) {
    last_error_ = absl::StrCat("connection reset by the broker (", during, ")");
    return AMQP_STATUS_SOCKET_ERROR;
  }
  if (mbedtls_error == MBEDTLS_ERR_NET_SEND_FAILED || mbedtls_error == MBEDTLS_ERR_NET_RECV_FAILED) {
    last_error_ = absl::StrCat(during, ": ", strerror(socket_errno_));
    return AMQP_STATUS_SOCKET_ERROR;
  }
  last_error_ = absl::StrCat("TLS error (", during, "): ", MbedError(mbedtls_error));
  return AMQP_STATUS_SSL_ERROR;
}

ssize_t TlsSocket::Send(const void* buf, size_t len) {
  if (fd_ < 0 || session_ == nullptr || !session_->established) return AMQP_STATUS_SOCKET_CLOSED;
  int rc = mbedtls_ssl_write(&session_->ssl, static_cast<const unsigned char*>(buf), len);
  if (rc >= 0) return rc;
  // Would block: rabbitmq-c polls and calls again with the same data, as mbedTLS requires.
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return kMigAmqpSocketNeedWrite;
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return kMigAmqpSocketNeedRead;
  return Fail(rc, "sending");
}

ssize_t TlsSocket::Recv(void* buf, size_t len) {
  if (fd_ < 0 || session_ == nullptr || !session_->established) return AMQP_STATUS_SOCKET_CLOSED;
  int rc = mbedtls_ssl_read(&session_->ssl, static_cast<unsigned char*>(buf), len);
  if (rc > 0) return rc;
  if (rc == 0) return Fail(MBEDTLS_ERR_SSL_CONN_EOF, "receiving");
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return kMigAmqpSocketNeedRead;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return kMigAmqpSocketNeedWrite;
  return Fail(rc, "receiving");
}

int TlsSocket::Close(bool force) {
  if (fd_ < 0) return AMQP_STATUS_SOCKET_CLOSED;
  if (!force && !failed_ && session_ != nullptr && session_->established) {
    // One attempt, without waiting: the broker has already acknowledged the AMQP close.
    mbedtls_ssl_close_notify(&session_->ssl);
  }
  session_.reset();
  int rc = close(fd_);
  fd_ = -1;
  return rc == 0 ? AMQP_STATUS_OK : AMQP_STATUS_SOCKET_ERROR;
}

}  // namespace mig::amqp
