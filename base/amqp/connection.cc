#include "base/amqp/connection.h"

#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "amqp_tcp_socket.h"
#include "base/net/socket.h"
#include "base/status_macros.h"
#include "base/unique_fd.h"

namespace mig::amqp {
namespace {

constexpr amqp_channel_t kChannel = 1;
constexpr int kFrameMax = 131072;  // RabbitMQ's default
constexpr size_t kMaxReserve = 64 << 20;

amqp_bytes_t Bytes(std::string_view s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }
std::string String(amqp_bytes_t b) { return std::string(static_cast<const char*>(b.bytes), b.len); }

timeval Timeval(absl::Duration d) { return absl::ToTimeval(std::max(d, absl::ZeroDuration())); }

// The Status code for an AMQP reply code (AMQP 0-9-1, 1.9 "Constants").
absl::StatusCode CodeForReply(int reply_code) {
  switch (reply_code) {
    case AMQP_ACCESS_REFUSED:
    case AMQP_NOT_ALLOWED:
      return absl::StatusCode::kPermissionDenied;
    case AMQP_NOT_FOUND:
      return absl::StatusCode::kNotFound;
    case AMQP_RESOURCE_LOCKED:
    case AMQP_PRECONDITION_FAILED:
      return absl::StatusCode::kFailedPrecondition;
    case AMQP_INVALID_PATH:
      return absl::StatusCode::kInvalidArgument;
    case AMQP_RESOURCE_ERROR:
      return absl::StatusCode::kResourceExhausted;
    case AMQP_NOT_IMPLEMENTED:
      return absl::StatusCode::kUnimplemented;
    case AMQP_FRAME_ERROR:
    case AMQP_SYNTAX_ERROR:
    case AMQP_COMMAND_INVALID:
    case AMQP_CHANNEL_ERROR:
    case AMQP_UNEXPECTED_FRAME:
    case AMQP_INTERNAL_ERROR:
      return absl::StatusCode::kInternal;
    default:  // CONNECTION_FORCED (the broker is stopping, or an operator closed us), ...
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  if (options.host.empty()) return absl::InvalidArgumentError("AMQP: no broker host");
  if (options.port <= 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("AMQP: bad broker port ", options.port));
  }
  if (options.login == Login::kPlain && options.user.empty()) {
    return absl::InvalidArgumentError("AMQP: a PLAIN login needs a user");
  }
  if (options.login == Login::kExternal && !options.tls.has_value()) {
    return absl::InvalidArgumentError("AMQP: an EXTERNAL login needs TLS with a client certificate");
  }
  if (options.heartbeat < absl::ZeroDuration() || options.heartbeat > absl::Seconds(65535)) {
    return absl::InvalidArgumentError("AMQP: heartbeat must be between 0 and 65535 seconds");
  }
  if (options.connect_timeout <= absl::ZeroDuration() || options.rpc_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("AMQP: timeouts must be positive");
  }
  auto connection = std::unique_ptr<Connection>(new Connection(options));
  MIG_RETURN_IF_ERROR(connection->Connect());
  return connection;
}

absl::Status Connection::Connect() {
  peer_ = absl::StrCat(options_.host, ":", options_.port);
  const absl::Time deadline = absl::Now() + options_.connect_timeout;
  state_ = amqp_new_connection();
  if (state_ == nullptr) return absl::ResourceExhaustedError("AMQP: out of memory");
  link_ = Link::kConnectionClosed;  // until logged in: nothing to close politely

  std::string identity;  // for EXTERNAL
  if (options_.tls.has_value()) {
    MIG_ASSIGN_OR_RETURN(std::shared_ptr<const TlsClientConfig> config, TlsClientConfig::Load(*options_.tls));
    if (options_.login == Login::kExternal) {
      if (!config->has_client_certificate()) {
        return absl::InvalidArgumentError("AMQP: an EXTERNAL login needs a TLS client certificate");
      }
      identity = config->client_common_name();
    }
    MIG_ASSIGN_OR_RETURN(tls_, TlsSocket::Install(state_, std::move(config)));
    MIG_RETURN_IF_ERROR(tls_->Connect(options_.host, options_.port, deadline));
  } else {
    MIG_ASSIGN_OR_RETURN(UniqueFd fd, net::ConnectTcp(options_.host, options_.port, deadline, {.keepalive = true}));
    amqp_socket_t* socket = amqp_tcp_socket_new(state_);
    if (socket == nullptr) return absl::ResourceExhaustedError("AMQP: out of memory");
    amqp_tcp_socket_set_sockfd(socket, fd.release());  // rabbitmq-c closes it with the connection
  }

  const timeval handshake = Timeval(deadline - absl::Now());
  const timeval rpc = Timeval(options_.rpc_timeout);
  amqp_set_handshake_timeout(state_, &handshake);
  amqp_set_rpc_timeout(state_, &rpc);

  // Client properties: a name for the broker's listings, and the capability to be told when the broker
  // cancels our consumer (its queue was deleted), rather than waiting forever.
  amqp_table_entry_t capabilities[] = {{Bytes("consumer_cancel_notify"), {AMQP_FIELD_KIND_BOOLEAN, {.boolean = 1}}}};
  amqp_table_entry_t properties[2] = {
      {Bytes("capabilities"), {AMQP_FIELD_KIND_TABLE, {.table = {1, capabilities}}}},
      {Bytes("connection_name"), {AMQP_FIELD_KIND_UTF8, {.bytes = Bytes(options_.connection_name)}}},
  };
  const amqp_table_t properties_table{options_.connection_name.empty() ? 1 : 2, properties};
  const int heartbeat = static_cast<int>(absl::ToInt64Seconds(options_.heartbeat));
  amqp_rpc_reply_t reply;
  if (options_.login == Login::kExternal) {
    // rabbitmq-c 0.11 mistakes an empty EXTERNAL response for an allocation failure; RabbitMQ ignores the
    // response (the user is the certificate's), so send the certificate's name.
    if (identity.empty()) identity = "mig";
    reply = amqp_login_with_properties(state_, options_.vhost.c_str(), 0, kFrameMax, heartbeat, &properties_table,
                                       AMQP_SASL_METHOD_EXTERNAL, identity.c_str());
  } else {
    reply = amqp_login_with_properties(state_, options_.vhost.c_str(), 0, kFrameMax, heartbeat, &properties_table,
                                       AMQP_SASL_METHOD_PLAIN, options_.user.c_str(), options_.password.c_str());
  }
  const std::string login_what = absl::StrCat("logging into ", peer_, " vhost '", options_.vhost, "'");
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_BROKER_UNSUPPORTED_SASL_METHOD) {
      return Break(absl::FailedPreconditionError(absl::StrCat(
                       login_what, ": the broker does not offer SASL ",
                       options_.login == Login::kExternal ? "EXTERNAL (rabbitmq_auth_mechanism_ssl)" : "PLAIN")),
                   Link::kConnectionClosed);
    }
    return ReplyFailure(login_what, reply);
  }
  link_ = Link::kChannelClosed;  // the connection is open, the channel not yet

  if (amqp_channel_open(state_, kChannel) == nullptr) return RpcFailure("opening a channel");
  link_ = Link::kOpen;
  if (options_.publisher_confirms && amqp_confirm_select(state_, kChannel) == nullptr) {
    return RpcFailure("enabling publisher confirms");
  }
  return absl::OkStatus();
}

Connection::~Connection() { Close().IgnoreError(); }

absl::Status Connection::Close() {
  if (closed_) return broken_;
  closed_ = true;
  absl::Status result = broken_;
  if (state_ != nullptr) {
    if (link_ == Link::kOpen) {
      amqp_rpc_reply_t reply = amqp_channel_close(state_, kChannel, AMQP_REPLY_SUCCESS);
      if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        link_ = Link::kChannelClosed;
      } else if (absl::Status failed = ReplyFailure("closing the channel", reply); result.ok()) {
        result = failed;
      }
    }
    if (link_ == Link::kChannelClosed) {
      amqp_rpc_reply_t reply = amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
      if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        link_ = Link::kConnectionClosed;
      } else if (absl::Status failed = ReplyFailure("closing the connection", reply); result.ok()) {
        result = failed;
      }
    }
    amqp_destroy_connection(state_);  // closes the socket (TLS close_notify) and frees it
    state_ = nullptr;
    tls_ = nullptr;
  }
  if (broken_.ok()) broken_ = absl::FailedPreconditionError(absl::StrCat("connection to ", peer_, " closed"));
  return result;
}

absl::Status Connection::CheckUsable() const {
  if (broken_.ok()) return absl::OkStatus();
  if (closed_) return broken_;
  return absl::FailedPreconditionError(
      absl::StrCat("AMQP connection to ", peer_, " is unusable after an earlier error: ", broken_.message()));
}

absl::Status Connection::Break(absl::Status status, Link link) {
  if (broken_.ok()) broken_ = status;
  link_ = std::max(link_, link);
  return status;
}

absl::Status Connection::LibraryFailure(std::string_view what, int amqp_status) {
  std::string detail = amqp_error_string2(amqp_status);
  if (tls_ != nullptr && !tls_->last_error().empty()) detail = tls_->last_error();
  switch (amqp_status) {
    case AMQP_STATUS_TIMEOUT:
      return Break(absl::DeadlineExceededError(absl::StrCat(what, ": no answer in time from the broker at ", peer_)),
                   Link::kConnectionClosed);
    case AMQP_STATUS_HEARTBEAT_TIMEOUT:
      return Break(absl::UnavailableError(
                       absl::StrCat(what, ": the broker at ", peer_, " stopped answering (missed heartbeats)")),
                   Link::kConnectionClosed);
    case AMQP_STATUS_CONNECTION_CLOSED:
    case AMQP_STATUS_SOCKET_ERROR:
    case AMQP_STATUS_SOCKET_CLOSED:
    case AMQP_STATUS_SSL_ERROR:
      return Break(absl::UnavailableError(absl::StrCat(what, ": lost the connection to ", peer_, ": ", detail)),
                   Link::kConnectionClosed);
    default:
      return Break(absl::InternalError(absl::StrCat(what, ": ", detail)), Link::kConnectionClosed);
  }
}

absl::Status Connection::BrokerClosed(std::string_view what, const amqp_method_t& method) {
  if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_connection_close_t*>(method.decoded);
    absl::Status status(CodeForReply(close->reply_code),
                        absl::StrCat(what, ": ", String(close->reply_text), " (the broker closed the connection)"));
    amqp_connection_close_ok_t ok{};
    amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    return Break(std::move(status), Link::kConnectionClosed);
  }
  if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* close = static_cast<const amqp_channel_close_t*>(method.decoded);
    absl::Status status(CodeForReply(close->reply_code), absl::StrCat(what, ": ", String(close->reply_text)));
    amqp_channel_close_ok_t ok{};
    amqp_send_method(state_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    return Break(std::move(status), Link::kChannelClosed);
  }
  return Break(absl::InternalError(absl::StrCat(what, ": unexpected method ", amqp_method_name(method.id))),
               Link::kConnectionClosed);
}

absl::Status Connection::RpcFailure(std::string_view what) { return ReplyFailure(what, amqp_get_rpc_reply(state_)); }

absl::Status Connection::ReplyFailure(std::string_view what, const amqp_rpc_reply_t& reply) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      return BrokerClosed(what, reply.reply);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return LibraryFailure(what, reply.library_error);
    default:
      return Break(absl::InternalError(absl::StrCat(what, ": no reply")), Link::kConnectionClosed);
  }
}

absl::StatusOr<QueueInfo> Connection::DeclareQueue(std::string_view name, const QueueOptions& options) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(state_, kChannel, Bytes(name), options.passive, options.durable,
                                                   options.exclusive, options.auto_delete, amqp_empty_table);
  if (ok == nullptr) return RpcFailure(absl::StrCat("declaring queue '", name, "'"));
  return QueueInfo{String(ok->queue), ok->message_count, ok->consumer_count};
}

absl::StatusOr<uint32_t> Connection::DeleteQueue(std::string_view name) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  amqp_queue_delete_ok_t* ok = amqp_queue_delete(state_, kChannel, Bytes(name), /*if_unused=*/0, /*if_empty=*/0);
  if (ok == nullptr) return RpcFailure(absl::StrCat("deleting queue '", name, "'"));
  return ok->message_count;
}

absl::Status Connection::DeclareExchange(std::string_view name, std::string_view type, bool durable) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  if (amqp_exchange_declare(state_, kChannel, Bytes(name), Bytes(type), /*passive=*/0, durable,
                            /*auto_delete=*/0, /*internal=*/0, amqp_empty_table) == nullptr) {
    return RpcFailure(absl::StrCat("declaring exchange '", name, "'"));
  }
  return absl::OkStatus();
}

absl::Status Connection::Bind(std::string_view queue, std::string_view exchange, std::string_view routing_key) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  if (amqp_queue_bind(state_, kChannel, Bytes(queue), Bytes(exchange), Bytes(routing_key), amqp_empty_table) ==
      nullptr) {
    return RpcFailure(
        absl::StrCat("binding queue '", queue, "' to exchange '", exchange, "' with key '", routing_key, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Connection::PublishAsync(std::string_view exchange, std::string_view routing_key,
                                                  std::string_view body, const PublishOptions& options) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.delivery_mode = options.persistent ? AMQP_DELIVERY_PERSISTENT : AMQP_DELIVERY_NONPERSISTENT;
  if (!options.content_type.empty()) {
    properties._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
    properties.content_type = Bytes(options.content_type);
  }
  int rc = amqp_basic_publish(state_, kChannel, Bytes(exchange), Bytes(routing_key), options.mandatory,
                              /*immediate=*/0, &properties, Bytes(body));
  if (rc != AMQP_STATUS_OK) {
    return LibraryFailure(absl::StrCat("publishing to exchange '", exchange, "' with routing key '", routing_key, "'"),
                          rc);
  }
  if (!options_.publisher_confirms) return 0;
  const uint64_t seq = next_publish_seq_++;
  unconfirmed_.insert(seq);
  return seq;
}

absl::Status Connection::Publish(std::string_view exchange, std::string_view routing_key, std::string_view body,
                                 const PublishOptions& options) {
  const uint64_t returned_before = returned_;
  MIG_ASSIGN_OR_RETURN(uint64_t seq, PublishAsync(exchange, routing_key, body, options));
  if (!options_.publisher_confirms) return absl::OkStatus();
  const std::string what = absl::StrCat("publishing to exchange '", exchange, "' with routing key '", routing_key, "'");
  absl::Status pumped = Pump(what, absl::Now() + options_.rpc_timeout, [&] { return !unconfirmed_.contains(seq); });
  if (absl::IsDeadlineExceeded(pumped) && broken_.ok()) {
    // The message's fate is unknown: the connection cannot be trusted with more.
    return Break(absl::DeadlineExceededError(absl::StrCat(what, ": no confirmation from the broker in ",
                                                          absl::FormatDuration(options_.rpc_timeout))),
                 Link::kConnectionClosed);
  }
  MIG_RETURN_IF_ERROR(pumped);
  if (nacked_.erase(seq) > 0) return absl::UnavailableError(absl::StrCat(what, ": the broker refused (nacked) it"));
  if (options.mandatory && returned_ > returned_before) {
    returned_ = returned_before;
    return absl::NotFoundError(absl::StrCat(what, ": unroutable: ", last_return_));
  }
  return absl::OkStatus();
}

absl::Status Connection::WaitForConfirms(absl::Duration timeout) {
  return WaitForConfirmsThrough(std::numeric_limits<uint64_t>::max(), timeout);
}

absl::Status Connection::WaitForConfirmsThrough(uint64_t sequence, absl::Duration timeout) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  MIG_RETURN_IF_ERROR(Pump("waiting for publisher confirms", absl::Now() + timeout,
                           [&] { return unconfirmed_.empty() || *unconfirmed_.begin() > sequence; }));
  if (!nacked_.empty()) {
    const size_t n = nacked_.size();
    nacked_.clear();
    return absl::UnavailableError(absl::StrCat("the broker refused (nacked) ", n, " message(s)"));
  }
  if (returned_ > 0) {
    const uint64_t n = returned_;
    returned_ = 0;
    return absl::NotFoundError(absl::StrCat(n, " mandatory message(s) unroutable; the last: ", last_return_));
  }
  return absl::OkStatus();
}

absl::Status Connection::Consume(std::string_view queue, uint16_t prefetch) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  const std::string what = absl::StrCat("consuming from queue '", queue, "'");
  if (amqp_basic_qos(state_, kChannel, 0, prefetch, /*global=*/0) == nullptr) return RpcFailure(what);
  amqp_basic_consume_ok_t* ok = amqp_basic_consume(state_, kChannel, Bytes(queue), amqp_empty_bytes, /*no_local=*/0,
                                                   /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
  if (ok == nullptr) return RpcFailure(what);
  ++consumers_;
  return absl::OkStatus();
}

absl::Status Connection::Poll(absl::Duration timeout) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  absl::Status pumped = Pump("polling", absl::Now() + timeout, [] { return false; });
  if (absl::IsDeadlineExceeded(pumped) && broken_.ok()) return absl::OkStatus();
  return pumped;
}

absl::StatusOr<std::optional<Delivery>> Connection::Next(absl::Duration timeout) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  if (deliveries_.empty()) {
    if (consumers_ == 0) return absl::FailedPreconditionError("Next without Consume");
    absl::Status pumped = Pump("waiting for a delivery", absl::Now() + timeout, [&] { return !deliveries_.empty(); });
    if (absl::IsDeadlineExceeded(pumped) && broken_.ok()) return std::nullopt;
    MIG_RETURN_IF_ERROR(pumped);
  }
  Delivery delivery = std::move(deliveries_.front());
  deliveries_.pop_front();
  return delivery;
}

absl::Status Connection::Ack(uint64_t delivery_tag, bool multiple) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  int rc = amqp_basic_ack(state_, kChannel, delivery_tag, multiple);
  if (rc != AMQP_STATUS_OK) return LibraryFailure(absl::StrCat("acknowledging delivery ", delivery_tag), rc);
  return absl::OkStatus();
}

absl::Status Connection::Reject(uint64_t delivery_tag, bool requeue) {
  MIG_RETURN_IF_ERROR(CheckUsable());
  int rc = amqp_basic_reject(state_, kChannel, delivery_tag, requeue);
  if (rc != AMQP_STATUS_OK) return LibraryFailure(absl::StrCat("rejecting delivery ", delivery_tag), rc);
  return absl::OkStatus();
}

std::string Connection::tls_negotiated() const { return tls_ != nullptr ? tls_->negotiated() : ""; }

int Connection::fd() const { return state_ != nullptr ? amqp_get_sockfd(state_) : -1; }

absl::Status Connection::Pump(std::string_view what, absl::Time deadline, absl::FunctionRef<bool()> done) {
  while (!done()) {
    // rabbitmq-c hands out the frames it queued during an RPC first, then reads the socket (sending and
    // checking heartbeats while it waits).
    timeval wait = Timeval(deadline - absl::Now());
    amqp_frame_t frame;
    int rc = amqp_simple_wait_frame_noblock(state_, &frame, deadline == absl::InfiniteFuture() ? nullptr : &wait);
    if (rc == AMQP_STATUS_TIMEOUT) return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
    if (rc != AMQP_STATUS_OK) return LibraryFailure(what, rc);
    absl::Status handled = HandleFrame(what, frame);
    amqp_maybe_release_buffers(state_);
    MIG_RETURN_IF_ERROR(handled);
  }
  return absl::OkStatus();
}

absl::Status Connection::HandleFrame(std::string_view what, const amqp_frame_t& frame) {
  if (frame.frame_type != AMQP_FRAME_METHOD) {
    return Break(absl::InternalError(absl::StrCat(what, ": unexpected frame of type ", frame.frame_type, " on channel ",
                                                  frame.channel)),
                 Link::kConnectionClosed);
  }
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
      const auto* deliver = static_cast<const amqp_basic_deliver_t*>(method.decoded);
      Delivery delivery;
      delivery.exchange = String(deliver->exchange);
      delivery.routing_key = String(deliver->routing_key);
      delivery.delivery_tag = deliver->delivery_tag;
      delivery.redelivered = deliver->redelivered != 0;
      MIG_RETURN_IF_ERROR(ReadContent(what, options_.max_body_bytes, &delivery));
      deliveries_.push_back(std::move(delivery));
      return absl::OkStatus();
    }
    case AMQP_BASIC_ACK_METHOD: {
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      Confirm(ack->delivery_tag, ack->multiple != 0, /*acked=*/true);
      return absl::OkStatus();
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      Confirm(nack->delivery_tag, nack->multiple != 0, /*acked=*/false);
      return absl::OkStatus();
    }
    case AMQP_BASIC_RETURN_METHOD: {
      const auto* returned = static_cast<const amqp_basic_return_t*>(method.decoded);
      std::string reason = absl::StrCat(String(returned->reply_text), " (exchange '", String(returned->exchange),
                                        "', routing key '", String(returned->routing_key), "')");
      Delivery unused;  // only the reason matters; a returned message's body is never held
      MIG_RETURN_IF_ERROR(ReadContent(what, /*max_body_bytes=*/1, &unused));
      ++returned_;
      last_return_ = std::move(reason);
      return absl::OkStatus();
    }
    case AMQP_BASIC_CANCEL_METHOD:
      return Break(
          absl::UnavailableError(absl::StrCat(what, ": the broker cancelled the consumer (was its queue deleted?)")),
          Link::kOpen);
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      return BrokerClosed(what, method);
    default:
      return absl::OkStatus();  // nothing mig asked for (channel.flow is obsolete in RabbitMQ)
  }
}

absl::Status Connection::ReadContent(std::string_view what, uint64_t max_body_bytes, Delivery* content) {
  // The content frames follow the method at once; waiting longer than an RPC for them is a broken link.
  const timeval wait = Timeval(options_.rpc_timeout);
  uint64_t size = 0;
  uint64_t received = 0;
  bool have_header = false;
  while (!have_header || received < size) {
    amqp_frame_t frame;
    int rc = amqp_simple_wait_frame_noblock(state_, &frame, &wait);
    if (rc != AMQP_STATUS_OK) return LibraryFailure(absl::StrCat(what, " (reading a message)"), rc);
    if (frame.frame_type == AMQP_FRAME_METHOD && (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
                                                  frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD)) {
      return BrokerClosed(what, frame.payload.method);
    }
    if (frame.channel != kChannel || frame.frame_type != (have_header ? AMQP_FRAME_BODY : AMQP_FRAME_HEADER)) {
      return Break(absl::InternalError(absl::StrCat(what, ": malformed message (frame type ", frame.frame_type,
                                                    " on channel ", frame.channel, ")")),
                   Link::kConnectionClosed);
    }
    if (!have_header) {
      have_header = true;
      size = frame.payload.properties.body_size;
      content->body_size = size;
      content->dropped = max_body_bytes != 0 && size > max_body_bytes;
      if (!content->dropped) content->body.reserve(std::min<uint64_t>(size, kMaxReserve));
      const auto* properties = static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded);
      if (properties != nullptr && (properties->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)) {
        content->content_type = String(properties->content_type);
      }
    } else {
      received += frame.payload.body_fragment.len;
      if (received > size) {
        return Break(absl::InternalError(absl::StrCat(what, ": message body longer than announced")),
                     Link::kConnectionClosed);
      }
      if (!content->dropped) {
        content->body.append(static_cast<const char*>(frame.payload.body_fragment.bytes),
                             frame.payload.body_fragment.len);
      }
    }
    // A dropped body's frames are released as they come.
    amqp_maybe_release_buffers(state_);
  }
  return absl::OkStatus();
}

void Connection::Confirm(uint64_t delivery_tag, bool multiple, bool acked) {
  auto last = multiple ? unconfirmed_.upper_bound(delivery_tag) : unconfirmed_.find(delivery_tag);
  auto first = multiple ? unconfirmed_.begin() : last;
  if (!multiple) {
    if (last == unconfirmed_.end()) return;
    ++last;
  }
  if (!acked) nacked_.insert(first, last);
  unconfirmed_.erase(first, last);
}

}  // namespace mig::amqp
