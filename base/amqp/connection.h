// An AMQP 0-9-1 client connection to RabbitMQ: rabbitmq-c underneath, over TCP or over TLS (mbedTLS, with
// a client certificate and an EXTERNAL login), with errors as absl::Status values that carry the broker's
// own reason ("ACCESS_REFUSED - access to queue 'mig.agent.beta' in vhost 'mig' refused for user 'alpha'").
//
//   MIG_ASSIGN_OR_RETURN(std::unique_ptr<Connection> amqp,
//                        Connection::Open({.host = "rabbitmq.example.net", .port = 5671, .vhost = "mig",
//                                          .tls = TlsOptions{.ca_file = "ca.pem", .cert_file = "agent.pem",
//                                                            .key_file = "agent.key"},
//                                          .login = Login::kExternal, .publisher_confirms = true}));
//   MIG_RETURN_IF_ERROR(amqp->Consume("mig.agent.alpha", /*prefetch=*/1));
//   MIG_ASSIGN_OR_RETURN(std::optional<Delivery> command, amqp->Next(absl::Seconds(30)));
//   if (command) {
//     MIG_RETURN_IF_ERROR(amqp->Publish("mig.results", "alpha.results", result));  // waits for the ack
//     MIG_RETURN_IF_ERROR(amqp->Ack(command->delivery_tag));
//   }
//
// One connection per thread: a Connection is not safe to use from two threads at once (rabbitmq-c's
// connection state is not), and nothing is shared between connections, so each thread may own one.
//
// All work happens on one channel. Any error the broker raises (a channel or connection exception), and any
// transport error (the broker went away, missed heartbeats, a timeout in the middle of a call), leaves the
// connection unusable: the call returns the error, and every later call returns FailedPrecondition naming
// it. Open a new connection then. Timeouts of Next and WaitForConfirms are not errors.
//
// Heartbeats are sent and checked only while a call is in progress: a consumer should call Next with a
// timeout shorter than half the heartbeat interval.
#ifndef MIG_BASE_AMQP_CONNECTION_H_
#define MIG_BASE_AMQP_CONNECTION_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "amqp.h"
#include "base/amqp/tls_socket.h"

namespace mig::amqp {

enum class Login {
  kPlain,     // SASL PLAIN: user and password (over TCP or TLS)
  kExternal,  // SASL EXTERNAL: the broker takes the user from the TLS client certificate
};

struct ConnectionOptions {
  std::string host = "localhost";
  int port = 5672;
  std::string vhost = "/";
  // TLS, or plain TCP when unset.
  std::optional<TlsOptions> tls;
  Login login = Login::kPlain;
  std::string user;      // kPlain
  std::string password;  // kPlain
  // Heartbeat interval proposed to the broker (it may lower it); zero disables heartbeats. Whole seconds.
  absl::Duration heartbeat = absl::Seconds(60);
  // For the TCP connection, TLS handshake and AMQP handshake together.
  absl::Duration connect_timeout = absl::Seconds(30);
  // For each call that waits on the broker's answer: declare, bind, consume, a confirmed publish, close.
  absl::Duration rpc_timeout = absl::Seconds(30);
  // Publisher confirms on the channel: Publish then returns once the broker has taken the message
  // (persisted it to disk, for a persistent message on a durable queue).
  bool publisher_confirms = false;
  // Shown by the broker (rabbitmqctl list_connections client_properties, management UI).
  std::string connection_name;
  // The largest message body a delivery holds (0: no limit). A larger one is read off the connection and
  // discarded as it comes, never held: its Delivery has an empty body and `dropped` set, to be acknowledged
  // and logged by its consumer like any other message it cannot use.
  uint64_t max_body_bytes = 0;
};

struct QueueOptions {
  bool passive = false;  // only check that it exists (and count its messages)
  bool durable = true;
  bool exclusive = false;
  bool auto_delete = false;
};

struct QueueInfo {
  std::string name;  // the broker's name for a queue declared with an empty name
  uint32_t message_count = 0;
  uint32_t consumer_count = 0;
};

struct PublishOptions {
  bool persistent = true;  // delivery mode 2: survives a broker restart on a durable queue
  bool mandatory = false;  // with confirms: a message no queue takes is an error (NotFound), not dropped
  std::string content_type;
};

// A message taken from the queue being consumed. Acknowledge it (Ack) once handled, or Reject it.
struct Delivery {
  std::string body;
  std::string exchange;
  std::string routing_key;
  uint64_t delivery_tag = 0;
  bool redelivered = false;  // delivered before and not acknowledged (the consumer went away)
  std::string content_type;
  uint64_t body_size = 0;  // as the broker announced it, also when `dropped`
  bool dropped = false;    // larger than ConnectionOptions::max_body_bytes: `body` is empty
};

class Connection {
 public:
  // Connects, logs in, opens the channel (and enables publisher confirms when asked).
  // Errors: InvalidArgument (options), Unavailable (TCP; TLS refused by the broker), Unauthenticated (the
  // broker's certificate failed verification), PermissionDenied (login refused: the broker's reason),
  // NotFound (no such vhost), DeadlineExceeded (connect_timeout).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);

  // Closes the channel and the connection politely if still usable (see Close); never blocks longer than
  // rpc_timeout.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Declares (or with `passive`, checks) a queue. NotFound when a passive declaration finds none.
  absl::StatusOr<QueueInfo> DeclareQueue(std::string_view name, const QueueOptions& options = {});
  // Deletes a queue and its messages; returns how many it held.
  absl::StatusOr<uint32_t> DeleteQueue(std::string_view name);
  // Declares an exchange of `type` ("direct", "topic", "fanout", "headers").
  absl::Status DeclareExchange(std::string_view name, std::string_view type, bool durable = true);
  absl::Status Bind(std::string_view queue, std::string_view exchange, std::string_view routing_key);

  // Publishes a message. With publisher confirms, waits (up to rpc_timeout) for the broker's ack:
  // OK means the broker has the message; a nack is Unavailable, an unroutable mandatory message NotFound,
  // a refused publication (e.g. a topic permission) PermissionDenied with the broker's reason.
  // Without confirms it returns once the message is written to the socket, and a refusal surfaces on the
  // next call.
  absl::Status Publish(std::string_view exchange, std::string_view routing_key, std::string_view body,
                       const PublishOptions& options = {});

  // Publishes without waiting for the ack (publisher confirms on), for throughput: call WaitForConfirms
  // to know they were all taken. Returns the message's sequence number.
  absl::StatusOr<uint64_t> PublishAsync(std::string_view exchange, std::string_view routing_key, std::string_view body,
                                        const PublishOptions& options = {});
  // Waits until every message published so far is confirmed. DeadlineExceeded after `timeout` (the
  // connection stays usable). Unavailable if the broker nacked any, NotFound if a mandatory one was
  // unroutable (each reported once).
  absl::Status WaitForConfirms(absl::Duration timeout);
  // The same for the messages published up to sequence number `sequence` (PublishAsync's result) only:
  // lets a publisher keep the next window in flight while it waits for the previous one. A nack or an
  // unroutable message among any of those confirmed so far is reported.
  absl::Status WaitForConfirmsThrough(uint64_t sequence, absl::Duration timeout);
  // Messages published and not yet confirmed.
  size_t unconfirmed() const { return unconfirmed_.size(); }

  // Starts consuming `queue`, with at most `prefetch` unacknowledged deliveries at a time from it (0: no
  // limit). May be called for several queues: Next returns deliveries from all of them (the routing key
  // tells them apart).
  absl::Status Consume(std::string_view queue, uint16_t prefetch);
  // The next delivery, waiting up to `timeout` (zero: only what has already arrived). nullopt when none
  // came in time, which is not an error.
  absl::StatusOr<std::optional<Delivery>> Next(absl::Duration timeout);
  // Reads what the broker sends (heartbeats, confirms, a close) for `timeout`: what keeps a connection that
  // only publishes alive between publications. Deliveries that arrive are kept for Next.
  absl::Status Poll(absl::Duration timeout);
  absl::Status Ack(uint64_t delivery_tag, bool multiple = false);
  // Rejects a delivery: back to the queue with `requeue`, else dropped (or dead-lettered).
  absl::Status Reject(uint64_t delivery_tag, bool requeue);

  // Closes the channel and the connection (waiting for the broker's acknowledgement, up to rpc_timeout),
  // then the socket (TLS close_notify). The connection is unusable afterwards. Returns the error that made
  // it unusable, if one did, else OK.
  absl::Status Close();

  // OK while usable; else what made it unusable.
  absl::Status status() const { return broken_; }
  // For a TLS connection, the protocol and cipher suite; else "".
  std::string tls_negotiated() const;
  // The connection's socket (for tests: TCP_NODELAY), or -1.
  int fd() const;

 private:
  // How much of the link to the broker is still open, for Close.
  enum class Link { kOpen, kChannelClosed, kConnectionClosed };

  explicit Connection(const ConnectionOptions& options) : options_(options) {}

  absl::Status Connect();
  absl::Status CheckUsable() const;
  // Marks the connection unusable with `status` (the first such status stays) and returns it.
  absl::Status Break(absl::Status status, Link link);
  // A failed rabbitmq-c call, from its RPC reply or its status code, as a Status naming `what` (the
  // broker's reason when it closed the channel or the connection). Breaks the connection.
  absl::Status RpcFailure(std::string_view what);  // the reply of the last amqp_* RPC
  absl::Status ReplyFailure(std::string_view what, const amqp_rpc_reply_t& reply);
  absl::Status LibraryFailure(std::string_view what, int amqp_status);
  absl::Status BrokerClosed(std::string_view what, const amqp_method_t& method);

  // Reads and handles frames (deliveries, confirms, returns, closes) until `done` holds. DeadlineExceeded
  // when the deadline passes first; the connection stays usable then.
  absl::Status Pump(std::string_view what, absl::Time deadline, absl::FunctionRef<bool()> done);
  absl::Status HandleFrame(std::string_view what, const amqp_frame_t& frame);
  // The content (header and body frames) that follows a basic.deliver or basic.return.
  // Reads a message's header and body frames; a body above `max_body_bytes` (0: none) is read and discarded.
  absl::Status ReadContent(std::string_view what, uint64_t max_body_bytes, Delivery* content);
  void Confirm(uint64_t delivery_tag, bool multiple, bool acked);

  ConnectionOptions options_;
  std::string peer_;  // "host:port", for messages
  amqp_connection_state_t state_ = nullptr;
  TlsSocket* tls_ = nullptr;  // owned by state_
  absl::Status broken_;
  Link link_ = Link::kOpen;
  bool closed_ = false;

  // Publisher confirms.
  uint64_t next_publish_seq_ = 1;
  std::set<uint64_t> unconfirmed_;  // sequence numbers
  std::set<uint64_t> nacked_;       // not yet reported
  uint64_t returned_ = 0;           // unroutable mandatory messages not yet reported
  std::string last_return_;

  std::deque<Delivery> deliveries_;
  int consumers_ = 0;
};

}  // namespace mig::amqp

#endif  // MIG_BASE_AMQP_CONNECTION_H_
