// Byte streams over a connected non-blocking socket, plain or TLS, and a buffered Reader for blocking use:
// what HTTP (client and server) and the AMQP client's TLS socket are written on.
//
// Each stream has a non-blocking side for an event loop (TryRead, TryWrite, and TlsStream::TryHandshake
// say what they are waiting for, and never wait), and a blocking side built on it (Read, Write,
// Handshake), every wait bounded by a deadline and, for reads, cut short by a cancel signal.
//
//   PlainStream stream(fd);  // owns fd
//   absl::StatusOr<Progress> read = stream.TryRead(buffer, sizeof(buffer));
//   if (read.ok() && read->await == Await::kReadable) ...  // nothing yet: watch the socket, come back
//
//   Reader reader(&stream);
//   reader.set_deadline(absl::Now() + absl::Seconds(30));
//   MIG_RETURN_IF_ERROR(reader.ReadExactly(content_length, &body));
#ifndef MIG_BASE_NET_STREAM_H_
#define MIG_BASE_NET_STREAM_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/net/tls.h"
#include "mbedtls/ssl.h"

namespace mig::net {

// What a non-blocking operation waits for before it can go on.
enum class Await { kNothing, kReadable, kWritable };

// What a non-blocking read or write did: moved `bytes`, or, with none, waits for `await`. A read that moved
// nothing and waits for nothing is the end of the stream.
struct Progress {
  size_t bytes = 0;
  Await await = Await::kNothing;
};

// Errors: Unavailable (reset, broken pipe, TLS failure), and for the blocking calls DeadlineExceeded and
// Cancelled.
class Stream {
 public:
  explicit Stream(int fd) : fd_(fd) {}
  virtual ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Up to `size` bytes into `buffer`, as many as are at hand, without waiting.
  virtual absl::StatusOr<Progress> TryRead(char* buffer, size_t size) = 0;
  // A prefix of `data`, as much as the socket takes, without waiting. After a Progress that waits, call it
  // again with the same data (mbedTLS requires it).
  virtual absl::StatusOr<Progress> TryWrite(std::string_view data) = 0;
  // Whether input has been taken off the socket but not returned by TryRead yet (TLS records): polling the
  // socket cannot tell.
  virtual bool HasPendingInput() const { return false; }

  // Blocking: up to `size` bytes, waiting for at least one; 0 at the end of the stream.
  absl::StatusOr<size_t> Read(char* buffer, size_t size, absl::Time deadline, int cancel_fd = -1);
  // Blocking: all of `data`.
  absl::Status Write(std::string_view data, absl::Time deadline);

  // Ends the session (TLS: close_notify, one attempt without waiting) and closes the socket. The destructor
  // does the same. `end_session` false: closes without a word to the peer (a connection being abandoned).
  void Close(bool end_session = true);
  // Ends the session and stops sending (the peer reads the end of the stream); the socket stays open so
  // that what the peer still sends can be read and discarded (DiscardInput, socket.h) until Close.
  void CloseOutput();
  // Closes with a reset, dropping whatever the kernel still holds to send: for a peer that stopped reading,
  // whose unsent data would otherwise keep the kernel busy retrying after close.
  void Abort();

  int fd() const { return fd_; }

 protected:
  virtual void EndSession() {}

  int fd_;
};

class PlainStream : public Stream {
 public:
  explicit PlainStream(int fd) : Stream(fd) {}
  absl::StatusOr<Progress> TryRead(char* buffer, size_t size) override;
  absl::StatusOr<Progress> TryWrite(std::string_view data) override;
};

class TlsStream : public Stream {
 public:
  // `server_name`: client side, the name the server's certificate must carry (also sent as SNI); server
  // side, "". The handshake must be done before reads and writes.
  TlsStream(int fd, std::shared_ptr<const TlsConfig> config, std::string server_name = "");
  ~TlsStream() override;

  // Non-blocking: advances the handshake as far as the bytes at hand allow; kNothing once it is done.
  // Errors: Unauthenticated (the server's certificate failed verification: mbedTLS's reasons are listed),
  // Unavailable (the peer refused or broke off the handshake, or does not speak TLS), Internal.
  absl::StatusOr<Await> TryHandshake();
  // Blocking: the whole handshake. TryHandshake's errors, DeadlineExceeded, Cancelled.
  absl::Status Handshake(absl::Time deadline, int cancel_fd);

  absl::StatusOr<Progress> TryRead(char* buffer, size_t size) override;
  absl::StatusOr<Progress> TryWrite(std::string_view data) override;
  bool HasPendingInput() const override;

  // After a failed handshake, what went wrong, for a caller that knows what its peer may want (the AMQP
  // client says a broker may require a client certificate).
  enum class HandshakeFailure { kNone, kCertificate, kAlert, kClosed, kNotTls, kOther };
  HandshakeFailure handshake_failure() const { return handshake_failure_; }
  int alert() const { return alert_; }  // with kAlert: the alert's description code
  bool established() const { return established_; }
  // The negotiated protocol and cipher suite ("TLSv1.2 TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384"), or "".
  std::string negotiated() const;

 protected:
  void EndSession() override;

 private:
  static int BioSend(void* self, const unsigned char* buffer, size_t length);
  static int BioRecv(void* self, unsigned char* buffer, size_t length);
  absl::Status SetUp();
  absl::Status HandshakeError(int rc);
  absl::Status Fail(int rc);

  std::shared_ptr<const TlsConfig> config_;
  std::string server_name_;
  mbedtls_ssl_context ssl_;
  bool set_up_ = false;
  bool established_ = false;
  bool failed_ = false;  // no close_notify after a fatal error
  int socket_errno_ = 0;
  HandshakeFailure handshake_failure_ = HandshakeFailure::kNone;
  int alert_ = -1;
};

// Reads a stream through a buffer, blocking, with one deadline for every read: the client's side, and
// what the decoders of wire.h (ReadHead, ReadChunkedBody) read through. Errors are the stream's, DataLoss
// if the stream ends in the middle of a piece, ResourceExhausted past a limit.
class Reader {
 public:
  explicit Reader(Stream* stream) : stream_(stream) {}

  void set_deadline(absl::Time deadline) { deadline_ = deadline; }

  // Hands the unread input, then more as it arrives, to `take` until `done()`: `take` returns how many
  // bytes it took from the front of what it is given, which is all of them unless it is done. False if the
  // stream ends first; `take`'s errors.
  absl::StatusOr<bool> Feed(absl::FunctionRef<absl::StatusOr<size_t>(std::string_view)> take,
                            absl::FunctionRef<bool()> done);
  // Exactly `n` bytes, appended to `out`.
  absl::Status ReadExactly(size_t n, std::string* out);
  // Everything up to the end of the stream, appended to `out`; ResourceExhausted once `out` would exceed
  // max_bytes.
  absl::Status ReadToEnd(size_t max_bytes, std::string* out);

 private:
  // Reads more into the buffer. False at the end of the stream.
  absl::StatusOr<bool> Fill();
  std::string_view Buffered() const { return std::string_view(buffer_).substr(start_); }
  void Consume(size_t n);

  Stream* stream_;
  absl::Time deadline_ = absl::InfiniteFuture();
  std::string buffer_;
  size_t start_ = 0;  // buffer_[start_..] is unread
};

}  // namespace mig::net

#endif  // MIG_BASE_NET_STREAM_H_
