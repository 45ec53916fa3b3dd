#include "base/net/stream.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/net/socket.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/x509_crt.h"

namespace mig::net {
namespace {

constexpr size_t kReadChunk = 16 << 10;
// Large bodies are read straight into their string, this much at a time.
constexpr size_t kBodyChunk = 256 << 10;

// Whether `name` is an IPv4 or IPv6 literal, which mbedTLS 2.28 cannot match against a certificate.
bool LooksLikeAddress(std::string_view name) {
  return !name.empty() &&
         (name.find(':') != std::string_view::npos || name.find_first_not_of("0123456789.") == std::string_view::npos);
}

}  // namespace

// ---- Stream ----

Stream::~Stream() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<size_t> Stream::Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd) {
  for (;;) {
    absl::StatusOr<Progress> read = TryRead(buffer, size);
    if (!read.ok()) return read.status();
    if (read->await == Await::kNothing) return read->bytes;
    if (absl::Status waited = WaitForSocket(fd_, read->await == Await::kWritable, deadline, cancel_fd); !waited.ok()) {
      return waited;
    }
  }
}

absl::Status Stream::Write(std::string_view data, absl::Time deadline) {
  while (!data.empty()) {
    absl::StatusOr<Progress> written = TryWrite(data);
    if (!written.ok()) return written.status();
    data.remove_prefix(written->bytes);
    if (written->await == Await::kNothing) {
      if (written->bytes == 0) return absl::UnavailableError("the connection took no bytes");
      continue;
    }
    if (absl::Status waited = WaitForSocket(fd_, written->await == Await::kWritable, deadline); !waited.ok()) {
      return waited;
    }
  }
  return absl::OkStatus();
}

void Stream::Close(bool end_session) {
  if (fd_ < 0) return;
  if (end_session) EndSession();
  close(fd_);
  fd_ = -1;
}

void Stream::CloseOutput() {
  if (fd_ < 0) return;
  EndSession();
  shutdown(fd_, SHUT_WR);
}

void Stream::Abort() {
  if (fd_ < 0) return;
  // Linger with a zero timeout: close sends a reset and frees the socket's buffers at once.
  const linger reset{.l_onoff = 1, .l_linger = 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  close(fd_);
  fd_ = -1;
}

// ---- PlainStream ----

absl::StatusOr<Progress> PlainStream::TryRead(char* buffer, size_t size) {
  for (;;) {
    ssize_t n = recv(fd_, buffer, size, 0);
    if (n >= 0) return Progress{.bytes = static_cast<size_t>(n)};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Progress{.await = Await::kReadable};
    return absl::UnavailableError(strerror(errno));
  }
}

absl::StatusOr<Progress> PlainStream::TryWrite(std::string_view data) {
  for (;;) {
    // MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE that kills the process.
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return Progress{.bytes = static_cast<size_t>(n)};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Progress{.await = Await::kWritable};
    return absl::UnavailableError(strerror(errno));
  }
}

// ---- TlsStream ----

TlsStream::TlsStream(int fd, std::shared_ptr<const TlsConfig> config, std::string server_name)
    : Stream(fd), config_(std::move(config)), server_name_(std::move(server_name)) {
  mbedtls_ssl_init(&ssl_);
}

TlsStream::~TlsStream() {
  Close();
  mbedtls_ssl_free(&ssl_);
}

int TlsStream::BioSend(void* self, const unsigned char* buffer, size_t length) {
  TlsStream* s = static_cast<TlsStream*>(self);
  for (;;) {
    ssize_t n = send(s->fd_, buffer, length, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    s->socket_errno_ = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int TlsStream::BioRecv(void* self, unsigned char* buffer, size_t length) {
  TlsStream* s = static_cast<TlsStream*>(self);
  for (;;) {
    ssize_t n = recv(s->fd_, buffer, length, 0);
    if (n >= 0) return static_cast<int>(n);  // 0: end of stream
    if (errno == EINTR) continue;
    s->socket_errno_ = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

absl::Status TlsStream::Fail(int rc) {
  failed_ = true;
  if (rc == MBEDTLS_ERR_NET_CONN_RESET) return absl::UnavailableError("connection reset by peer");
  if (rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == MBEDTLS_ERR_NET_RECV_FAILED) {
    return absl::UnavailableError(strerror(socket_errno_));
  }
  return absl::UnavailableError(absl::StrCat("TLS: ", MbedError(rc)));
}

absl::Status TlsStream::SetUp() {
  if (int rc = mbedtls_ssl_setup(&ssl_, config_->conf()); rc != 0) {
    failed_ = true;
    return absl::InternalError(absl::StrCat("TLS setup: ", MbedError(rc)));
  }
  if (!server_name_.empty()) {
    if (int rc = mbedtls_ssl_set_hostname(&ssl_, server_name_.c_str()); rc != 0) {
      failed_ = true;
      return absl::InvalidArgumentError(absl::StrCat("TLS server name '", server_name_, "': ", MbedError(rc)));
    }
  }
  mbedtls_ssl_set_bio(&ssl_, this, &TlsStream::BioSend, &TlsStream::BioRecv, nullptr);
  set_up_ = true;
  return absl::OkStatus();
}

absl::Status TlsStream::HandshakeError(int rc) {
  failed_ = true;
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    handshake_failure_ = HandshakeFailure::kCertificate;
    char info[512];
    mbedtls_x509_crt_verify_info(info, sizeof(info), "", mbedtls_ssl_get_verify_result(&ssl_));
    std::vector<std::string> reasons = absl::StrSplit(absl::StripTrailingAsciiWhitespace(info), '\n');
    return absl::UnauthenticatedError(absl::StrCat(
        "the server's certificate (expected name '", server_name_,
        "') failed verification: ", absl::StrJoin(reasons, "; "),
        LooksLikeAddress(server_name_) ? " (mbedTLS matches DNS names only: give the certificate's name as "
                                         "the server name)"
                                       : ""));
  }
  if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    handshake_failure_ = HandshakeFailure::kAlert;
    // mbedTLS 2.28 leaves the alert record in in_msg: level, description.
    alert_ = ssl_.in_msg != nullptr ? ssl_.in_msg[1] : -1;
    return absl::UnavailableError(absl::StrCat("the peer refused the TLS handshake with ", TlsAlertName(alert_)));
  }
  if (rc == MBEDTLS_ERR_SSL_CONN_EOF || rc == MBEDTLS_ERR_NET_CONN_RESET) {
    handshake_failure_ = HandshakeFailure::kClosed;
    return absl::UnavailableError("the peer closed the connection during the TLS handshake");
  }
  if (rc == MBEDTLS_ERR_SSL_INVALID_RECORD || rc == MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO ||
      rc == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO) {
    handshake_failure_ = HandshakeFailure::kNotTls;
    return absl::UnavailableError(
        absl::StrCat("TLS handshake: ", MbedError(rc), " (does the peer speak TLS on this port?)"));
  }
  handshake_failure_ = HandshakeFailure::kOther;
  absl::Status error = Fail(rc);
  return absl::UnavailableError(absl::StrCat("TLS handshake: ", error.message()));
}

absl::StatusOr<Await> TlsStream::TryHandshake() {
  if (established_) return Await::kNothing;
  if (failed_) return absl::FailedPreconditionError("the TLS handshake failed already");
  if (!set_up_) {
    if (absl::Status status = SetUp(); !status.ok()) return status;
  }
  const int rc = mbedtls_ssl_handshake(&ssl_);
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Await::kReadable;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Await::kWritable;
  if (rc != 0) return HandshakeError(rc);
  established_ = true;
  return Await::kNothing;
}

absl::Status TlsStream::Handshake(absl::Time deadline, int cancel_fd) {
  for (;;) {
    absl::StatusOr<Await> step = TryHandshake();
    if (!step.ok()) return step.status();
    if (*step == Await::kNothing) return absl::OkStatus();
    if (absl::Status waited = WaitForSocket(fd_, *step == Await::kWritable, deadline, cancel_fd); !waited.ok()) {
      return absl::Status(waited.code(), absl::StrCat("TLS handshake: ", waited.message()));
    }
  }
}

absl::StatusOr<Progress> TlsStream::TryRead(char* buffer, size_t size) {
  if (!established_ || failed_) return absl::FailedPreconditionError("TLS session not established");
  const int rc = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buffer), size);
  if (rc > 0) return Progress{.bytes = static_cast<size_t>(rc)};
  // Many peers end an HTTP exchange by closing the socket without close_notify; HTTP's own framing says
  // whether the message was complete.
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) return Progress{};
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Progress{.await = Await::kReadable};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Progress{.await = Await::kWritable};
  return Fail(rc);
}

absl::StatusOr<Progress> TlsStream::TryWrite(std::string_view data) {
  if (!established_ || failed_) return absl::FailedPreconditionError("TLS session not established");
  const int rc = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  if (rc >= 0) return Progress{.bytes = static_cast<size_t>(rc)};
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Progress{.await = Await::kReadable};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Progress{.await = Await::kWritable};
  return Fail(rc);
}

bool TlsStream::HasPendingInput() const {
  return established_ && !failed_ && (mbedtls_ssl_get_bytes_avail(&ssl_) > 0 || mbedtls_ssl_check_pending(&ssl_) != 0);
}

std::string TlsStream::negotiated() const {
  if (!established_) return "";
  return absl::StrCat(mbedtls_ssl_get_version(&ssl_), " ", mbedtls_ssl_get_ciphersuite(&ssl_));
}

void TlsStream::EndSession() {
  if (established_ && !failed_) mbedtls_ssl_close_notify(&ssl_);
  established_ = false;
}

// ---- Reader ----

absl::StatusOr<bool> Reader::Fill() {
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > kReadChunk && start_ > buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunk);
  absl::StatusOr<size_t> n = stream_->Read(buffer_.data() + old_size, kReadChunk, deadline_);
  buffer_.resize(old_size + (n.ok() ? *n : 0));
  if (!n.ok()) return n.status();
  return *n > 0;
}

void Reader::Consume(size_t n) {
  start_ += n;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
}

absl::StatusOr<bool> Reader::Feed(absl::FunctionRef<absl::StatusOr<size_t>(std::string_view)> take,
                                  absl::FunctionRef<bool()> done) {
  for (;;) {
    if (start_ < buffer_.size()) {
      absl::StatusOr<size_t> taken = take(Buffered());
      if (!taken.ok()) return taken.status();
      Consume(*taken);
    }
    if (done()) return true;
    absl::StatusOr<bool> more = Fill();
    if (!more.ok() || !*more) return more;
  }
}

absl::Status Reader::ReadExactly(size_t n, std::string* out) {
  const size_t from_buffer = std::min(n, buffer_.size() - start_);
  out->append(buffer_, start_, from_buffer);
  Consume(from_buffer);
  size_t left = n - from_buffer;
  while (left > 0) {
    const size_t old_size = out->size();
    const size_t chunk = std::min(left, kBodyChunk);
    out->resize(old_size + chunk);
    absl::StatusOr<size_t> got = stream_->Read(out->data() + old_size, chunk, deadline_);
    out->resize(old_size + (got.ok() ? *got : 0));
    if (!got.ok()) return got.status();
    if (*got == 0) {
      return absl::DataLossError(absl::StrCat("the connection closed after ", n - left, " of ", n, " bytes"));
    }
    left -= *got;
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadToEnd(size_t max_bytes, std::string* out) {
  auto too_long = [&] { return absl::ResourceExhaustedError(absl::StrCat("longer than ", max_bytes, " bytes")); };
  if (out->size() + (buffer_.size() - start_) > max_bytes) return too_long();
  out->append(buffer_, start_, std::string::npos);
  Consume(buffer_.size() - start_);
  for (;;) {
    const size_t old_size = out->size();
    // One byte past the limit, to tell "exactly max_bytes" from "more".
    const size_t chunk = std::min(kBodyChunk, max_bytes - old_size + 1);
    out->resize(old_size + chunk);
    absl::StatusOr<size_t> got = stream_->Read(out->data() + old_size, chunk, deadline_);
    out->resize(old_size + (got.ok() ? *got : 0));
    if (!got.ok()) return got.status();
    if (*got == 0) return absl::OkStatus();
    if (out->size() > max_bytes) return too_long();
  }
}

}  // namespace mig::net
