// Byte streams for HTTP over a connected non-blocking socket, plain or TLS, every wait bounded by a deadline
// and, for reads, cut short by a cancel signal; and a buffered Reader that takes HTTP's pieces off a stream.
//
//   PlainStream stream(fd);  // owns fd
//   Reader reader(&stream);
//   reader.set_deadline(absl::Now() + absl::Seconds(30));
//   MIG_ASSIGN_OR_RETURN(std::optional<std::string> head, reader.ReadHead(64 << 10));
//   MIG_RETURN_IF_ERROR(reader.ReadExactly(content_length, &body));
#ifndef MIG_HTTP_INTERNAL_STREAM_H_
#define MIG_HTTP_INTERNAL_STREAM_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/internal/tls.h"
#include "mbedtls/ssl.h"

namespace mig::http::internal {

// Errors of Read and Write: Unavailable (reset, broken pipe, TLS failure), DeadlineExceeded, Cancelled.
class Stream {
 public:
  explicit Stream(int fd) : fd_(fd) {}
  virtual ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Up to `size` bytes into `buffer`, waiting for at least one; 0 at the end of the stream.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd) = 0;
  // All of `data`.
  virtual absl::Status Write(std::string_view data, absl::Time deadline) = 0;
  // Whether input has been taken off the socket but not returned by Read yet (TLS records): polling the
  // socket cannot tell.
  virtual bool HasPendingInput() const { return false; }

  // Ends the session (TLS: close_notify, one attempt) and closes the socket; with `linger`, as
  // DrainBeforeClose (socket.h) does. The destructor closes without lingering.
  void Close(absl::Duration linger = absl::ZeroDuration());

  int fd() const { return fd_; }

 protected:
  virtual void EndSession() {}

  int fd_;
};

class PlainStream : public Stream {
 public:
  explicit PlainStream(int fd) : Stream(fd) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd) override;
  absl::Status Write(std::string_view data, absl::Time deadline) override;
};

class TlsStream : public Stream {
 public:
  // `server_name`: client side, the name the server's certificate must carry (also sent as SNI); server
  // side, "". Handshake must succeed before Read and Write.
  TlsStream(int fd, std::shared_ptr<const TlsConfig> config, std::string server_name = "");
  ~TlsStream() override;

  // Errors: Unauthenticated (the server's certificate failed verification: mbedTLS's reasons are listed),
  // Unavailable (the peer refused or broke off the handshake, or does not speak TLS), DeadlineExceeded,
  // Cancelled.
  absl::Status Handshake(absl::Time deadline, int cancel_fd);

  absl::StatusOr<size_t> Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd) override;
  absl::Status Write(std::string_view data, absl::Time deadline) override;
  bool HasPendingInput() const override;

 protected:
  void EndSession() override;

 private:
  static int BioSend(void* self, const unsigned char* buffer, size_t length);
  static int BioRecv(void* self, unsigned char* buffer, size_t length);
  // Waits as mbedTLS asked (WANT_READ, WANT_WRITE). Ok, or the error to return.
  absl::Status Wait(int rc, absl::Time deadline, int cancel_fd);
  absl::Status Fail(int rc);

  std::shared_ptr<const TlsConfig> config_;
  std::string server_name_;
  mbedtls_ssl_context ssl_;
  bool established_ = false;
  bool failed_ = false;  // no close_notify after a fatal error
  int socket_errno_ = 0;
};

// Reads HTTP's pieces off a stream through a buffer. Errors are the stream's, DataLoss if the stream ends in
// the middle of a piece, ResourceExhausted past a limit.
class Reader {
 public:
  explicit Reader(Stream* stream) : stream_(stream) {}

  // For every later read. Cancel: an fd that becomes readable to abandon reading (-1: none).
  void set_deadline(absl::Time deadline) { deadline_ = deadline; }
  void set_cancel_fd(int fd) { cancel_fd_ = fd; }

  // A message head: the start line and header fields up to (without) the empty line that ends them, after
  // skipping empty lines before it. nullopt if the stream ends before any byte of it. ResourceExhausted if
  // it is longer than max_bytes.
  absl::StatusOr<std::optional<std::string>> ReadHead(size_t max_bytes);
  // One line, without its LF or CRLF. ResourceExhausted if it is longer than max_bytes.
  absl::StatusOr<std::string> ReadLine(size_t max_bytes);
  // Exactly `n` bytes, appended to `out`.
  absl::Status ReadExactly(size_t n, std::string* out);
  // Everything up to the end of the stream, appended to `out`; ResourceExhausted once `out` would exceed
  // max_bytes.
  absl::Status ReadToEnd(size_t max_bytes, std::string* out);

  // Whether more input is at hand without waiting for the socket: buffered here or in the stream.
  bool HasBufferedInput() const { return start_ < buffer_.size() || stream_->HasPendingInput(); }
  // Whether any byte has been received since the last ReadHead began: a silent peer is not a slow one.
  bool ReceivedSinceHead() const { return received_since_head_; }

 private:
  // Reads more into the buffer. False at the end of the stream.
  absl::StatusOr<bool> Fill();
  std::string_view Buffered() const { return std::string_view(buffer_).substr(start_); }
  void Consume(size_t n);

  Stream* stream_;
  absl::Time deadline_ = absl::InfiniteFuture();
  int cancel_fd_ = -1;
  std::string buffer_;
  size_t start_ = 0;  // buffer_[start_..] is unread
  bool received_since_head_ = false;
};

}  // namespace mig::http::internal

#endif  // MIG_HTTP_INTERNAL_STREAM_H_
