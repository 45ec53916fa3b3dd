// An HTTP/1.1 server for mig's JSON APIs: keep-alive connections, whole requests handed to one handler on a
// pool of worker threads, limits and timeouts so that no client can exhaust it, and optionally TLS 1.2
// (mbedTLS).
//
//   MIG_ASSIGN_OR_RETURN(std::unique_ptr<http::Server> server,
//                        http::Server::Start({.host = "127.0.0.1", .port = 8393}, [&](const http::Request& r) {
//                          return api.Handle(r);  // an http::Response
//                        }));
//   ... server->port() ...
//   server->Stop();  // or let it go out of scope
//
// Connections wait, idle, in one poll loop; a worker takes a connection only when it has input, reads one
// request (bounded by request_timeout), calls the handler, sends the response, and hands the connection back.
// So idle keep-alive connections cost no worker, and a slow client holds one for request_timeout at most.
//
// Requests the server refuses get a JSON error body ({"error":"..."}) and the connection is closed: 400
// malformed, 408 too slow, 413 body over max_body_bytes, 417 unknown Expect, 431 head over max_header_bytes,
// 501 a transfer coding other than chunked, 503 over max_connections (plain HTTP only), 505 not HTTP/1.x.
// Every response has a Content-Length (but 204, which may not); a response to HEAD goes without its body.
// A client that pipelines requests has them answered in turn, one request per turn in the workers' queue.
#ifndef MIG_HTTP_SERVER_H_
#define MIG_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/message.h"

namespace mig::http {

struct ServerOptions {
  // The address to bind: an IPv4 or IPv6 literal.
  std::string host = "127.0.0.1";
  // 0: any free port (see Server::port).
  int port = 0;
  // The request line and header fields together.
  size_t max_header_bytes = 64 << 10;
  size_t max_body_bytes = 64 << 20;
  // A connection without a request in progress is closed after this long.
  absl::Duration idle_timeout = absl::Seconds(30);
  // The longest a worker waits to receive one whole request (TLS handshake included) once its first bytes
  // are in, and, separately, to send one response.
  absl::Duration request_timeout = absl::Seconds(30);
  // Worker threads: requests handled at once.
  int threads = 4;
  // Open connections, idle ones included; a new one beyond is answered 503 and closed.
  int max_connections = 256;
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
  // are answered (with Connection: close); then joins the threads. Idempotent; the destructor calls it.
  // Not from a handler: it waits for the handlers to return.
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

#endif  // MIG_HTTP_SERVER_H_
