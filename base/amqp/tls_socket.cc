#include "base/amqp/tls_socket.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/amqp/internal/socket_glue.h"
#include "base/files.h"
#include "base/net/socket.h"
#include "base/net/stream.h"
#include "base/net/tls.h"
#include "base/status_macros.h"
#include "base/unique_fd.h"
#include "mbedtls/platform_util.h"

namespace mig::amqp {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

// The PEM text of one credential: from its file, or as given. `what` names it in errors ("CA", ...).
absl::StatusOr<net::Pem> ReadPem(const std::string& file, const std::string& pem, std::string_view what) {
  if (!file.empty() && !pem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("TLS ", what, ": give a file or PEM text, not both"));
  }
  if (file.empty()) return net::Pem{pem, absl::StrCat(what, " (PEM text)")};
  absl::StatusOr<std::string> text = ReadFileBounded(file, kMaxPemBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("TLS ", what, ": ", text.status().message()));
  }
  return net::Pem{*std::move(text), absl::StrCat(what, " ", file)};
}

}  // namespace

// ---- TlsClientConfig ----

absl::StatusOr<std::shared_ptr<const TlsClientConfig>> TlsClientConfig::Load(const TlsOptions& options) {
  if (options.ca_file.empty() && options.ca_pem.empty()) {
    return absl::InvalidArgumentError("TLS: a CA certificate is required to verify the broker");
  }
  net::ClientCredentials credentials;
  MIG_ASSIGN_OR_RETURN(credentials.ca, ReadPem(options.ca_file, options.ca_pem, "CA"));
  const bool has_cert = !options.cert_file.empty() || !options.cert_pem.empty();
  const bool has_key = !options.key_file.empty() || !options.key_pem.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError("TLS: a client certificate needs its key, and a key its certificate");
  }
  if (has_cert) {
    MIG_ASSIGN_OR_RETURN(credentials.certificate, ReadPem(options.cert_file, options.cert_pem, "certificate"));
    MIG_ASSIGN_OR_RETURN(credentials.key, ReadPem(options.key_file, options.key_pem, "key"));
  }
  absl::StatusOr<std::shared_ptr<const net::TlsConfig>> tls = net::TlsConfig::ForClient(credentials);
  mbedtls_platform_zeroize(credentials.key.text.data(), credentials.key.text.size());
  if (!tls.ok()) return tls.status();
  return std::shared_ptr<const TlsClientConfig>(new TlsClientConfig(*std::move(tls), options.server_name));
}

// ---- TlsSocket ----

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
  static int GetSockfd(void* self) { return Self(self)->fd(); }
  static void Destroy(void* self) { delete Self(self); }

  static constexpr MigAmqpSocketOps kOps = {&Send, &Recv, &Open, &Close, &GetSockfd, &Destroy};
};

TlsSocket::TlsSocket(std::shared_ptr<const TlsClientConfig> config) : config_(std::move(config)) {}

TlsSocket::~TlsSocket() { Close(/*force=*/false); }

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
  if (stream_ != nullptr) return absl::FailedPreconditionError("TLS socket already connected");
  peer_ = absl::StrCat(host, ":", port);
  last_error_.clear();
  const std::string& server_name = config_->server_name().empty() ? host : config_->server_name();
  const std::string what = absl::StrCat("TLS handshake with ", peer_);
  MIG_ASSIGN_OR_RETURN(UniqueFd connected, net::ConnectTcp(host, port, deadline, {.keepalive = true}));
  stream_ = std::make_unique<net::TlsStream>(connected.release(), config_->tls(), server_name);
  absl::Status handshake = stream_->Handshake(deadline, /*cancel_fd=*/-1);
  if (handshake.ok()) return absl::OkStatus();

  // What a broker that refuses a handshake most often wants.
  std::string hint;
  const bool presented = config_->has_client_certificate();
  const int alert = stream_->alert();
  switch (stream_->handshake_failure()) {
    case net::TlsStream::HandshakeFailure::kAlert:
      if (!presented) {
        hint = " (no client certificate was presented; the broker may require one)";
      } else if (alert == 40 || alert == 42 || alert == 46 || alert == 48) {
        hint = " (does the broker trust the CA that signed the client certificate?)";
      }
      break;
    case net::TlsStream::HandshakeFailure::kClosed:
      // A broker that refuses the client certificate may hang up before its alert is read.
      hint = presented ? " (does the broker trust the CA that signed the client certificate? is this its TLS port?)"
                       : " (no client certificate was presented; the broker may require one)";
      break;
    default:
      break;
  }
  absl::Status error = absl::IsDeadlineExceeded(handshake)
                           ? absl::DeadlineExceededError(absl::StrCat(what, ": timed out"))
                           : absl::Status(handshake.code(), absl::StrCat(what, ": ", handshake.message(), hint));
  Close(/*force=*/true);
  last_error_ = std::string(error.message());
  return error;
}

std::string TlsSocket::negotiated() const { return stream_ != nullptr ? stream_->negotiated() : ""; }

int TlsSocket::Fail(const absl::Status& error, const char* during) {
  last_error_ = absl::StrCat(during, ": ", error.message());
  return AMQP_STATUS_SOCKET_ERROR;
}

ssize_t TlsSocket::Send(const void* buf, size_t len) {
  if (!established()) return AMQP_STATUS_SOCKET_CLOSED;
  absl::StatusOr<net::Progress> sent = stream_->TryWrite(std::string_view(static_cast<const char*>(buf), len));
  if (!sent.ok()) return Fail(sent.status(), "sending");
  // Would block: rabbitmq-c polls and calls again with the same data, as mbedTLS requires.
  if (sent->await == net::Await::kWritable) return kMigAmqpSocketNeedWrite;
  if (sent->await == net::Await::kReadable) return kMigAmqpSocketNeedRead;
  return static_cast<ssize_t>(sent->bytes);
}

ssize_t TlsSocket::Recv(void* buf, size_t len) {
  if (!established()) return AMQP_STATUS_SOCKET_CLOSED;
  absl::StatusOr<net::Progress> received = stream_->TryRead(static_cast<char*>(buf), len);
  if (!received.ok()) return Fail(received.status(), "receiving");
  if (received->await == net::Await::kReadable) return kMigAmqpSocketNeedRead;
  if (received->await == net::Await::kWritable) return kMigAmqpSocketNeedWrite;
  if (received->bytes == 0) {
    last_error_ = "the broker closed the TLS connection (receiving)";
    return AMQP_STATUS_CONNECTION_CLOSED;
  }
  return static_cast<ssize_t>(received->bytes);
}

int TlsSocket::Close(bool force) {
  if (stream_ == nullptr) return AMQP_STATUS_SOCKET_CLOSED;
  // Not forced: one close_notify, without waiting (the broker has already acknowledged the AMQP close).
  stream_->Close(/*end_session=*/!force);
  stream_.reset();
  return AMQP_STATUS_OK;
}

}  // namespace mig::amqp
