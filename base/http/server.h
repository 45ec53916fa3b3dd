// An HTTP/1.1 server for mig's JSON APIs: keep-alive connections, whole requests handed to one handler on a
// pool of worker threads, limits and deadlines so that no client can exhaust it or hold it up, and
// optionally TLS 1.2 (mbedTLS).
//
//   MIG_ASSIGN_OR_RETURN(std::unique_ptr<http::Server> server,
//                        http::Server::Start({.host = "127.0.0.1", .port = 8393}, [&](const http::Request& r) {
//                          return api.Handle(r);  // an http::Response
//                        }));
//   ... server->port() ...
//   server->Stop();  // or let it go out of scope
//
// No thread ever waits for a client: one event loop (epoll) watches every connection, and a worker takes a
// connection only when its socket is ready, does what the bytes at hand allow without blocking (a TLS
// handshake step, reading and decoding the request, writing the response) and hands it back. Only a
// complete request reaches the handler. So any number of slow, idle or half-open clients below the
// connection limits delays no other client; each is bounded by deadlines that trickling bytes cannot
// extend (ServerOptions), and by limits on connections in all and per client address.
//
// Requests the server refuses get a JSON error body ({"error":"..."}) and the connection is closed: 400
// malformed, 408 not received in time, 413 body over max_body_bytes, 417 unknown Expect, 431 head over
// max_header_bytes, 501 a transfer coding other than chunked, 503 over a connection limit (plain HTTP only:
// a TLS client just sees the connection close) or over max_buffered_body_bytes, 505 not HTTP/1.x.
// Every response has a Content-Length (but 204, which may not); a response to HEAD goes without its body.
// A client that pipelines requests has them answered in turn, one request per turn in the workers' queue.
#ifndef MIG_BASE_HTTP_SERVER_H_
#define MIG_BASE_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/http/message.h"

namespace mig::http {

struct ServerOptions {
  // The address to bind: an IPv4 or IPv6 literal.
  std::string host = "127.0.0.1";
  // 0: any free port (see Server::port).
  int port = 0;
  // The request line and header fields together.
  size_t max_header_bytes = 64 << 10;
  size_t max_body_bytes = 64 << 20;
  // Request bodies of more than 64 KiB held at once (being received or handled), all connections together;
  // a request whose body would go beyond is answered 503. Heads and smaller bodies are bounded by
  // max_connections, so that a few clients uploading slowly cannot make the server hold gigabytes.
  size_t max_buffered_body_bytes = 256 << 20;

  // Deadlines, each fixed when its wait begins: bytes that trickle in do not extend them.
  // A connection without a request in progress (since it was accepted, its TLS handshake ended, or its
  // last response went out) is closed after this long.
  absl::Duration idle_timeout = absl::Seconds(30);
  // TLS: the handshake must be done within this long of accept, else the connection is closed.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // A request's head must be in within this long of its first byte, else 408.
  absl::Duration header_timeout = absl::Seconds(10);
  // The whole request, body included, within this long of its first byte, else 408.
  absl::Duration request_timeout = absl::Seconds(30);
  // A response must be taken by the client within this long of being ready, else the connection is reset.
  absl::Duration send_timeout = absl::Seconds(30);

  // Worker threads: requests handled at once.
  int threads = 4;
  // Open connections, idle ones included; a new one beyond is refused (503 for plain HTTP) and closed.
  // Each needs a file descriptor: see RLIMIT_NOFILE.
  int max_connections = 4096;
  // Open connections from one client address (ClientAddress in internal/socket.h: an IPv4 address, an IPv6
  // /64); a new one beyond is refused likewise. Behind a proxy every client has the proxy's address.
  int max_connections_per_address = 256;
  // TLS: the server certificate (then any intermediates) and its private key, PEM. Both empty: plain HTTP.
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

class Server {
 public:
  // Binds, listens and starts the threads. InvalidArgument for bad options (an address that is not a
  // literal, a certificate that does not parse...), Unavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler);

  // The port listened on: options.port, or the one chosen for port 0.
  int port() const { return port_; }

  // Stops accepting and closes idle connections; requests being read are abandoned, those in a handler
  // are answered (with Connection: close, within send_timeout); then joins the threads. Idempotent; the
  // destructor calls it. Not from a handler: it waits for the handlers to return.
  void Stop();

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

 private:
  class Impl;  // threads, sockets and queues, kept out of this header
  explicit Server(std::unique_ptr<Impl> impl, int port);

  std::unique_ptr<Impl> impl_;
  int port_;
};

}  // namespace mig::http

#endif  // MIG_BASE_HTTP_SERVER_H_
