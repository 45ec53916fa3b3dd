// amqp::Connection against a real RabbitMQ serving a mig site (tools/site.sh, tools/broker.sh): plain and
// TLS logins, publish/consume/ack, publisher confirms, the site's permissions as the broker enforces them,
// persistence across a restart, and a broker that stops, dies or freezes.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/amqp/connection.h"
#include "base/amqp/testing/test_broker.h"
#include "catch2/catch.hpp"

namespace mig::amqp {
namespace {

using testing::TestBroker;

TestBroker& Broker() { return TestBroker::Shared({"alpha", "beta"}); }

std::unique_ptr<Connection> OpenOrFail(const ConnectionOptions& options) {
  absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return std::move(*c);
}

Delivery NextOrFail(Connection& c, absl::Duration timeout = absl::Seconds(10)) {
  absl::StatusOr<std::optional<Delivery>> d = c.Next(timeout);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  REQUIRE(d->has_value());
  return std::move(**d);
}

bool NoDelay(const Connection& c) {
  int on = 0;
  socklen_t length = sizeof(on);
  return getsockopt(c.fd(), IPPROTO_TCP, TCP_NODELAY, &on, &length) == 0 && on != 0;
}

// Empties a queue (as the scheduler, who may read every mig.* queue).
void Drain(const std::string& queue) {
  auto c = OpenOrFail(Broker().Plain("scheduler"));
  REQUIRE(c->Consume(queue, 100).ok());
  for (;;) {
    absl::StatusOr<std::optional<Delivery>> d = c->Next(absl::Milliseconds(300));
    REQUIRE(d.ok());
    if (!d->has_value()) break;
    REQUIRE(c->Ack((*d)->delivery_tag).ok());
  }
  REQUIRE(c->Close().ok());
}

std::string Unique(std::string_view what) { return absl::StrCat(what, " ", absl::ToUnixNanos(absl::Now())); }

TEST_CASE("plain login: publish, consume, acknowledge; unacknowledged deliveries come back") {
  Drain("mig.agent.beta");
  auto scheduler = OpenOrFail(Broker().Plain("scheduler"));
  CHECK(NoDelay(*scheduler));
  CHECK(scheduler->tls_negotiated().empty());
  const std::string command = Unique("command for beta");
  REQUIRE(scheduler->Publish("mig.agents", "beta", command, {.content_type = "application/json"}).ok());

  auto consumer = OpenOrFail(Broker().Plain("scheduler"));
  REQUIRE(consumer->Consume("mig.agent.beta", 1).ok());
  Delivery d = NextOrFail(*consumer);
  CHECK(d.body == command);
  CHECK(d.exchange == "mig.agents");
  CHECK(d.routing_key == "beta");
  CHECK(d.content_type == "application/json");
  CHECK_FALSE(d.redelivered);
  // Not acknowledged: closing the connection puts it back, marked redelivered.
  REQUIRE(consumer->Close().ok());

  consumer = OpenOrFail(Broker().Plain("scheduler"));
  REQUIRE(consumer->Consume("mig.agent.beta", 1).ok());
  d = NextOrFail(*consumer);
  CHECK(d.body == command);
  CHECK(d.redelivered);
  REQUIRE(consumer->Ack(d.delivery_tag).ok());
  absl::StatusOr<std::optional<Delivery>> none = consumer->Next(absl::Milliseconds(300));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(consumer->Close().ok());

  absl::StatusOr<QueueInfo> info = scheduler->DeclareQueue("mig.agent.beta", {.passive = true});
  REQUIRE(info.ok());
  CHECK(info->message_count == 0);
  CHECK(scheduler->Close().ok());
}

TEST_CASE("pipelined publishes are all confirmed, and consumed in order") {
  Drain("mig.agent.beta");
  auto c = OpenOrFail(Broker().Plain("scheduler"));
  constexpr int kMessages = 500;
  for (int i = 0; i < kMessages; ++i) {
    absl::StatusOr<uint64_t> seq = c->PublishAsync("mig.agents", "beta", absl::StrCat("message ", i));
    REQUIRE(seq.ok());
    CHECK(*seq == static_cast<uint64_t>(i + 1));
  }
  REQUIRE(c->WaitForConfirms(absl::Seconds(20)).ok());
  CHECK(c->unconfirmed() == 0);
  REQUIRE(c->Consume("mig.agent.beta", 50).ok());
  for (int i = 0; i < kMessages; ++i) {
    Delivery d = NextOrFail(*c);
    REQUIRE(d.body == absl::StrCat("message ", i));
    if (i % 50 == 49) REQUIRE(c->Ack(d.delivery_tag, /*multiple=*/true).ok());
  }
  CHECK(c->Close().ok());
}

TEST_CASE("a mandatory message no queue takes is an error; the connection stays usable") {
  auto c = OpenOrFail(Broker().Plain("scheduler"));
  absl::Status status = c->Publish("mig.agents", "nobody", "lost?", {.mandatory = true});
  INFO(status);
  CHECK(absl::IsNotFound(status));
  CHECK(absl::StrContains(status.message(), "NO_ROUTE"));
  CHECK(c->status().ok());
  CHECK(c->Publish("mig.agents", "nobody", "not mandatory: dropped").ok());
  CHECK(c->Close().ok());
}

TEST_CASE("TLS with an EXTERNAL login: agent alpha reads its queue and publishes results") {
  Drain("mig.agent.alpha");
  Drain("mig.scheduler.results");
  auto scheduler = OpenOrFail(Broker().Plain("scheduler"));
  const std::string command = Unique("command for alpha");
  REQUIRE(scheduler->Publish("mig.agents", "alpha", command).ok());

  auto alpha = OpenOrFail(Broker().External("alpha"));
  CHECK(absl::StartsWith(alpha->tls_negotiated(), "TLSv1.2 "));
  CHECK(NoDelay(*alpha));
  REQUIRE(alpha->Consume("mig.agent.alpha", 1).ok());
  Delivery d = NextOrFail(*alpha);
  CHECK(d.body == command);
  const std::string result = Unique("result from alpha");
  REQUIRE(alpha->Publish("mig.results", "alpha.results", result).ok());
  REQUIRE(alpha->Publish("mig.results", "alpha.heartbeat", "alive").ok());
  REQUIRE(alpha->Ack(d.delivery_tag).ok());
  CHECK(alpha->Close().ok());

  REQUIRE(scheduler->Consume("mig.scheduler.results", 10).ok());
  Delivery r = NextOrFail(*scheduler);
  CHECK(r.body == result);
  CHECK(r.routing_key == "alpha.results");
  CHECK(scheduler->Close().ok());
}

TEST_CASE("the broker's refusals are errors that say why") {
  TestBroker& broker = Broker();
  SECTION("no client certificate") {
    ConnectionOptions options = broker.Plain("alpha");
    options.port = broker.amqps_port();
    options.tls = TlsOptions{.ca_file = broker.Tls("alpha").ca_file};
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    INFO(c.status());
    CHECK(absl::IsUnavailable(c.status()));
    CHECK(absl::StrContains(c.status().message(), "no client certificate"));
  }
  SECTION("a broker certificate from a CA we do not trust") {
    ConnectionOptions options = broker.External("alpha");
    options.tls->ca_file = "base/amqp/testdata/other_ca.crt";
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    INFO(c.status());
    CHECK(absl::IsUnauthenticated(c.status()));
    CHECK(absl::StrContains(c.status().message(), "not correctly signed by the trusted CA"));
  }
  SECTION("a client certificate from a CA the broker does not trust") {
    ConnectionOptions options = broker.External("alpha");
    options.tls->cert_file = "base/amqp/testdata/other_client.crt";
    options.tls->key_file = "base/amqp/testdata/other_client.key";
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    INFO(c.status());
    CHECK(absl::IsUnavailable(c.status()));
    CHECK(absl::StrContains(c.status().message(), "client certificate"));
  }
  SECTION("a wrong password") {
    ConnectionOptions options = broker.Plain("scheduler");
    options.password = "not the password";
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    INFO(c.status());
    CHECK(absl::IsPermissionDenied(c.status()));
    CHECK(absl::StrContains(c.status().message(), "ACCESS_REFUSED - Login was refused"));
  }
  SECTION("a vhost the user may not enter") {
    ConnectionOptions options = broker.Plain("alpha");
    options.vhost = "/";
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    INFO(c.status());
    CHECK(absl::IsPermissionDenied(c.status()));
    CHECK(absl::StrContains(c.status().message(), "NOT_ALLOWED"));
  }
}

TEST_CASE("alpha cannot consume beta's queue, and the connection says it is unusable") {
  auto alpha = OpenOrFail(Broker().External("alpha"));
  absl::Status status = alpha->Consume("mig.agent.beta", 1);
  INFO(status);
  CHECK(absl::IsPermissionDenied(status));
  CHECK(absl::StrContains(status.message(),
                          "ACCESS_REFUSED - access to queue 'mig.agent.beta' in vhost 'mig' refused for user 'alpha'"));
  absl::Status after = alpha->Publish("mig.results", "alpha.results", "x");
  INFO(after);
  CHECK(absl::IsFailedPrecondition(after));
  CHECK(absl::StrContains(after.message(), "unusable"));
  CHECK(absl::StrContains(after.message(), "ACCESS_REFUSED"));
  CHECK(alpha->Close() == status);
}

TEST_CASE("alpha publishes results only under its own name (topic permission)") {
  SECTION("with publisher confirms, the refusal is Publish's error") {
    auto alpha = OpenOrFail(Broker().External("alpha"));
    CHECK(alpha->Publish("mig.results", "alpha.results", "mine").ok());
    absl::Status status = alpha->Publish("mig.results", "beta.results", "forged");
    INFO(status);
    CHECK(absl::IsPermissionDenied(status));
    CHECK(absl::StrContains(status.message(),
                            "ACCESS_REFUSED - access to topic 'beta.results' in exchange "
                            "'mig.results' in vhost 'mig' refused for user 'alpha'"));
    CHECK_FALSE(alpha->status().ok());
  }
  SECTION("nor to another exchange") {
    auto alpha = OpenOrFail(Broker().External("alpha"));
    absl::Status status = alpha->Publish("mig.agents", "beta", "a command?");
    INFO(status);
    CHECK(absl::IsPermissionDenied(status));
    CHECK(absl::StrContains(status.message(), "access to exchange 'mig.agents'"));
  }
  SECTION("without confirms, it surfaces on the next call") {
    ConnectionOptions options = Broker().External("alpha");
    options.publisher_confirms = false;
    auto alpha = OpenOrFail(options);
    REQUIRE(alpha->Consume("mig.agent.alpha", 1).ok());
    CHECK(alpha->Publish("mig.results", "beta.results", "forged").ok());
    absl::StatusOr<std::optional<Delivery>> next = alpha->Next(absl::Seconds(10));
    INFO(next.status());
    CHECK(absl::IsPermissionDenied(next.status()));
    CHECK(absl::StrContains(next.status().message(), "access to topic 'beta.results'"));
  }
}

TEST_CASE("a persistent message survives a broker restart") {
  const std::string queue = "mig.test.durable";
  const std::string body = Unique("persistent");
  {
    auto scheduler = OpenOrFail(Broker().Plain("scheduler"));
    REQUIRE(scheduler->DeclareQueue(queue).ok());
    REQUIRE(scheduler->Bind(queue, "mig.agents", "durable-test").ok());
    REQUIRE(scheduler->Publish("mig.agents", "durable-test", body, {.persistent = true}).ok());
    REQUIRE(scheduler->Publish("mig.agents", "durable-test", "transient", {.persistent = false}).ok());
    REQUIRE(scheduler->Close().ok());
  }
  REQUIRE(Broker().Restart().ok());
  auto scheduler = OpenOrFail(Broker().Plain("scheduler"));
  absl::StatusOr<QueueInfo> info = scheduler->DeclareQueue(queue, {.passive = true});
  REQUIRE(info.ok());
  CHECK(info->message_count == 1);
  REQUIRE(scheduler->Consume(queue, 1).ok());
  Delivery d = NextOrFail(*scheduler);
  CHECK(d.body == body);
  REQUIRE(scheduler->Ack(d.delivery_tag).ok());
  REQUIRE(scheduler->Close().ok());
  auto cleanup = OpenOrFail(Broker().Plain("scheduler"));
  CHECK(cleanup->DeleteQueue(queue).ok());
}

// Runs `f` on a connection consuming an empty queue, and checks that Next fails within `limit` with an
// Unavailable error, that the connection then calls itself unusable, and returns the error.
template <typename BreakBroker>
absl::Status ExpectBrokerLoss(const ConnectionOptions& options, const std::string& queue, absl::Duration limit,
                              BreakBroker break_broker) {
  Drain(queue);
  auto c = OpenOrFail(options);
  REQUIRE(c->Consume(queue, 1).ok());
  break_broker();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::optional<Delivery>> next = c->Next(absl::Seconds(60));
  INFO(next.status());
  CHECK(absl::Now() - start < limit);
  CHECK(absl::IsUnavailable(next.status()));
  absl::Status after = c->Publish("mig.results", "alpha.results", "x");
  CHECK(absl::IsFailedPrecondition(after));
  CHECK(absl::StrContains(after.message(), "unusable"));
  return next.status();
}

TEST_CASE("a broker that goes away is an error, not a hang") {
  TestBroker& broker = Broker();
  SECTION("frozen: missed heartbeats") {
    ConnectionOptions options = broker.Plain("scheduler");
    options.heartbeat = absl::Seconds(1);
    absl::Status status = ExpectBrokerLoss(options, "mig.agent.beta", absl::Seconds(10),
                                           [&] { REQUIRE(kill(broker.broker_pid(), SIGSTOP) == 0); });
    kill(broker.broker_pid(), SIGCONT);
    CHECK(absl::StrContains(status.message(), "missed heartbeats"));
  }
  SECTION("stopped: the broker closes the connection") {
    absl::Status status = ExpectBrokerLoss(broker.Plain("scheduler"), "mig.agent.beta", absl::Seconds(5),
                                           [&] { REQUIRE(broker.Stop().ok()); });
    CHECK(absl::StrContains(status.message(), "CONNECTION_FORCED"));
    absl::StatusOr<std::unique_ptr<Connection>> refused = Connection::Open(broker.Plain("scheduler"));
    INFO(refused.status());
    CHECK(absl::IsUnavailable(refused.status()));
    CHECK(absl::StrContains(refused.status().message(), "refused"));
    absl::Status resumed = broker.Resume();
    INFO(resumed);
    REQUIRE(resumed.ok());
  }
  SECTION("killed: the TLS connection drops") {
    const int pid = broker.broker_pid();
    absl::Status status = ExpectBrokerLoss(broker.External("alpha"), "mig.agent.alpha", absl::Seconds(5),
                                           [&] { REQUIRE(kill(pid, SIGKILL) == 0); });
    CHECK(absl::StrContains(status.message(), "lost the connection"));
    absl::Status resumed = broker.Resume();
    INFO(resumed);
    REQUIRE(resumed.ok());
  }
  // The broker is back for whatever runs next.
  auto c = OpenOrFail(broker.Plain("scheduler"));
  CHECK(c->Close().ok());
}

}  // namespace
}  // namespace mig::amqp
