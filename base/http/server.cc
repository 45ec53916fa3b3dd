#include "base/http/server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/http/internal/request_decoder.h"
#include "base/http/internal/wire.h"
#include "base/log.h"
#include "base/net/socket.h"
#include "base/net/stream.h"
#include "base/net/tls.h"
#include "base/unique_fd.h"

namespace mig::http {
namespace {

using internal::RequestDecoder;
using net::Await;
using net::Progress;

constexpr std::string_view kLog = "http";

// How long a connection closed after a refused request keeps swallowing the rest of it, so that closing
// with unread input does not reset the connection before the client has read the refusal.
constexpr absl::Duration kDrainBeforeClose = absl::Milliseconds(500);
// After accept fails for lack of file descriptors or memory, the listener is left alone this long (it stays
// readable, which would spin the loop); the connections wait in the backlog meanwhile.
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);
// Connections accepted per wake of the loop: a flood of them waits its turn behind the connections with input.
constexpr int kAcceptBatch = 64;
// What one connection may read (or discard) in one turn of a worker before it goes to the back of the queue.
constexpr size_t kTurnBytes = 1 << 20;
constexpr size_t kReadChunk = 16 << 10;
// Bodies up to this size are not counted against max_buffered_body_bytes (see ServerOptions).
constexpr size_t kUnbudgetedBodyBytes = 64 << 10;
// A kind of event that comes in floods (refused connections) is logged at most once this long.
constexpr absl::Duration kLogInterval = absl::Seconds(10);

// epoll_event.data of the listener and of the wake-up eventfd; connections have ids above.
constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;

int PollTimeoutMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  // Rounded up: a wake-up just before the deadline would find nothing to do and spin.
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), INT_MAX));
}

uint32_t EpollEvents(Await await) { return await == Await::kWritable ? EPOLLOUT : EPOLLIN; }

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

// The response on the wire: head, then the body unless the request was HEAD (whose response describes the
// body it does not carry). 204 and 304 have no body.
std::string WireResponse(const Response& response, bool keep_alive, int minor_version, bool send_body = true) {
  const bool has_body = response.status != 204 && response.status != 304;
  std::string wire = absl::StrCat("HTTP/1.1 ", response.status, " ", internal::ReasonPhrase(response.status), "\r\n");
  if (has_body) {
    if (!response.content_type.empty()) absl::StrAppend(&wire, "Content-Type: ", response.content_type, "\r\n");
    absl::StrAppend(&wire, "Content-Length: ", response.body.size(), "\r\n");
  }
  for (const auto& [name, value] : response.headers) absl::StrAppend(&wire, name, ": ", value, "\r\n");
  if (!keep_alive) {
    absl::StrAppend(&wire, "Connection: close\r\n");
  } else if (minor_version == 0) {
    absl::StrAppend(&wire, "Connection: keep-alive\r\n");  // HTTP/1.0 closes by default
  }
  absl::StrAppend(&wire, "\r\n");
  if (has_body && send_body) wire += response.body;
  return wire;
}

// An event that may come in floods, logged once per kLogInterval with how many there were meanwhile.
// The loop thread's alone.
class BurstLog {
 public:
  void Note(absl::Time now, std::string_view message) {
    ++count_;
    if (now < quiet_until_) return;
    log::Warning(kLog, count_ > 1 ? absl::StrCat(message, " (", count_ - 1, " more like it in the previous ",
                                                 absl::FormatDuration(kLogInterval), " or so)")
                                  : message);
    count_ = 0;
    quiet_until_ = now + kLogInterval;
  }

 private:
  int64_t count_ = 0;
  absl::Time quiet_until_ = absl::InfinitePast();
};

// Where a connection is in its life.
enum class Phase {
  kHandshake,  // TLS: the handshake is in progress
  kReceiving,  // waiting for a request, or in one (see the decoder), maybe sending a 100 Continue
  kSending,    // a response is going out
  kDraining,   // after a refusal: output closed, what the client still sends discarded until it closes
};

// What becomes of a connection once its response is out.
enum class After { kKeepAlive, kClose, kDrainAndClose };

// One client connection, from accept to close. Owned by the loop while it waits for its socket (parked), by
// one worker while it is served: handed over under the server's mutex, never shared.
struct Connection {
  Connection(uint64_t i, std::unique_ptr<net::Stream> s, net::TlsStream* t, std::string p, std::string a,
             const ServerOptions& options, absl::Time now)
      : id(i),
        stream(std::move(s)),
        peer(std::move(p)),
        address(std::move(a)),
        phase(t != nullptr ? Phase::kHandshake : Phase::kReceiving),
        tls(t),
        decoder(options.max_header_bytes, options.max_body_bytes),
        accepted(now),
        idle_since(now) {}

  bool sending() const { return output_sent < output.size(); }

  const uint64_t id;
  const std::unique_ptr<net::Stream> stream;
  const std::string peer;     // "127.0.0.1:53122", for the handler
  const std::string address;  // net::ClientAddress, for max_connections_per_address
  Phase phase;
  net::TlsStream* tls;  // the stream if it is TLS, else null
  RequestDecoder decoder;
  std::string input;  // read but not decoded yet: the start of a pipelined request
  std::string output;
  size_t output_sent = 0;
  // After a write that waits, the length to write again (mbedTLS must be given the same data); else 0.
  size_t retry_bytes = 0;
  After after = After::kKeepAlive;
  bool answering = false;  // the output is a handler's response, which Stop lets go out
  size_t body_charge = 0;  // counted against max_buffered_body_bytes
  const absl::Time accepted;
  absl::Time idle_since;
  absl::Time request_start = absl::InfiniteFuture();  // the first byte of the request in progress
  absl::Time send_start;
  absl::Time drain_start;
};

// What a worker's turn on a connection ends with.
struct Turn {
  enum Kind {
    kPark,     // wait for the socket (`events`) until `deadline`, in the loop
    kRequeue,  // more at hand: to the back of the workers' queue
    kClosed,   // the stream is closed: the loop forgets the connection
  };
  Kind kind = kClosed;
  uint32_t events = 0;
  absl::Time deadline;
};

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Handler handler, std::shared_ptr<const net::TlsConfig> tls, int listener,
       int epoll_fd, int wake_fd)
      : options_(options),
        handler_(std::move(handler)),
        tls_(std::move(tls)),
        epoll_fd_(epoll_fd),
        wake_fd_(wake_fd),
        listener_(listener) {}

  ~Impl() {
    Stop();
    if (listener_ >= 0) close(listener_);
    close(epoll_fd_);
    close(wake_fd_);
  }

  void StartThreads() {
    loop_ = std::thread([this] { Loop(); });
    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void Stop() {
    absl::MutexLock stop_lock(&stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_.store(true);
    Wake();
    // The loop ends once every connection is closed: the idle ones at once, those with a request in a
    // handler once the response is out.
    if (loop_.joinable()) loop_.join();
    {
      absl::MutexLock lock(&mu_);
      workers_exit_ = true;
    }
    for (std::thread& worker : workers_) worker.join();
  }

 private:
  // A connection handed back to the loop by a worker.
  struct Returned {
    std::unique_ptr<Connection> connection;
    Turn turn;
  };
  // A connection waiting for its socket, in the loop.
  struct Parked {
    std::unique_ptr<Connection> connection;
    absl::Time deadline;
  };

  void Wake() {
    const uint64_t one = 1;
    // Cannot fail but for a counter near 2^64, which means the loop is awake anyway.
    (void)!write(wake_fd_, &one, sizeof(one));
  }

  // ---- The event loop: accepts, watches parked connections and their deadlines, hands ready ones to the
  // workers. It never reads or writes a client's bytes. ----

  void Loop() {
    std::vector<epoll_event> events(256);
    absl::Time accept_paused_until = absl::InfiniteFuture();  // while accepting is paused
    bool stop_begun = false;
    for (;;) {
      absl::Time wake_at =
          std::min(accept_paused_until, deadlines_.empty() ? absl::InfiniteFuture() : deadlines_.begin()->first);
      const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), PollTimeoutMs(wake_at));
      if (n < 0 && errno != EINTR) {
        log::Error(kLog, absl::StrCat("epoll_wait: ", strerror(errno)));
        absl::SleepFor(kAcceptPause);  // not expected; do not spin on it
      }
      const absl::Time now = absl::Now();
      std::vector<std::unique_ptr<Connection>> ready;
      for (int i = 0; i < n; ++i) {
        const uint64_t id = events[i].data.u64;
        if (id == kListenerId) {
          if (!stop_begun && !Accept(now)) {
            SetListening(false);
            accept_paused_until = now + kAcceptPause;
          }
        } else if (id == kWakeId) {
          uint64_t count;
          (void)!read(wake_fd_, &count, sizeof(count));
          TakeReturned();
        } else if (auto it = parked_.find(id); it != parked_.end()) {
          deadlines_.erase({it->second.deadline, id});
          ready.push_back(std::move(it->second.connection));
          parked_.erase(it);
        }
      }
      if (now >= accept_paused_until) {
        accept_paused_until = absl::InfiniteFuture();
        if (!stop_begun) SetListening(true);
      }
      // Expired connections go to a worker too, which decides what a deadline means in their phase.
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        const uint64_t id = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        auto it = parked_.find(id);
        ready.push_back(std::move(it->second.connection));
        parked_.erase(it);
      }
      HandToWorkers(std::move(ready));

      if (stopping_.load()) {
        if (!stop_begun) {
          stop_begun = true;
          BeginStop();
        }
        if (parked_.empty() && outstanding_ == 0) return;
      }
    }
  }

  void HandToWorkers(std::vector<std::unique_ptr<Connection>> connections) {
    if (connections.empty()) return;
    outstanding_ += connections.size();
    absl::MutexLock lock(&mu_);
    for (auto& c : connections) ready_.push_back(std::move(c));
  }

  // Connections back from the workers: parked again, or forgotten once closed.
  void TakeReturned() {
    std::vector<Returned> returned;
    {
      absl::MutexLock lock(&mu_);
      returned.swap(returned_);
    }
    for (Returned& r : returned) {
      --outstanding_;
      if (r.turn.kind == Turn::kPark && stopping_.load() && !r.connection->answering) {
        r.connection->stream->Close();  // abandoned: Stop answers only the requests in a handler
        r.turn.kind = Turn::kClosed;
      }
      if (r.turn.kind == Turn::kClosed) {
        Forget(*r.connection);
        continue;
      }
      Park(std::move(r.connection), r.turn.events, r.turn.deadline);
    }
  }

  void Park(std::unique_ptr<Connection> c, uint32_t events, absl::Time deadline) {
    epoll_event event{.events = events | EPOLLONESHOT, .data = {.u64 = c->id}};
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->stream->fd(), &event) != 0 &&
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c->stream->fd(), &event) != 0) {
      log::Error(kLog, absl::StrCat("epoll_ctl for ", c->peer, ": ", strerror(errno), "; closing the connection"));
      c->stream->Abort();
      Forget(*c);
      return;
    }
    deadlines_.insert({deadline, c->id});
    const uint64_t id = c->id;
    parked_.emplace(id, Parked{std::move(c), deadline});
  }

  void Forget(const Connection& c) {
    --open_;
    auto it = per_address_.find(c.address);
    if (--it->second == 0) per_address_.erase(it);
  }

  void SetListening(bool on) {
    epoll_event event{.events = on ? static_cast<uint32_t>(EPOLLIN) : 0u, .data = {.u64 = kListenerId}};
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listener_, &event);
  }

  // Accepts pending connections, up to a batch. False if accepting failed for lack of resources.
  bool Accept(absl::Time now) {
    for (int i = 0; i < kAcceptBatch; ++i) {
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        accept_failures_.Note(
            now, absl::StrCat("accepting connections: ", strerror(errno), "; new connections wait in the backlog"));
        return false;
      }
      const sockaddr* peer = reinterpret_cast<const sockaddr*>(&address);
      std::string client = net::ClientAddress(peer, length);
      if (open_ >= options_.max_connections) {
        over_total_.Note(now, absl::StrCat("refused a connection from ", client, ": ", open_,
                                           " connections are open (max_connections)"));
        RefuseConnection(fd, "the server has too many connections; try again later");
        continue;
      }
      if (auto it = per_address_.find(client);
          it != per_address_.end() && it->second >= options_.max_connections_per_address) {
        over_per_address_.Note(now, absl::StrCat("refused a connection from ", client, ": it has ", it->second,
                                                 " open (max_connections_per_address)"));
        RefuseConnection(fd, "too many connections from your address; try again later");
        continue;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::unique_ptr<net::Stream> stream;
      net::TlsStream* tls = nullptr;
      if (tls_ != nullptr) {
        auto tls_stream = std::make_unique<net::TlsStream>(fd, tls_);
        tls = tls_stream.get();
        stream = std::move(tls_stream);
      } else {
        stream = std::make_unique<net::PlainStream>(fd);
      }
      ++open_;
      ++per_address_[client];
      auto c = std::make_unique<Connection>(next_id_++, std::move(stream), tls, net::AddressText(peer, length),
                                            std::move(client), options_, now);
      // TLS or not, the client speaks first.
      const absl::Time deadline = Deadline(*c);
      Park(std::move(c), EPOLLIN, deadline);
    }
    return true;
  }

  // A connection over a limit: a 503 without waiting for the request, if it fits in the socket buffer at
  // once (plain HTTP; a TLS client just sees the connection close).
  void RefuseConnection(int fd, std::string_view message) {
    if (tls_ == nullptr) {
      const std::string wire = WireResponse(ErrorResponse(503, message), /*keep_alive=*/false, 1);
      (void)!send(fd, wire.data(), wire.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      shutdown(fd, SHUT_WR);
    }
    close(fd);
  }

  // Stop: no new connections; the parked ones are closed but those sending a handler's response.
  void BeginStop() {
    close(listener_);  // new connections are refused from now on, not left in the backlog
    listener_ = -1;
    for (auto it = parked_.begin(); it != parked_.end();) {
      Connection& c = *it->second.connection;
      if (c.answering) {
        ++it;
        continue;
      }
      deadlines_.erase({it->second.deadline, it->first});
      c.stream->Close();
      Forget(c);
      it = parked_.erase(it);
    }
  }

  // ---- Workers: a turn on one connection whose socket is ready (or whose deadline passed), doing what the
  // bytes at hand allow and never waiting for the client. ----

  bool WorkOrExit() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return workers_exit_ || !ready_.empty(); }

  void WorkerLoop() {
    for (;;) {
      std::unique_ptr<Connection> c;
      {
        absl::MutexLock lock(&mu_, absl::Condition(this, &Impl::WorkOrExit));
        if (ready_.empty()) return;  // workers_exit_: the loop has ended, every connection is closed
        c = std::move(ready_.front());
        ready_.pop_front();
      }
      const Turn turn = Serve(*c);
      {
        absl::MutexLock lock(&mu_);
        if (turn.kind == Turn::kRequeue) {
          ready_.push_back(std::move(c));
          continue;
        }
        returned_.push_back({std::move(c), turn});
      }
      Wake();
    }
  }

  Turn Serve(Connection& c) {
    const absl::Time now = absl::Now();
    if (stopping_.load() && !c.answering) return Close(c);  // abandoned: not in a handler
    if (now >= Deadline(c)) return Expire(c, now);
    switch (c.phase) {
      case Phase::kHandshake:
        return Handshake(c, now);
      case Phase::kReceiving:
        return Receive(c, now);
      case Phase::kSending:
        return Send(c, now);
      case Phase::kDraining:
        return Drain(c);
    }
    return Close(c);
  }

  // The one place that says how long a connection may wait in its phase; all measured from when the wait
  // began, not from the last byte.
  absl::Time Deadline(const Connection& c) const {
    switch (c.phase) {
      case Phase::kHandshake:
        return c.accepted + options_.handshake_timeout;
      case Phase::kReceiving: {
        absl::Time deadline = c.idle_since + options_.idle_timeout;
        if (c.request_start != absl::InfiniteFuture()) {
          deadline = c.request_start + options_.request_timeout;
          if (c.decoder.stage() == RequestDecoder::Stage::kHead) {
            deadline = std::min(deadline, c.request_start + options_.header_timeout);
          }
        }
        if (c.sending()) deadline = std::min(deadline, c.send_start + options_.send_timeout);  // 100 Continue
        return deadline;
      }
      case Phase::kSending:
        return c.send_start + options_.send_timeout;
      case Phase::kDraining:
        return c.drain_start + kDrainBeforeClose;
    }
    return absl::InfinitePast();
  }

  // A deadline passed: a request in progress is answered 408; a client that does not take what it is sent
  // is reset; anything else is closed.
  Turn Expire(Connection& c, absl::Time now) {
    const bool send_expired = c.sending() && now >= c.send_start + options_.send_timeout;
    if (c.phase == Phase::kHandshake || c.phase == Phase::kSending || send_expired) return Abort(c);
    if (c.phase == Phase::kReceiving && c.request_start != absl::InfiniteFuture()) {
      const bool head =
          c.decoder.stage() == RequestDecoder::Stage::kHead && now >= c.request_start + options_.header_timeout;
      return Refuse(
          c, now, 408,
          absl::StrCat(head ? "the request head was not received within " : "the request was not received within ",
                       absl::FormatDuration(head ? options_.header_timeout : options_.request_timeout)));
    }
    return Close(c);
  }

  Turn Handshake(Connection& c, absl::Time now) {
    absl::StatusOr<Await> step = c.tls->TryHandshake();
    if (!step.ok()) return Close(c);
    if (*step != Await::kNothing) return Wait(c, EpollEvents(*step));
    c.phase = Phase::kReceiving;
    c.idle_since = now;
    return Receive(c, now);
  }

  // Reads and decodes what is at hand, up to one whole request, which it answers.
  Turn Receive(Connection& c, absl::Time now) {
    std::optional<Await> output_waits;  // a 100 Continue that the socket does not take yet
    if (c.sending()) {
      absl::StatusOr<std::optional<Await>> flushed = Flush(c);
      if (!flushed.ok()) return Close(c);
      output_waits = *flushed;
    }
    size_t budget = kTurnBytes;
    for (;;) {
      while (!c.input.empty() &&
             (c.decoder.stage() == RequestDecoder::Stage::kHead || c.decoder.stage() == RequestDecoder::Stage::kBody)) {
        const RequestDecoder::Stage before = c.decoder.stage();
        const size_t taken = c.decoder.Feed(c.input);
        c.input.erase(0, taken);
        if (before == RequestDecoder::Stage::kHead && c.decoder.stage() == RequestDecoder::Stage::kBody &&
            c.decoder.expects_continue()) {
          c.output.append("HTTP/1.1 100 Continue\r\n\r\n");
          c.send_start = now;
          absl::StatusOr<std::optional<Await>> flushed = Flush(c);
          if (!flushed.ok()) return Close(c);
          output_waits = *flushed;
        }
        if (!Charge(c, c.decoder.body_bytes())) {
          return Refuse(c, now, 503, "the server holds too many large request bodies; try again later");
        }
        if (taken == 0) break;
      }
      if (c.decoder.stage() == RequestDecoder::Stage::kComplete) return Answer(c);
      if (c.decoder.stage() == RequestDecoder::Stage::kRefused) {
        const internal::Refusal refusal = c.decoder.refusal();
        return Refuse(c, now, refusal.status, refusal.message);
      }
      if (budget == 0) return Requeue();
      char buffer[kReadChunk];
      absl::StatusOr<Progress> read = c.stream->TryRead(buffer, std::min(sizeof(buffer), budget));
      // The client went away, reset, or closed (between requests, or in the middle of one: no response).
      if (!read.ok() || (read->bytes == 0 && read->await == Await::kNothing)) return Close(c);
      if (read->await != Await::kNothing) {
        return Wait(c, EpollEvents(read->await) | (output_waits ? EpollEvents(*output_waits) : 0));
      }
      if (c.request_start == absl::InfiniteFuture()) c.request_start = now;
      c.input.append(buffer, read->bytes);
      budget -= read->bytes;
    }
  }

  // A whole request: to the handler, and its response out.
  Turn Answer(Connection& c) {
    if (stopping_.load()) return Close(c);  // not in a handler yet: abandoned
    RequestDecoder::Decoded decoded = c.decoder.Take();
    c.request_start = absl::InfiniteFuture();
    decoded.request.peer = c.peer;
    const Response response = Checked(handler_(decoded.request));
    const bool keep_alive = decoded.keep_alive && !stopping_.load();
    const bool send_body = decoded.request.method != "HEAD";
    const int minor_version = decoded.minor_version;
    decoded = RequestDecoder::Decoded();  // the body's memory is free again
    Uncharge(c);
    c.output = WireResponse(response, keep_alive, minor_version, send_body);
    c.output_sent = 0;
    c.answering = true;
    c.after = keep_alive ? After::kKeepAlive : After::kClose;
    c.phase = Phase::kSending;
    c.send_start = absl::Now();
    return Send(c, c.send_start);
  }

  // Answers a request it will not serve, then closes (after draining what the client still sends).
  Turn Refuse(Connection& c, absl::Time now, int status, std::string_view message) {
    Uncharge(c);
    c.input.clear();
    // Behind a 100 Continue that may be partly sent, whose deadline it keeps.
    if (!c.sending()) c.send_start = now;
    c.output.append(WireResponse(ErrorResponse(status, message), /*keep_alive=*/false, 1));
    c.answering = false;
    c.after = After::kDrainAndClose;
    c.phase = Phase::kSending;
    return Send(c, now);
  }

  Turn Send(Connection& c, absl::Time now) {
    absl::StatusOr<std::optional<Await>> flushed = Flush(c);
    if (!flushed.ok()) return Close(c);
    if (flushed->has_value()) return Wait(c, EpollEvents(**flushed));
    c.output.clear();
    c.output_sent = 0;
    c.answering = false;
    if (c.after == After::kClose || stopping_.load()) return Close(c);
    if (c.after == After::kDrainAndClose) {
      c.stream->CloseOutput();
      c.phase = Phase::kDraining;
      c.drain_start = now;
      return Drain(c);
    }
    c.phase = Phase::kReceiving;
    c.idle_since = now;
    if (!c.input.empty()) c.request_start = now;  // pipelined
    // Pipelined requests, or TLS records already read, which the socket would not signal: the next turn,
    // behind the connections already waiting, so that one busy client cannot keep a worker.
    if (!c.input.empty() || c.stream->HasPendingInput()) return Requeue();
    return Wait(c, EPOLLIN);
  }

  Turn Drain(Connection& c) {
    switch (net::DiscardInput(c.stream->fd(), kTurnBytes)) {
      case net::Discarded::kWouldBlock:
        return Wait(c, EPOLLIN);
      case net::Discarded::kBudgetSpent:
        return Requeue();
      case net::Discarded::kEnd:
        break;
    }
    return Close(c);
  }

  // Writes what the socket takes of the output: nullopt once all of it is out, or what to wait for.
  absl::StatusOr<std::optional<Await>> Flush(Connection& c) {
    while (c.sending()) {
      const size_t length = c.retry_bytes != 0 ? c.retry_bytes : c.output.size() - c.output_sent;
      absl::StatusOr<Progress> written = c.stream->TryWrite(std::string_view(c.output).substr(c.output_sent, length));
      if (!written.ok()) return written.status();
      if (written->await != Await::kNothing) {
        c.retry_bytes = length;
        return written->await;
      }
      if (written->bytes == 0) return absl::UnavailableError("the connection took no bytes");
      c.retry_bytes = 0;
      c.output_sent += written->bytes;
    }
    c.output.clear();
    c.output_sent = 0;
    return std::nullopt;
  }

  // Counts the body against max_buffered_body_bytes once it is over kUnbudgetedBodyBytes. False if that
  // would go beyond.
  bool Charge(Connection& c, size_t body_bytes) {
    const size_t wanted = body_bytes > kUnbudgetedBodyBytes ? body_bytes : 0;
    if (wanted <= c.body_charge) return true;
    const size_t more = wanted - c.body_charge;
    size_t held = buffered_body_bytes_.load();
    do {
      if (more > options_.max_buffered_body_bytes - std::min(held, options_.max_buffered_body_bytes)) return false;
    } while (!buffered_body_bytes_.compare_exchange_weak(held, held + more));
    c.body_charge = wanted;
    return true;
  }

  void Uncharge(Connection& c) {
    buffered_body_bytes_.fetch_sub(c.body_charge);
    c.body_charge = 0;
  }

  Turn Wait(const Connection& c, uint32_t events) {
    return {.kind = Turn::kPark, .events = events, .deadline = Deadline(c)};
  }
  static Turn Requeue() { return {.kind = Turn::kRequeue}; }
  Turn Close(Connection& c) {
    Uncharge(c);
    c.stream->Close();
    return {.kind = Turn::kClosed};
  }
  Turn Abort(Connection& c) {
    Uncharge(c);
    c.stream->Abort();
    return {.kind = Turn::kClosed};
  }

  const ServerOptions options_;
  const Handler handler_;
  const std::shared_ptr<const net::TlsConfig> tls_;  // null: plain HTTP
  const int epoll_fd_;
  const int wake_fd_;  // eventfd: wakes the loop for connections the workers hand back, and for Stop

  std::atomic<bool> stopping_{false};
  std::atomic<size_t> buffered_body_bytes_{0};

  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;

  // Between the loop and the workers.
  absl::Mutex mu_;
  std::deque<std::unique_ptr<Connection>> ready_ ABSL_GUARDED_BY(mu_);  // for the workers, in turn
  std::vector<Returned> returned_ ABSL_GUARDED_BY(mu_);                 // back to the loop
  bool workers_exit_ ABSL_GUARDED_BY(mu_) = false;

  // The loop thread's alone.
  int listener_;  // -1 once stopped
  uint64_t next_id_ = kWakeId + 1;
  std::unordered_map<uint64_t, Parked> parked_;
  std::set<std::pair<absl::Time, uint64_t>> deadlines_;  // of the parked connections
  std::unordered_map<std::string, int> per_address_;     // open connections by ClientAddress
  int open_ = 0;                                         // parked, queued or with a worker
  size_t outstanding_ = 0;                               // queued or with a worker
  BurstLog over_total_, over_per_address_, accept_failures_;

  std::thread loop_;
  std::vector<std::thread> workers_;
};

Server::Server(std::unique_ptr<Impl> impl, int port) : impl_(std::move(impl)), port_(port) {}

Server::~Server() = default;  // ~Impl stops

void Server::Stop() { impl_->Stop(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler) {
  auto invalid = [](std::string_view what) { return absl::InvalidArgumentError(absl::StrCat("HTTP server: ", what)); };
  if (handler == nullptr) return invalid("no handler");
  if (options.threads < 1) return invalid("threads must be at least 1");
  if (options.max_connections < 1 || options.max_connections_per_address < 1) {
    return invalid("max_connections and max_connections_per_address must be at least 1");
  }
  if (options.max_header_bytes < 64) return invalid("max_header_bytes must be at least 64");
  for (absl::Duration timeout : {options.idle_timeout, options.handshake_timeout, options.header_timeout,
                                 options.request_timeout, options.send_timeout}) {
    if (timeout <= absl::ZeroDuration()) return invalid("timeouts must be positive");
  }
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return invalid("TLS needs both a certificate and its key");
  }
  std::shared_ptr<const net::TlsConfig> tls;
  if (!options.tls_cert_pem.empty()) {
    absl::StatusOr<std::shared_ptr<const net::TlsConfig>> config =
        net::TlsConfig::ForServer(options.tls_cert_pem, options.tls_key_pem);
    if (!config.ok()) return invalid(config.status().message());
    tls = *std::move(config);
  }
  // The backlog holds connections the loop has not accepted yet; the kernel caps it at somaxconn.
  absl::StatusOr<UniqueFd> listener = net::ListenTcp(options.host, options.port, /*backlog=*/1024);
  if (!listener.ok()) {
    return absl::Status(listener.status().code(), absl::StrCat("HTTP server: ", listener.status().message()));
  }
  auto fail = [](std::string_view what) {
    return absl::InternalError(absl::StrCat("HTTP server: ", what, ": ", strerror(errno)));
  };
  UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd.valid()) return fail("epoll_create1");
  UniqueFd wake_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_fd.valid()) return fail("eventfd");
  epoll_event listen_event{.events = EPOLLIN, .data = {.u64 = kListenerId}};
  epoll_event wake_event{.events = EPOLLIN, .data = {.u64 = kWakeId}};
  if (epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, listener->get(), &listen_event) != 0 ||
      epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, wake_fd.get(), &wake_event) != 0) {
    return fail("epoll_ctl");
  }
  const int port = net::LocalPort(listener->get());
  // Impl closes the three descriptors when it stops.
  auto impl = std::make_unique<Impl>(options, std::move(handler), std::move(tls), listener->release(),
                                     epoll_fd.release(), wake_fd.release());
  impl->StartThreads();
  return std::unique_ptr<Server>(new Server(std::move(impl), port));
}

}  // namespace mig::http
