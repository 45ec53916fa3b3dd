// A real RabbitMQ for tests: a mig site (tools/site.sh: CA, broker and client certificates, passwords, the
// definitions of vhost mig) served by an isolated broker (tools/broker.sh) under the test's temporary
// directory, over TCP and TLS. Tests using it need the `no-sandbox` tag (the broker is a tree of processes
// with its own ports) and a medium or large size (a start takes 10-20 s).
//
//   static TestBroker& broker = TestBroker::Shared({"alpha", "beta"});   // started once per test binary
//   MIG_ASSIGN_OR_RETURN(auto scheduler, Connection::Open(broker.Plain("scheduler")));
//   MIG_ASSIGN_OR_RETURN(auto alpha, Connection::Open(broker.External("alpha")));
//   REQUIRE(broker.Restart().ok());
//
// The scripts come from the runfiles (//tools:broker, a data dependency of this library; $MIG_TOOLS_DIR
// overrides). The broker is stopped when the TestBroker is destroyed, and by a watchdog process if the test
// dies first.
#ifndef MIG_BASE_AMQP_TESTING_TEST_BROKER_H_
#define MIG_BASE_AMQP_TESTING_TEST_BROKER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/amqp/connection.h"

namespace mig::amqp::testing {

class TestBroker {
 public:
  // Issues a site with these agents (plain-mode passwords for every user too) and starts its broker.
  static absl::StatusOr<std::unique_ptr<TestBroker>> Start(const std::vector<std::string>& agents);
  // One broker for the whole test binary, started at the first call; fails the test if it cannot start.
  static TestBroker& Shared(const std::vector<std::string>& agents);

  ~TestBroker();

  int amqp_port() const { return amqp_port_; }
  int amqps_port() const { return amqps_port_; }
  int broker_pid() const { return broker_pid_; }  // the Erlang VM
  const std::string& site_dir() const { return site_dir_; }

  // Options for a PLAIN login over TCP as `user` ("scheduler" or an agent), vhost mig, publisher confirms on.
  ConnectionOptions Plain(const std::string& user) const;
  // Options for TLS with `agent`'s (or "scheduler"'s) certificate and an EXTERNAL login, confirms on.
  ConnectionOptions External(const std::string& user) const;
  TlsOptions Tls(const std::string& user) const;
  std::string Password(const std::string& user) const;

  // tools/broker.sh restart / stop / start on the same instance (same ports, same data).
  absl::Status Restart();
  absl::Status Stop();
  absl::Status Resume();
  // rabbitmqctl against the broker.
  absl::StatusOr<std::string> Ctl(const std::string& arguments);

 private:
  TestBroker() = default;
  absl::Status ReadEnv();
  // Runs tools/broker.sh with these (shell-quoted) arguments; its output, or an error holding it.
  absl::StatusOr<std::string> BrokerSh(const std::string& arguments) const;

  std::string tools_;  // the source tree's tools/
  std::string dir_;    // the broker instance
  std::string site_dir_;
  int amqp_port_ = 0;
  int amqps_port_ = 0;
  int broker_pid_ = 0;
  bool running_ = false;
};

}  // namespace mig::amqp::testing

#endif  // MIG_BASE_AMQP_TESTING_TEST_BROKER_H_
