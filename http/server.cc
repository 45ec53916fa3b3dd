#include "http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http/internal/socket.h"
#include "http/internal/stream.h"
#include "http/internal/tls.h"
#include "http/internal/wire.h"

namespace mig::http {
namespace {

using internal::Framing;

// How long a connection closed after a refused request keeps swallowing the rest of it (DrainBeforeClose).
constexpr absl::Duration kDrainBeforeClose = absl::Milliseconds(500);
// After accept fails for lack of file descriptors, the listener is left alone this long instead of being
// polled (it stays readable, which would spin the poll loop).
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);
// Bodies up to this size go out in the same write as the head.
constexpr size_t kCoalesceBytes = 64 << 10;

int PollTimeoutMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  // Rounded up: a wake-up just before the deadline would find nothing to do and spin.
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), INT_MAX));
}

// The response as it goes out: a response the handler got wrong becomes a 500 rather than a broken message.
Response Checked(Response response) {
  if (response.status < 200 || response.status > 999) {
    return ErrorResponse(500, absl::StrCat("the handler returned status ", response.status));
  }
  if (!internal::ValidHeaderValue(response.content_type)) {
    return ErrorResponse(500, "the handler returned a bad Content-Type");
  }
  for (const auto& [name, value] : response.headers) {
    if (!internal::ValidHeaderName(name) || !internal::ValidHeaderValue(value)) {
      return ErrorResponse(500, absl::StrCat("the handler returned a bad header '", absl::CHexEscape(name), "'"));
    }
    if (absl::EqualsIgnoreCase(name, "content-length") || absl::EqualsIgnoreCase(name, "transfer-encoding") ||
        absl::EqualsIgnoreCase(name, "connection")) {
      return ErrorResponse(500, absl::StrCat("the handler set header '", name, "', which the server sets"));
    }
  }
  return response;
}

std::string WireHead(const Response& response, bool keep_alive, int minor_version) {
  // 204 has no body and may not have a Content-Length; 304 has no body either.
  const bool has_body = response.status != 204 && response.status != 304;
  std::string head = absl::StrCat("HTTP/1.1 ", response.status, " ", internal::ReasonPhrase(response.status), "\r\n");
  if (has_body) {
    if (!response.content_type.empty()) absl::StrAppend(&head, "Content-Type: ", response.content_type, "\r\n");
    absl::StrAppend(&head, "Content-Length: ", response.body.size(), "\r\n");
  }
  for (const auto& [name, value] : response.headers) absl::StrAppend(&head, name, ": ", value, "\r\n");
  if (!keep_alive) {
    absl::StrAppend(&head, "Connection: close\r\n");
  } else if (minor_version == 0) {
    absl::StrAppend(&head, "Connection: keep-alive\r\n");  // HTTP/1.0 closes by default
  }
  absl::StrAppend(&head, "\r\n");
  return head;
}

// One client connection, from accept to close; owned by the poll loop while idle, by a worker while busy.
struct Connection {
  Connection(std::unique_ptr<internal::Stream> s, internal::TlsStream* t, std::string p, std::atomic<int>* open)
      : stream(std::move(s)), tls_handshake_pending(t), reader(stream.get()), peer(std::move(p)), open_(open) {}
  ~Connection() {
    stream.reset();
    open_->fetch_sub(1);
  }

  std::unique_ptr<internal::Stream> stream;
  internal::TlsStream* tls_handshake_pending;  // the stream, until its TLS handshake is done; else null
  internal::Reader reader;
  std::string peer;
  absl::Time idle_deadline;

 private:
  std::atomic<int>* open_;
};

// What happens to a connection after a request.
enum class Next { kKeepAlive, kClose, kDrainAndClose };

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Handler handler, std::shared_ptr<const internal::TlsConfig> tls, int listener,
       const int stop_pipe[2], const int wake_pipe[2])
      : options_(options),
        handler_(std::move(handler)),
        tls_(std::move(tls)),
        listener_(listener),
        stop_read_(stop_pipe[0]),
        stop_write_(stop_pipe[1]),
        wake_read_(wake_pipe[0]),
        wake_write_(wake_pipe[1]) {}

  ~Impl() {
    Stop();
    for (int fd : {stop_read_, stop_write_, wake_read_, wake_write_}) close(fd);
  }

  void StartThreads() {
    poller_ = std::thread([this] { PollLoop(); });
    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void Stop() {
    std::lock_guard<std::mutex> stop_lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    // The stop pipe stays readable from now on: it ends the poll loop and every read a worker is waiting in.
    while (write(stop_write_, "s", 1) < 0 && errno == EINTR) {
    }
    ready_cv_.notify_all();
    if (poller_.joinable()) poller_.join();
    close(listener_);  // new connections are refused from now on, not left in the backlog
    listener_ = -1;
    for (std::thread& worker : workers_) worker.join();
    std::lock_guard<std::mutex> lock(mu_);
    ready_.clear();
    returned_.clear();
  }

 private:
  // ---- The poll loop: accepts connections, watches idle ones, hands those with input to the workers. ----

  void PollLoop() {
    std::vector<std::unique_ptr<Connection>> idle;
    std::vector<pollfd> fds;
    absl::Time accept_paused_until = absl::InfinitePast();
    for (;;) {
      const absl::Time now = absl::Now();
      fds.clear();
      fds.push_back({.fd = stop_read_, .events = POLLIN, .revents = 0});
      fds.push_back({.fd = wake_read_, .events = POLLIN, .revents = 0});
      const bool accepting = now >= accept_paused_until;
      fds.push_back({.fd = accepting ? listener_ : -1, .events = POLLIN, .revents = 0});
      absl::Time wake_at = accepting ? absl::InfiniteFuture() : accept_paused_until;
      for (const auto& c : idle) {
        fds.push_back({.fd = c->stream->fd(), .events = POLLIN, .revents = 0});
        wake_at = std::min(wake_at, c->idle_deadline);
      }
      if (poll(fds.data(), fds.size(), PollTimeoutMs(wake_at)) < 0 && errno != EINTR) {
        accept_paused_until = absl::Now() + kAcceptPause;  // not expected; do not spin on it
        continue;
      }
      if (fds[0].revents != 0) return;  // Stop: `idle` closes with this frame

      // Idle connections with input (or a hang-up, which a read reports) go to the workers; expired ones close.
      std::vector<std::unique_ptr<Connection>> still_idle;
      std::vector<std::unique_ptr<Connection>> ready;
      const absl::Time after = absl::Now();
      for (size_t i = 0; i < idle.size(); ++i) {
        if (fds[3 + i].revents != 0) {
          ready.push_back(std::move(idle[i]));
        } else if (after < idle[i]->idle_deadline) {
          still_idle.push_back(std::move(idle[i]));
        }
      }
      idle = std::move(still_idle);
      if (!ready.empty()) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          for (auto& c : ready) ready_.push_back(std::move(c));
        }
        ready_cv_.notify_all();
      }

      if (fds[1].revents != 0) {
        char drain[256];
        while (read(wake_read_, drain, sizeof(drain)) > 0) {
        }
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& c : returned_) {
          c->idle_deadline = after + options_.idle_timeout;
          idle.push_back(std::move(c));
        }
        returned_.clear();
      }

      if (fds[2].revents != 0 && !Accept(idle, after)) accept_paused_until = after + kAcceptPause;
    }
  }

  // Accepts every pending connection into `idle`. False if accepting failed for lack of resources.
  bool Accept(std::vector<std::unique_ptr<Connection>>& idle, absl::Time now) {
    for (;;) {
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
      }
      if (open_connections_.load() >= options_.max_connections) {
        RefuseOverCapacity(fd);
        continue;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      open_connections_.fetch_add(1);
      std::unique_ptr<internal::Stream> stream;
      internal::TlsStream* tls = nullptr;
      if (tls_ != nullptr) {
        auto tls_stream = std::make_unique<internal::TlsStream>(fd, tls_);
        tls = tls_stream.get();
        stream = std::move(tls_stream);
      } else {
        stream = std::make_unique<internal::PlainStream>(fd);
      }
      auto c = std::make_unique<Connection>(std::move(stream), tls,
                                            internal::AddressText(reinterpret_cast<sockaddr*>(&address), length),
                                            &open_connections_);
      c->idle_deadline = now + options_.idle_timeout;
      idle.push_back(std::move(c));
    }
  }

  // A connection over max_connections: a 503 without waiting for the request, if it fits in the socket
  // buffer at once (plain HTTP; a TLS client just sees the connection close).
  void RefuseOverCapacity(int fd) {
    if (tls_ == nullptr) {
      Response response = ErrorResponse(503, "the server has too many connections; try again later");
      std::string message = WireHead(response, /*keep_alive=*/false, 1) + response.body;
      (void)!send(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      shutdown(fd, SHUT_WR);
    }
    close(fd);
  }

  // ---- Workers: one request at a time, from a connection with input. ----

  void WorkerLoop() {
    for (;;) {
      std::unique_ptr<Connection> c;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
        if (stopping_) return;
        c = std::move(ready_.front());
        ready_.pop_front();
      }
      if (!Serve(*c)) continue;  // closes it
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_) continue;
      if (c->reader.HasBufferedInput()) {
        // Pipelined requests, or TLS records already read, which the poll loop would not see: back in the
        // queue, behind the connections already waiting, so that one busy client cannot keep a worker.
        ready_.push_back(std::move(c));
        lock.unlock();
        ready_cv_.notify_one();
      } else {
        returned_.push_back(std::move(c));
        lock.unlock();
        (void)!write(wake_write_, "w", 1);  // a full pipe has woken the loop already
      }
    }
  }

  // Serves one request on the connection (after the TLS handshake, the first time). True to keep it open.
  bool Serve(Connection& c) {
    if (c.tls_handshake_pending != nullptr) {
      absl::Status handshake = c.tls_handshake_pending->Handshake(absl::Now() + options_.request_timeout, stop_read_);
      c.tls_handshake_pending = nullptr;
      if (!handshake.ok()) return false;
    }
    c.reader.set_cancel_fd(stop_read_);
    Next next = ServeOne(c);
    if (next == Next::kDrainAndClose) c.stream->Close(kDrainBeforeClose);
    return next == Next::kKeepAlive;
  }

  Next ServeOne(Connection& c) {
    c.reader.set_deadline(absl::Now() + options_.request_timeout);
    absl::StatusOr<std::optional<std::string>> head = c.reader.ReadHead(options_.max_header_bytes);
    if (!head.ok()) {
      if (absl::IsResourceExhausted(head.status())) {
        return Refuse(c, 431, absl::StrCat("the request head is longer than ", options_.max_header_bytes, " bytes"));
      }
      return ReadFailed(c, head.status());
    }
    if (!head->has_value()) return Next::kClose;  // the client closed between requests

    absl::StatusOr<internal::RequestHead> parsed = internal::ParseRequestHead(**head);
    if (!parsed.ok()) return Refuse(c, 400, parsed.status().message());
    if (parsed->major_version != 1) return Refuse(c, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
    Request request{.method = std::move(parsed->method),
                    .target = std::move(parsed->target),
                    .headers = std::move(parsed->headers),
                    .peer = c.peer};
    const int minor_version = parsed->minor_version;
    bool close = false;
    bool keep_alive = false;
    for (const auto& [name, value] : request.headers) {
      if (name != "connection") continue;
      close |= internal::HasToken(value, "close");
      keep_alive |= internal::HasToken(value, "keep-alive");
    }
    keep_alive = !close && (minor_version >= 1 || keep_alive);

    absl::StatusOr<Framing> framing = internal::RequestFraming(request.headers);
    if (!framing.ok()) {
      return Refuse(c, absl::IsUnimplemented(framing.status()) ? 501 : 400, framing.status().message());
    }
    if (framing->kind == Framing::kLength && framing->length > options_.max_body_bytes) {
      return Refuse(c, 413, TooLarge());
    }
    if (std::optional<std::string_view> expect = request.Header("expect")) {
      if (!absl::EqualsIgnoreCase(*expect, "100-continue")) return Refuse(c, 417, "only 100-continue is expected");
      // The client waits for this before it sends the body (curl does, for large ones).
      const bool has_body = framing->kind == Framing::kChunked || framing->length > 0;
      if (minor_version >= 1 && has_body &&
          !c.stream->Write("HTTP/1.1 100 Continue\r\n\r\n", absl::Now() + options_.request_timeout).ok()) {
        return Next::kClose;
      }
    }
    absl::Status body = absl::OkStatus();
    if (framing->kind == Framing::kLength) {
      body = c.reader.ReadExactly(framing->length, &request.body);
    } else if (framing->kind == Framing::kChunked) {
      body = internal::ReadChunkedBody(c.reader, options_.max_body_bytes, options_.max_header_bytes, &request.body);
      if (absl::IsResourceExhausted(body)) return Refuse(c, 413, TooLarge());
      if (absl::IsInvalidArgument(body)) return Refuse(c, 400, body.message());
    }
    if (!body.ok()) return ReadFailed(c, body);

    Response response = Checked(handler_(request));
    if (stopping_) keep_alive = false;
    // A response to HEAD describes the body it does not carry.
    if (!Send(c, response, keep_alive, minor_version, /*send_body=*/request.method != "HEAD")) return Next::kClose;
    return keep_alive ? Next::kKeepAlive : Next::kClose;
  }

  std::string TooLarge() const {
    return absl::StrCat("the request body is longer than ", options_.max_body_bytes, " bytes");
  }

  // A request that could not be read: a client that stalled in the middle of one is told so; one that
  // went away or said nothing, or a server stopping, is just closed.
  Next ReadFailed(Connection& c, const absl::Status& status) {
    if (absl::IsDeadlineExceeded(status) && c.reader.ReceivedSinceHead()) {
      return Refuse(
          c, 408, absl::StrCat("the request was not received within ", absl::FormatDuration(options_.request_timeout)));
    }
    return Next::kClose;
  }

  Next Refuse(Connection& c, int status, std::string_view message) {
    Send(c, ErrorResponse(status, message), /*keep_alive=*/false, 1);
    return Next::kDrainAndClose;
  }

  bool Send(Connection& c, const Response& response, bool keep_alive, int minor_version, bool send_body = true) {
    const absl::Time deadline = absl::Now() + options_.request_timeout;
    std::string head = WireHead(response, keep_alive, minor_version);
    if (!send_body || response.status == 204 || response.status == 304) return c.stream->Write(head, deadline).ok();
    if (response.body.size() <= kCoalesceBytes) {
      head += response.body;
      return c.stream->Write(head, deadline).ok();
    }
    return c.stream->Write(head, deadline).ok() && c.stream->Write(response.body, deadline).ok();
  }

  const ServerOptions options_;
  const Handler handler_;
  const std::shared_ptr<const internal::TlsConfig> tls_;  // null: plain HTTP
  int listener_;                                          // -1 once stopped
  const int stop_read_, stop_write_;                      // readable once Stop has begun
  const int wake_read_, wake_write_;                      // wakes the poll loop for connections workers hand back

  std::atomic<int> open_connections_{0};
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::atomic<bool> stopping_{false};                  // written under mu_
  std::deque<std::unique_ptr<Connection>> ready_;      // with input, waiting for a worker; guarded by mu_
  std::vector<std::unique_ptr<Connection>> returned_;  // handed back to the poll loop; guarded by mu_

  std::thread poller_;
  std::vector<std::thread> workers_;
};

Server::Server(std::unique_ptr<Impl> impl, int port) : impl_(std::move(impl)), port_(port) {}

Server::~Server() = default;  // ~Impl stops

void Server::Stop() { impl_->Stop(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler) {
  auto invalid = [](std::string_view what) { return absl::InvalidArgumentError(absl::StrCat("HTTP server: ", what)); };
  if (handler == nullptr) return invalid("no handler");
  if (options.threads < 1) return invalid("threads must be at least 1");
  if (options.max_connections < 1) return invalid("max_connections must be at least 1");
  if (options.max_header_bytes < 64) return invalid("max_header_bytes must be at least 64");
  if (options.idle_timeout <= absl::ZeroDuration() || options.request_timeout <= absl::ZeroDuration()) {
    return invalid("timeouts must be positive");
  }
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return invalid("TLS needs both a certificate and its key");
  }
  std::shared_ptr<const internal::TlsConfig> tls;
  if (!options.tls_cert_pem.empty()) {
    absl::StatusOr<std::shared_ptr<const internal::TlsConfig>> config =
        internal::TlsConfig::ForServer(options.tls_cert_pem, options.tls_key_pem);
    if (!config.ok()) return invalid(config.status().message());
    tls = *std::move(config);
  }
  absl::StatusOr<int> listener = internal::ListenTcp(options.host, options.port, /*backlog=*/128);
  if (!listener.ok()) {
    return absl::Status(listener.status().code(), absl::StrCat("HTTP server: ", listener.status().message()));
  }
  int stop_pipe[2];
  int wake_pipe[2];
  if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    absl::Status error = absl::InternalError(absl::StrCat("HTTP server: pipe: ", strerror(errno)));
    close(*listener);
    return error;
  }
  if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    absl::Status error = absl::InternalError(absl::StrCat("HTTP server: pipe: ", strerror(errno)));
    for (int fd : {*listener, stop_pipe[0], stop_pipe[1]}) close(fd);
    return error;
  }
  const int port = internal::LocalPort(*listener);
  auto impl = std::make_unique<Impl>(options, std::move(handler), std::move(tls), *listener, stop_pipe, wake_pipe);
  impl->StartThreads();
  return std::unique_ptr<Server>(new Server(std::move(impl), port));
}

}  // namespace mig::http
