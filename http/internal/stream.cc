#include "http/internal/stream.h"

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
#include "http/internal/socket.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/x509_crt.h"

namespace mig::http::internal {
namespace {

constexpr size_t kReadChunk = 16 << 10;
// Large bodies are read straight into their string, this much at a time.
constexpr size_t kBodyChunk = 256 << 10;

bool IsWant(int rc) { return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE; }

// TLS alerts (RFC 5246 7.2) a peer is likely to end a handshake with.
std::string AlertName(int alert) {
  struct Alert {
    int code;
    const char* name;
  };
  static constexpr Alert kAlerts[] = {
      {40, "handshake_failure"},     {42, "bad_certificate"}, {46, "certificate_unknown"},
      {47, "illegal_parameter"},     {48, "unknown_ca"},      {70, "protocol_version"},
      {71, "insufficient_security"}, {80, "internal_error"},  {112, "unrecognized_name"},
  };
  for (const Alert& a : kAlerts) {
    if (a.code == alert) return a.name;
  }
  return absl::StrCat("alert ", alert);
}

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

void Stream::Close(absl::Duration linger) {
  if (fd_ < 0) return;
  EndSession();
  if (linger > absl::ZeroDuration()) DrainBeforeClose(fd_, linger);
  close(fd_);
  fd_ = -1;
}

// ---- PlainStream ----

absl::StatusOr<size_t> PlainStream::Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd) {
  for (;;) {
    ssize_t n = recv(fd_, buffer, size, 0);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return absl::UnavailableError(strerror(errno));
    if (absl::Status waited = WaitForSocket(fd_, /*write=*/false, deadline, cancel_fd); !waited.ok()) return waited;
  }
}

absl::Status PlainStream::Write(std::string_view data, absl::Time deadline) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE that kills the process.
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return absl::UnavailableError(strerror(errno));
    if (absl::Status waited = WaitForSocket(fd_, /*write=*/true, deadline); !waited.ok()) return waited;
  }
  return absl::OkStatus();
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

absl::Status TlsStream::Wait(int rc, absl::Time deadline, int cancel_fd) {
  absl::Status waited = WaitForSocket(fd_, /*write=*/rc == MBEDTLS_ERR_SSL_WANT_WRITE, deadline, cancel_fd);
  if (!waited.ok()) failed_ = true;  // a TLS record may be half sent: no close_notify after it
  return waited;
}

absl::Status TlsStream::Fail(int rc) {
  failed_ = true;
  if (rc == MBEDTLS_ERR_NET_CONN_RESET) return absl::UnavailableError("connection reset by peer");
  if (rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == MBEDTLS_ERR_NET_RECV_FAILED) {
    return absl::UnavailableError(strerror(socket_errno_));
  }
  return absl::UnavailableError(absl::StrCat("TLS: ", MbedError(rc)));
}

absl::Status TlsStream::Handshake(absl::Time deadline, int cancel_fd) {
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
  for (;;) {
    int rc = mbedtls_ssl_handshake(&ssl_);
    if (rc == 0) break;
    if (IsWant(rc)) {
      if (absl::Status waited = Wait(rc, deadline, cancel_fd); !waited.ok()) {
        return absl::Status(waited.code(), absl::StrCat("TLS handshake: ", waited.message()));
      }
      continue;
    }
    failed_ = true;
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
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
      // mbedTLS 2.28 leaves the alert record in in_msg: level, description.
      const int alert = ssl_.in_msg != nullptr ? ssl_.in_msg[1] : -1;
      return absl::UnavailableError(absl::StrCat("the peer refused the TLS handshake with ", AlertName(alert)));
    }
    if (rc == MBEDTLS_ERR_SSL_CONN_EOF || rc == MBEDTLS_ERR_NET_CONN_RESET) {
      return absl::UnavailableError("the peer closed the connection during the TLS handshake");
    }
    if (rc == MBEDTLS_ERR_SSL_INVALID_RECORD || rc == MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO ||
        rc == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO) {
      return absl::UnavailableError(
          absl::StrCat("TLS handshake: ", MbedError(rc), " (does the peer speak TLS on this port?)"));
    }
    absl::Status error = Fail(rc);
    return absl::UnavailableError(absl::StrCat("TLS handshake: ", error.message()));
  }
  established_ = true;
  return absl::OkStatus();
}

absl::StatusOr<size_t> TlsStream::Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd) {
  if (!established_ || failed_) return absl::FailedPreconditionError("TLS session not established");
  for (;;) {
    int rc = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buffer), size);
    if (rc > 0) return static_cast<size_t>(rc);
    // Many peers end an HTTP exchange by closing the socket without close_notify; HTTP's own framing says
    // whether the message was complete.
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) return 0;
    if (!IsWant(rc)) return Fail(rc);
    if (absl::Status waited = Wait(rc, deadline, cancel_fd); !waited.ok()) return waited;
  }
}

absl::Status TlsStream::Write(std::string_view data, absl::Time deadline) {
  if (!established_ || failed_) return absl::FailedPreconditionError("TLS session not established");
  while (!data.empty()) {
    // After WANT_*, mbedTLS must be called again with the same data, as this loop does.
    int rc = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    if (rc >= 0) {
      data.remove_prefix(static_cast<size_t>(rc));
      continue;
    }
    if (!IsWant(rc)) return Fail(rc);
    if (absl::Status waited = Wait(rc, deadline, /*cancel_fd=*/-1); !waited.ok()) return waited;
  }
  return absl::OkStatus();
}

bool TlsStream::HasPendingInput() const {
  return established_ && !failed_ && (mbedtls_ssl_get_bytes_avail(&ssl_) > 0 || mbedtls_ssl_check_pending(&ssl_) != 0);
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
  absl::StatusOr<size_t> n = stream_->Read(buffer_.data() + old_size, kReadChunk, deadline_, cancel_fd_);
  buffer_.resize(old_size + (n.ok() ? *n : 0));
  if (!n.ok()) return n.status();
  if (*n > 0) received_since_head_ = true;
  return *n > 0;
}

void Reader::Consume(size_t n) {
  start_ += n;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
}

absl::StatusOr<std::optional<std::string>> Reader::ReadHead(size_t max_bytes) {
  auto too_long = [&] {
    return absl::ResourceExhaustedError(absl::StrCat("the message head is longer than ", max_bytes, " bytes"));
  };
  received_since_head_ = start_ < buffer_.size();
  size_t scanned = 0;  // of Buffered(), without the end of the head
  size_t skipped = 0;
  for (;;) {
    std::string_view buffered = Buffered();
    if (scanned == 0) {
      // Empty lines before a message are to be ignored (RFC 9112 2.2).
      size_t skip = 0;
      while (skip < buffered.size()) {
        if (buffered[skip] == '\n') {
          ++skip;
        } else if (buffered.substr(skip, 2) == "\r\n") {
          skip += 2;
        } else {
          break;
        }
      }
      skipped += skip;
      if (skipped > max_bytes) return too_long();
      Consume(skip);
      buffered = Buffered();
      if (buffered == "\r") buffered = "";  // maybe the start of one more empty line
    }
    // The head ends with an empty line: "\n\n" or "\n\r\n".
    for (size_t newline = buffered.find('\n', scanned); newline != std::string_view::npos;
         newline = buffered.find('\n', newline + 1)) {
      std::string_view rest = buffered.substr(newline + 1);
      size_t end_length = rest.substr(0, 1) == "\n" ? 1 : rest.substr(0, 2) == "\r\n" ? 2 : 0;
      if (end_length == 0) continue;
      std::string head(absl::StripSuffix(buffered.substr(0, newline), "\r"));
      if (head.size() > max_bytes) return too_long();
      Consume(newline + 1 + end_length);
      return head;
    }
    // Beyond the limit, and the 4 bytes of CRLF CRLF that may still end the head within it.
    if (buffered.size() > max_bytes + 4) return too_long();
    // The last bytes may be the start of the empty line.
    scanned = buffered.size() > 2 ? buffered.size() - 2 : 0;
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more) {
      if (Buffered().empty() || Buffered() == "\r") return std::nullopt;
      return absl::DataLossError("the connection closed in the middle of the message head");
    }
  }
}

absl::StatusOr<std::string> Reader::ReadLine(size_t max_bytes) {
  size_t scanned = 0;
  for (;;) {
    std::string_view buffered = Buffered();
    size_t newline = buffered.find('\n', scanned);
    if (newline != std::string_view::npos && newline <= max_bytes + 1) {
      std::string line(absl::StripSuffix(buffered.substr(0, newline), "\r"));
      Consume(newline + 1);
      if (line.size() > max_bytes) break;
      return line;
    }
    if (newline != std::string_view::npos || buffered.size() > max_bytes + 1) break;
    scanned = buffered.size();
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more) return absl::DataLossError("the connection closed in the middle of a line");
  }
  return absl::ResourceExhaustedError(absl::StrCat("a line is longer than ", max_bytes, " bytes"));
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
    absl::StatusOr<size_t> got = stream_->Read(out->data() + old_size, chunk, deadline_, cancel_fd_);
    out->resize(old_size + (got.ok() ? *got : 0));
    if (!got.ok()) return got.status();
    if (*got == 0) {
      return absl::DataLossError(absl::StrCat("the connection closed after ", n - left, " of ", n, " bytes"));
    }
    received_since_head_ = true;
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
    absl::StatusOr<size_t> got = stream_->Read(out->data() + old_size, chunk, deadline_, cancel_fd_);
    out->resize(old_size + (got.ok() ? *got : 0));
    if (!got.ok()) return got.status();
    if (*got == 0) return absl::OkStatus();
    if (out->size() > max_bytes) return too_long();
  }
}

}  // namespace mig::http::internal
