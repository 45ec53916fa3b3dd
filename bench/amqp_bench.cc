// AMQP throughput through mig's client (amqp::Connection) against a running RabbitMQ: confirmed publishes per
// second (one at a time, and pipelined in windows) and deliveries consumed and acknowledged per second (one
// ack per message, and one multiple-ack per window). Prints a table; asserts nothing. bench/amqp.sh starts an
// isolated broker with a tools/site.sh site and runs it over TCP and over TLS.
//
// It declares a queue mig.bench.<pid>, bound to exchange mig.agents with key bench.<pid>, publishes there and
// consumes it, then deletes it: the user needs the site scheduler's permissions.
//
//   amqp_bench --port=5672 --user=scheduler --password=... [--vhost=mig]
//   amqp_bench --port=5671 --ca=ca.crt --cert=scheduler.crt --key=scheduler.key [--user=... --password=...]
//              (TLS; EXTERNAL login unless a user is given)
//   --messages=20000 --size=1024 --window=256 --persistent (durable queue, persistent messages)
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/amqp/connection.h"

namespace mig::amqp {
namespace {

constexpr char kExchange[] = "mig.agents";

struct Settings {
  ConnectionOptions connection;
  int messages = 20000;
  int sync_messages = 2000;
  int size = 1024;
  int window = 256;
  bool persistent = false;
};

void Check(const absl::Status& status, std::string_view what) {
  if (status.ok()) return;
  std::cerr << "amqp_bench: " << what << ": " << status << "\n";
  std::exit(1);
}

void Report(std::string_view what, int messages, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::cout << absl::StrFormat("  %-44s %8d msgs  %8.0f msg/s  %7.1f us/msg\n", what, messages, messages / seconds,
                               seconds * 1e6 / messages);
}

// Consumes `count` messages from the queue the connection consumes, acknowledging each (window 1) or one
// multiple-ack per `ack_every` messages.
absl::Duration ConsumeAndAck(Connection& c, int count, int ack_every) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::optional<Delivery>> d = c.Next(absl::Seconds(10));
    Check(d.status(), "consuming");
    if (!d->has_value()) Check(absl::DeadlineExceededError("no delivery in 10 s"), "consuming");
    if ((i + 1) % ack_every == 0 || i + 1 == count) Check(c.Ack((*d)->delivery_tag, ack_every > 1), "acking");
  }
  return absl::Now() - start;
}

absl::Duration PublishPipelined(Connection& c, const std::string& key, const std::string& body, int count, int window,
                                const PublishOptions& options) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < count; ++i) {
    Check(c.PublishAsync(kExchange, key, body, options).status(), "publishing");
    if (c.unconfirmed() >= static_cast<size_t>(window)) Check(c.WaitForConfirms(absl::Seconds(30)), "confirms");
  }
  Check(c.WaitForConfirms(absl::Seconds(30)), "confirms");
  return absl::Now() - start;
}

int Run(const Settings& s) {
  ConnectionOptions options = s.connection;
  options.publisher_confirms = true;
  auto opened = Connection::Open(options);
  Check(opened.status(), "connecting");
  Connection& c = **opened;

  const std::string queue = absl::StrCat("mig.bench.", getpid());
  const std::string key = absl::StrCat("bench.", getpid());
  Check(c.DeclareQueue(queue, {.durable = s.persistent}).status(), "declaring the queue");
  Check(c.Bind(queue, kExchange, key), "binding the queue");
  const std::string body(s.size, 'x');
  const PublishOptions publish{.persistent = s.persistent};

  std::cout << absl::StrFormat("%s %s:%d, %d-byte %s messages%s\n", options.tls ? "TLS" : "TCP", options.host,
                               options.port, s.size, s.persistent ? "persistent" : "transient",
                               options.tls ? absl::StrCat(" (", c.tls_negotiated(), ")") : "");
  // Warm-up: connection buffers, the broker's queue process.
  Check(c.Publish(kExchange, key, body, publish), "publishing");

  absl::Time start = absl::Now();
  for (int i = 0; i < s.sync_messages; ++i) Check(c.Publish(kExchange, key, body, publish), "publishing");
  Report("publish, confirmed one at a time", s.sync_messages, absl::Now() - start);
  Report(absl::StrCat("publish, confirmed in windows of ", s.window), s.messages,
         PublishPipelined(c, key, body, s.messages, s.window, publish));

  Check(c.Consume(queue, static_cast<uint16_t>(s.window)), "consuming");
  const int queued = 1 + s.sync_messages + s.messages;
  Report(absl::StrCat("consume (prefetch ", s.window, "), ack each"), queued, ConsumeAndAck(c, queued, 1));
  // Refill while consuming: deliveries wait in the connection while publishes wait for their confirms.
  PublishPipelined(c, key, body, s.messages, s.window, publish);
  Report(absl::StrCat("consume (prefetch ", s.window, "), multi-ack per ", s.window / 2), s.messages,
         ConsumeAndAck(c, s.messages, s.window / 2));

  Check(c.Close(), "closing");
  // Delete the queue over a new connection (this one is closed).
  auto cleanup = Connection::Open(s.connection);
  if (cleanup.ok()) (*cleanup)->DeleteQueue(queue).IgnoreError();
  return 0;
}

}  // namespace
}  // namespace mig::amqp

int main(int argc, char** argv) {
  mig::amqp::Settings s;
  std::string ca, cert, key;
  int heartbeat = 60;
  CLI::App app{"AMQP throughput of mig's client against a running RabbitMQ"};
  app.add_option("--host", s.connection.host);
  app.add_option("--port", s.connection.port)->required();
  app.add_option("--vhost", s.connection.vhost)->capture_default_str();
  app.add_option("--user", s.connection.user);
  app.add_option("--password", s.connection.password);
  app.add_option("--ca", ca, "TLS: the CA that signed the broker's certificate");
  app.add_option("--cert", cert, "TLS: client certificate");
  app.add_option("--key", key, "TLS: client key");
  app.add_option("--messages", s.messages)->capture_default_str();
  app.add_option("--sync-messages", s.sync_messages)->capture_default_str();
  app.add_option("--size", s.size, "message body bytes")->capture_default_str();
  app.add_option("--window", s.window, "unconfirmed publishes and prefetch")->capture_default_str();
  app.add_flag("--persistent", s.persistent, "durable queue and persistent messages (disk)");
  app.add_option("--heartbeat", heartbeat)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  s.connection.heartbeat = absl::Seconds(heartbeat);
  if (!ca.empty()) {
    s.connection.tls = mig::amqp::TlsOptions{.ca_file = ca, .cert_file = cert, .key_file = key};
    if (s.connection.user.empty()) s.connection.login = mig::amqp::Login::kExternal;
  }
  if (s.window < 2) s.window = 2;
  return mig::amqp::Run(s);
}
