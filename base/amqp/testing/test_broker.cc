#include "base/amqp/testing/test_broker.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "catch2/catch.hpp"

namespace mig::amqp::testing {
namespace {

// Runs a shell command; its output (stdout and stderr) on success, or an error holding it.
absl::StatusOr<std::string> Run(const std::string& command) {
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", command));
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  int status = pclose(pipe);
  if (status != 0) {
    return absl::InternalError(absl::StrCat(command, " failed (status ", status, "):\n", out));
  }
  return out;
}

std::string Quote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

// tools/ with broker.sh and site.sh: the test's runfiles (data dependency //tools:broker), resolved to the
// source files so that the watchdog still finds them after the test; $MIG_TOOLS_DIR overrides.
absl::StatusOr<std::string> ToolsDir() {
  if (const char* dir = getenv("MIG_TOOLS_DIR"); dir != nullptr && *dir != '\0') return std::string(dir);
  char resolved[PATH_MAX];
  if (realpath("tools/broker.sh", resolved) == nullptr) {
    return absl::FailedPreconditionError(
        "tools/broker.sh is not in the test's runfiles: add //tools:broker to its data, or set MIG_TOOLS_DIR");
  }
  std::string path = resolved;
  return path.substr(0, path.rfind('/'));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestBroker>> TestBroker::Start(const std::vector<std::string>& agents) {
  auto broker = std::unique_ptr<TestBroker>(new TestBroker());
  MIG_ASSIGN_OR_RETURN(broker->tools_, ToolsDir());
  const char* tmp = getenv("TEST_TMPDIR");
  char base_template[] = "/tmp/mig-amqp-test.XXXXXX";
  std::string base;
  if (tmp != nullptr && *tmp != '\0') {
    base = absl::StrCat(tmp, "/amqp-broker");
  } else {
    if (mkdtemp(base_template) == nullptr) return absl::InternalError("mkdtemp failed");
    base = base_template;
  }
  broker->site_dir_ = absl::StrCat(base, "/site");
  broker->dir_ = absl::StrCat(base, "/broker");
  const std::string site = Quote(broker->site_dir_);
  const std::string site_sh = absl::StrCat("bash ", Quote(broker->tools_ + "/site.sh"));
  MIG_RETURN_IF_ERROR(Run(absl::StrCat("rm -rf ", Quote(base), " && mkdir -p ", Quote(base))).status());
  MIG_RETURN_IF_ERROR(Run(absl::StrCat(site_sh, " init ", site)).status());
  if (!agents.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& a : agents) quoted.push_back(Quote(a));
    MIG_RETURN_IF_ERROR(Run(absl::StrCat(site_sh, " agent ", site, " ", absl::StrJoin(quoted, " "))).status());
  }
  MIG_RETURN_IF_ERROR(Run(absl::StrCat(site_sh, " plain ", site)).status());
  // If this process dies without stopping the broker, a detached watchdog stops it.
  const std::string watchdog =
      absl::StrCat("setsid sh -c 'while kill -0 ", getpid(), " 2>/dev/null; do sleep 0.5; done; test -f ", broker->dir_,
                   "/instance.env && exec bash ", broker->tools_, "/broker.sh stop ", broker->dir_,
                   "' </dev/null >/dev/null 2>&1 &");
  MIG_RETURN_IF_ERROR(Run(watchdog).status());
  broker->running_ = true;  // from here on, whatever happens, the destructor stops what may have started
  MIG_RETURN_IF_ERROR(broker
                          ->BrokerSh(absl::StrCat("start ", Quote(broker->dir_), " --definitions ",
                                                  Quote(broker->site_dir_ + "/definitions.json"), " --pki ", site))
                          .status());
  MIG_RETURN_IF_ERROR(broker->ReadEnv());
  return broker;
}

TestBroker& TestBroker::Shared(const std::vector<std::string>& agents) {
  static TestBroker* shared = [&] {
    absl::StatusOr<std::unique_ptr<TestBroker>> started = Start(agents);
    INFO(started.status().ToString());
    REQUIRE(started.ok());
    return started->release();
  }();
  // Stopped at exit: destroying it stops the broker (the watchdog would, a moment later).
  static const std::unique_ptr<TestBroker> owner(shared);
  return *shared;
}

TestBroker::~TestBroker() {
  if (running_) Stop().IgnoreError();
}

absl::Status TestBroker::ReadEnv() {
  MIG_ASSIGN_OR_RETURN(std::string env, ReadFileBounded(dir_ + "/broker.env", 1 << 16));
  for (std::string_view line : absl::StrSplit(env, '\n', absl::SkipEmpty())) {
    std::pair<std::string_view, std::string_view> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.first == "MIG_BROKER_AMQP_PORT") (void)absl::SimpleAtoi(kv.second, &amqp_port_);
    if (kv.first == "MIG_BROKER_AMQPS_PORT") (void)absl::SimpleAtoi(kv.second, &amqps_port_);
    if (kv.first == "MIG_BROKER_PID") (void)absl::SimpleAtoi(kv.second, &broker_pid_);
  }
  if (amqp_port_ == 0 || amqps_port_ == 0) return absl::InternalError("broker.env lacks the ports:\n" + env);
  return absl::OkStatus();
}

absl::Status TestBroker::Restart() {
  running_ = true;
  MIG_RETURN_IF_ERROR(BrokerSh(absl::StrCat("restart ", Quote(dir_))).status());
  return ReadEnv();
}

absl::Status TestBroker::Stop() {
  MIG_RETURN_IF_ERROR(BrokerSh(absl::StrCat("stop ", Quote(dir_))).status());
  running_ = false;
  return absl::OkStatus();
}

absl::Status TestBroker::Resume() {
  running_ = true;
  MIG_RETURN_IF_ERROR(BrokerSh(absl::StrCat("start ", Quote(dir_))).status());
  return ReadEnv();
}

absl::StatusOr<std::string> TestBroker::Ctl(const std::string& arguments) {
  return BrokerSh(absl::StrCat("ctl ", Quote(dir_), " ", arguments));
}

absl::StatusOr<std::string> TestBroker::BrokerSh(const std::string& arguments) const {
  return Run(absl::StrCat("bash ", Quote(tools_ + "/broker.sh"), " ", arguments));
}

std::string TestBroker::Password(const std::string& user) const {
  absl::StatusOr<std::string> password = ReadFileBounded(absl::StrCat(site_dir_, "/passwords/", user), 4096);
  return password.ok() ? std::string(absl::StripAsciiWhitespace(*password)) : "";
}

ConnectionOptions TestBroker::Plain(const std::string& user) const {
  ConnectionOptions options;
  options.port = amqp_port_;
  options.vhost = "mig";
  options.user = user;
  options.password = Password(user);
  options.publisher_confirms = true;
  options.connect_timeout = absl::Seconds(20);
  options.rpc_timeout = absl::Seconds(20);
  return options;
}

TlsOptions TestBroker::Tls(const std::string& user) const {
  const std::string prefix =
      user == "scheduler" ? absl::StrCat(site_dir_, "/scheduler") : absl::StrCat(site_dir_, "/agents/", user);
  return {.ca_file = site_dir_ + "/ca.crt", .cert_file = prefix + ".crt", .key_file = prefix + ".key"};
}

ConnectionOptions TestBroker::External(const std::string& user) const {
  ConnectionOptions options = Plain(user);
  options.port = amqps_port_;
  options.tls = Tls(user);
  options.login = Login::kExternal;
  options.user.clear();
  options.password.clear();
  return options;
}

}  // namespace mig::amqp::testing
