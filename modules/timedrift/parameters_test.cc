#include "modules/timedrift/parameters.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/timedrift/command_line.h"
#include "modules/timedrift/servers.h"

namespace mig::modules::timedrift {
namespace {

TEST_CASE("Go durations parse; absl-only and negative forms do not") {
  const std::pair<const char*, absl::Duration> good[] = {{"5s", absl::Seconds(5)},
                                                         {"250ms", absl::Milliseconds(250)},
                                                         {"1m30s", absl::Seconds(90)},
                                                         {"1.5h", absl::Minutes(90)},
                                                         {"0", absl::ZeroDuration()},
                                                         {"10us", absl::Microseconds(10)},
                                                         {"10\u00b5s", absl::Microseconds(10)},
                                                         {"1.5\u03bcs", absl::Nanoseconds(1500)}};
  for (const auto& [text, want] : good) {
    INFO(text);
    absl::StatusOr<absl::Duration> d = ParseGoDuration(text, "drift");
    REQUIRE(d.ok());
    CHECK(*d == want);
  }
  for (const char* bad : {"", "5", "five", "inf", "-5s", "5 s", "s"}) {
    INFO(bad);
    absl::StatusOr<absl::Duration> d = ParseGoDuration(bad, "drift");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(std::string(d.status().message()), Catch::Contains(absl::StrCat("drift '", bad, "'")));
  }
}

TEST_CASE("Timedrift parameters parse as MIG's, with our servers and timeout") {
  struct Case {
    const char* json;
    bool has_drift;
    absl::Duration drift;
    size_t servers;
    absl::Duration timeout;
  };
  const Case cases[] = {
      {R"({"drift":"5s"})", true, absl::Seconds(5), 0, kDefaultServerTimeout},
      {R"({"drift":""})", false, absl::ZeroDuration(), 0, kDefaultServerTimeout},
      {R"({})", false, absl::ZeroDuration(), 0, kDefaultServerTimeout},
      {R"({"drift":"100ms","servers":["ntp.example.net","127.0.0.1:1123","[::1]:1123"],"timeout":"2s"})", true,
       absl::Milliseconds(100), 3, absl::Seconds(2)},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    absl::StatusOr<Parameters> p = ParseParameters(c.json);
    INFO(p.status().message());
    REQUIRE(p.ok());
    CHECK(p->drift.has_value() == c.has_drift);
    if (c.has_drift) CHECK(*p->drift == c.drift);
    CHECK(p->servers.size() == c.servers);
    CHECK(p->timeout == c.timeout);
    absl::StatusOr<Parameters> again = ParseParameters(ParametersToJson(*p));
    REQUIRE(again.ok());
    CHECK(ParametersToJson(*again) == ParametersToJson(*p));
  }
  CHECK(ParametersToJson(*ParseParameters(R"({"drift":"5s"})")) == R"({"drift":"5s"})");
}

TEST_CASE("Invalid timedrift parameters are refused with the field and the reason") {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"drift":5})", "drift: expected a string, got number"},
      {R"({"drift":"5"})", "drift '5' has no unit"},
      {R"({"drift":"-1s"})", "drift '-1s' is negative"},
      {R"({"drfit":"5s"})", "unknown field \"drfit\""},
      {R"({"drift":"5s","servers":"a"})", "servers: expected an array of strings"},
      {R"({"drift":"5s","servers":["a:0"]})", "server 'a:0' has port '0'"},
      {R"({"drift":"5s","servers":["bad host"]})", "server 'bad host' is not a host name or an address"},
      {R"({"drift":"5s","servers":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]})",
       "17 servers, at most 16"},
      {R"({"drift":"5s","timeout":"0s"})", "timeout 0s is out of range"},
      {R"({"drift":"5s","timeout":"2m"})", "timeout 2m0s is out of range"},
  };
  for (const auto& [json, message] : cases) {
    INFO(json);
    absl::StatusOr<Parameters> p = ParseParameters(json);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(std::string(p.status().message()), Catch::Contains(message));
  }
}

TEST_CASE("Servers are host, host:port, [v6], [v6]:port or a bare IPv6 address") {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  };
  const Case cases[] = {{"0.pool.ntp.org", "0.pool.ntp.org", 123},
                        {"127.0.0.1:1123", "127.0.0.1", 1123},
                        {"[::1]:1123", "::1", 1123},
                        {"[::1]", "::1", 123},
                        {"fe80::1", "fe80::1", 123},
                        {"time.nist.gov:123", "time.nist.gov", 123}};
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<NtpServer> s = ParseServer(c.text);
    REQUIRE(s.ok());
    CHECK(s->host == c.host);
    CHECK(s->port == c.port);
    CHECK(s->name == c.text);
  }
  for (const char* bad : {"", ":123", "a:", "a:99999", "a:12x", "[::1", "[::1]x", "[]:1", "a/b"}) {
    INFO(bad);
    CHECK_FALSE(ParseServer(bad).ok());
  }
}

TEST_CASE("NTP daemons' configurations name their servers") {
  CHECK(ServersFromNtpConf("# comment\nserver 0.debian.pool.ntp.org iburst\nserver 127.127.1.0\n"
                           "pool 2.debian.pool.ntp.org\nrestrict default kod\nserver\n  peer 10.0.0.2 # p\n") ==
        std::vector<std::string>{"0.debian.pool.ntp.org", "2.debian.pool.ntp.org", "10.0.0.2"});
  CHECK(ServersFromChronyConf("pool 2.debian.pool.ntp.org iburst\n#server x\nserver ntp.lan port 1123 iburst\n"
                              "server fe80::1 port 124\nrefclock PHC /dev/ptp0\nsourcedir /run/chrony-dhcp\n") ==
        std::vector<std::string>{"2.debian.pool.ntp.org", "ntp.lan:1123", "[fe80::1]:124"});
  CHECK(ServersFromTimesyncdConf("[Time]\n#NTP=\nFallbackNTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org\n") ==
        std::vector<std::string>{"0.debian.pool.ntp.org", "1.debian.pool.ntp.org"});
  CHECK(ServersFromTimesyncdConf("[Time]\nNTP=ntp1 ntp2\nFallbackNTP=f\n[Other]\nNTP=no\n") ==
        std::vector<std::string>{"ntp1", "ntp2"});
  CHECK(ServersFromTimesyncdConf("[Time]\n#NTP=\n#FallbackNTP=0.debian.pool.ntp.org\n").empty());
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string TempRoot() {
  const char* base = getenv("TEST_TMPDIR");
  std::string root = absl::StrCat(base != nullptr ? base : "/tmp", "/timedrift-XXXXXX");
  REQUIRE(mkdtemp(root.data()) != nullptr);
  for (const char* dir :
       {"/etc", "/etc/chrony", "/etc/chrony/sources.d", "/etc/systemd", "/etc/systemd/timesyncd.conf.d"}) {
    mkdir((root + dir).c_str(), 0755);
  }
  return root;
}

TEST_CASE("The host's servers come from the first NTP daemon configured, else MIG's pool") {
  std::string root = TempRoot();
  ServerList none = ConfiguredServers(root);
  CHECK(none.servers == MigFallbackServers());
  CHECK(none.source == "MIG's fallback pool");

  Write(root + "/etc/systemd/timesyncd.conf", "[Time]\nNTP=a b\n");
  Write(root + "/etc/systemd/timesyncd.conf.d/10-site.conf", "[Time]\nNTP=site1\n");
  ServerList timesyncd = ConfiguredServers(root);
  CHECK(timesyncd.servers == std::vector<std::string>{"site1"});
  CHECK_THAT(timesyncd.source, Catch::Contains("10-site.conf"));

  Write(root + "/etc/chrony/chrony.conf", "pool 2.debian.pool.ntp.org iburst\nsourcedir /etc/chrony/sources.d\n");
  Write(root + "/etc/chrony/sources.d/lan.sources", "server 10.1.1.1 iburst\n");
  ServerList chrony = ConfiguredServers(root);
  CHECK(chrony.servers == std::vector<std::string>{"2.debian.pool.ntp.org", "10.1.1.1"});
  CHECK(chrony.source == root + "/etc/chrony/chrony.conf, " + root + "/etc/chrony/sources.d/lan.sources");

  Write(root + "/etc/ntp.conf", "server ntp.example.net\n");
  ServerList ntpd = ConfiguredServers(root);
  CHECK(ntpd.servers == std::vector<std::string>{"ntp.example.net"});
  CHECK(ntpd.source == root + "/etc/ntp.conf");
}

absl::StatusOr<Parameters> FromFlags(std::vector<std::string> args) {
  CLI::App app;
  TimedriftCommandLine flags;
  flags.AddFlags(app);
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return flags.ToParameters();
}

TEST_CASE("Timedrift flags make the parameters") {
  const std::pair<std::vector<std::string>, const char*> good[] = {
      {{}, R"({"drift":""})"},
      {{"--drift", "5s"}, R"({"drift":"5s"})"},
      {{"--drift=1m30s", "--server", "a", "--server", "127.0.0.1:1123", "--servertimeout", "500ms"},
       R"({"drift":"1m30s","servers":["a","127.0.0.1:1123"],"timeout":"500ms"})"},
  };
  for (const auto& [args, json] : good) {
    absl::StatusOr<Parameters> p = FromFlags(args);
    INFO(p.status().message());
    REQUIRE(p.ok());
    CHECK(ParametersToJson(*p) == json);
  }
  const std::pair<std::vector<std::string>, const char*> bad[] = {
      {{"--drift", "5"}, "-drift '5' has no unit"},
      {{"--drift", "5s", "--servertimeout", "soon"}, "-servertimeout 'soon'"},
      {{"--server", "a"}, "need -drift"},
      {{"--drift", "5s", "--server", "a:b"}, "server 'a:b' has port 'b'"},
  };
  for (const auto& [args, message] : bad) {
    absl::StatusOr<Parameters> p = FromFlags(args);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(std::string(p.status().message()), Catch::Contains(message));
  }
}

}  // namespace
}  // namespace mig::modules::timedrift
