// The timedrift module against SNTP responders that the test runs on 127.0.0.1.
#include "modules/timedrift/timedrift.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/result.h"
#include "modules/timedrift/sntp.h"

namespace mig::modules::timedrift {
namespace {

enum class Behaviour { kHonest, kWrongOriginate, kSilent, kKissOfDeath, kUnsynchronized };

// A one-socket SNTP server whose clock is `offset` away from ours.
class Responder {
 public:
  Responder(Behaviour behaviour, absl::Duration offset) : behaviour_(behaviour), offset_(offset) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Responder() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string server() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[512];
      sockaddr_in from{};
      socklen_t length = sizeof(from);
      ssize_t n = recvfrom(fd_, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n < 0 || behaviour_ == Behaviour::kSilent) continue;
      absl::StatusOr<NtpPacket> request = ParsePacket(std::string_view(buffer, static_cast<size_t>(n)));
      if (!request.ok()) continue;
      NtpPacket reply;
      reply.version = 4;
      reply.mode = 4;
      reply.stratum = 2;
      reply.originate = request->transmit;
      reply.receive = ToNtpTimestamp(absl::Now() + offset_);
      reply.transmit = ToNtpTimestamp(absl::Now() + offset_);
      switch (behaviour_) {
        case Behaviour::kWrongOriginate:
          reply.originate.fraction ^= 0x10000;
          break;
        case Behaviour::kKissOfDeath:
          reply.stratum = 0;
          reply.reference_id = 0x44454e59;  // "DENY"
          break;
        case Behaviour::kUnsynchronized:
          reply.leap = 3;
          break;
        default:
          break;
      }
      std::array<uint8_t, kNtpPacketSize> bytes = SerializePacket(reply);
      sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&from), length);
    }
  }

  Behaviour behaviour_;
  absl::Duration offset_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct ServerStat {
  std::string host, drift, error;
  bool reachable = false, within = false;
};

struct Outcome {
  ParsedResult result;
  bool checked = false, within = false;
  std::vector<std::string> drifts;
  std::vector<ServerStat> servers;
};

bool Bool(simdjson::dom::element object, const char* key) {
  return json::AsBool(object[key].value_unsafe(), key).value();
}
std::string Text(simdjson::dom::element object, const char* key) {
  return json::AsString(object[key].value_unsafe(), key).value();
}

Outcome Run(const std::string& parameters) {
  const Module* module = FindModule("timedrift");
  REQUIRE(module != nullptr);
  std::string json = module->Run(parameters, RunContext{});
  UNSCOPED_INFO(json);
  absl::StatusOr<ParsedResult> parsed = ParseResult(json);
  REQUIRE(parsed.ok());
  Outcome o;
  o.result = std::move(*parsed);
  o.checked = Bool(o.result.elements, "hascheckeddrift");
  o.within = Bool(o.result.elements, "iswithindrift");
  o.drifts = json::AsStringArray(o.result.elements["drifts"].value_unsafe(), "drifts").value();
  simdjson::dom::array stats = json::AsArray(o.result.statistics["ntpstats"].value_unsafe(), "ntpstats").value();
  for (simdjson::dom::element s : stats) {
    o.servers.push_back(
        {Text(s, "host"), Text(s, "drift"), Text(s, "error"), Bool(s, "reachable"), Bool(s, "withindrift")});
  }
  return o;
}

std::string ParametersJson(const std::string& drift, const std::vector<std::string>& servers) {
  std::string list;
  for (const std::string& s : servers) absl::StrAppend(&list, list.empty() ? "" : ",", "\"", s, "\"");
  return absl::StrCat(R"({"drift":")", drift, R"(","servers":[)", list, R"(],"timeout":"400ms"})");
}

// The drift reported for a server, in seconds (it is a Go duration string).
double DriftSeconds(std::string drift) {
  INFO(drift);
  size_t micro = drift.find("\u00b5s");  // Go writes microseconds as µs; absl reads us
  if (micro != std::string::npos) drift.replace(micro, 3, "us");
  absl::Duration d;
  REQUIRE(absl::ParseDuration(drift, &d));
  return absl::ToDoubleSeconds(d);
}

TEST_CASE("A server with the same time: within the drift") {
  Responder server(Behaviour::kHonest, absl::ZeroDuration());
  Outcome o = Run(ParametersJson("5s", {server.server()}));
  CHECK(o.result.success);
  CHECK_FALSE(o.result.found_anything);
  CHECK(o.checked);
  CHECK(o.within);
  CHECK(o.drifts.empty());
  REQUIRE(o.servers.size() == 1);
  CHECK(o.servers[0].reachable);
  CHECK(o.servers[0].within);
  CHECK(std::abs(DriftSeconds(o.servers[0].drift)) < 1);
}

TEST_CASE("Servers ahead and behind: offsets, verdicts and MIG's drift messages") {
  struct Case {
    double offset_seconds;
    const char* drift;
    bool within;
    const char* message_part;
  };
  const Case cases[] = {
      {100, "5s", false, "Local time is behind ntp host 127.0.0.1:"},
      {-100, "5s", false, "Local time is ahead of ntp host 127.0.0.1:"},
      {100, "200s", true, ""},
      {-3600, "1h30m", true, ""},
  };
  for (const Case& c : cases) {
    INFO(c.offset_seconds << " " << c.drift);
    Responder server(Behaviour::kHonest, absl::Seconds(c.offset_seconds));
    Outcome o = Run(ParametersJson(c.drift, {server.server()}));
    CHECK(o.result.success);
    CHECK(o.checked);
    CHECK(o.within == c.within);
    CHECK(o.result.found_anything == !c.within);
    REQUIRE(o.servers.size() == 1);
    // MIG's drift is local minus server time: the offset negated. A second of slack for a loaded machine.
    CHECK(std::abs(DriftSeconds(o.servers[0].drift) + c.offset_seconds) < 1);
    if (c.within) {
      CHECK(o.drifts.empty());
    } else {
      REQUIRE(o.drifts.size() == 1);
      CHECK_THAT(o.drifts[0], Catch::Contains(c.message_part));
    }
  }
}

TEST_CASE("One falseticker among three servers does not condemn the host; it is still reported") {
  Responder good1(Behaviour::kHonest, absl::ZeroDuration());
  Responder good2(Behaviour::kHonest, absl::ZeroDuration());
  Responder bad(Behaviour::kHonest, absl::Seconds(300));
  Outcome o = Run(ParametersJson("5s", {good1.server(), bad.server(), good2.server()}));
  CHECK(o.result.success);
  CHECK(o.within);
  CHECK_FALSE(o.result.found_anything);
  REQUIRE(o.drifts.size() == 1);
  CHECK_THAT(o.drifts[0], Catch::Contains(bad.server()));
  REQUIRE(o.servers.size() == 3);
  CHECK(o.servers[1].host == bad.server());
  CHECK_FALSE(o.servers[1].within);
}

TEST_CASE("Unusable servers are unreachable, each with its reason; a good one still decides") {
  Responder wrong(Behaviour::kWrongOriginate, absl::ZeroDuration());
  Responder silent(Behaviour::kSilent, absl::ZeroDuration());
  Responder kiss(Behaviour::kKissOfDeath, absl::ZeroDuration());
  Responder unsynchronized(Behaviour::kUnsynchronized, absl::ZeroDuration());
  Responder good(Behaviour::kHonest, absl::Seconds(60));
  Outcome o = Run(
      ParametersJson("5s", {wrong.server(), silent.server(), kiss.server(), unsynchronized.server(), good.server()}));
  CHECK(o.result.success);
  CHECK(o.checked);
  CHECK_FALSE(o.within);
  CHECK(o.result.found_anything);
  REQUIRE(o.servers.size() == 5);
  const char* reasons[] = {"a reply was rejected: reply's originate timestamp is not our request's",
                           "no answer before the timeout", "kiss-o'-death 'DENY'", "not synchronized"};
  for (size_t i = 0; i < 4; ++i) {
    INFO(o.servers[i].host);
    CHECK_FALSE(o.servers[i].reachable);
    CHECK(o.servers[i].drift.empty());
    CHECK_THAT(o.servers[i].error, Catch::Contains(reasons[i]));
  }
  CHECK(o.servers[4].reachable);
}

TEST_CASE("No server answering fails the run and says so; names that do not resolve say why") {
  Responder silent(Behaviour::kSilent, absl::ZeroDuration());
  // "a..b" cannot be a DNS name, so its resolution fails at once, with no network needed.
  Outcome o = Run(ParametersJson("5s", {silent.server(), "a..b"}));
  CHECK_FALSE(o.result.success);
  CHECK_FALSE(o.result.found_anything);
  CHECK_FALSE(o.checked);
  REQUIRE(o.result.errors.size() == 1);
  CHECK_THAT(o.result.errors[0], Catch::Contains("no NTP server answered (2 asked, from parameters)"));
  REQUIRE(o.servers.size() == 2);
  CHECK_THAT(o.servers[1].error, Catch::Contains("cannot resolve 'a..b'"));
}

TEST_CASE("A run past its deadline stops waiting and says so") {
  Responder silent(Behaviour::kSilent, absl::ZeroDuration());
  Parameters parameters;
  parameters.drift = absl::Seconds(5);
  parameters.servers = {silent.server()};
  RunContext context;
  context.deadline = absl::Now() - absl::Seconds(1);
  absl::StatusOr<ParsedResult> r = ParseResult(RunTimedrift(parameters, context));
  REQUIRE(r.ok());
  CHECK_FALSE(r->success);
  REQUIRE(r->errors.size() == 2);
  CHECK_THAT(r->errors[1], Catch::Contains("reached its deadline"));
}

TEST_CASE("Without a drift only the local time is reported, as MIG") {
  const Module* module = FindModule("timedrift");
  REQUIRE(module != nullptr);
  absl::StatusOr<ParsedResult> r = ParseResult(module->Run("{}", RunContext{}));
  REQUIRE(r.ok());
  CHECK(r->success);
  CHECK(r->found_anything);
  CHECK_FALSE(Bool(r->elements, "hascheckeddrift"));
  absl::Time local;
  std::string error;
  CHECK(absl::ParseTime(absl::RFC3339_full, Text(r->elements, "localtime"), &local, &error));
}

TEST_CASE("Timedrift results render as MIG's client prints them") {
  const Module* module = FindModule("timedrift");
  REQUIRE(module != nullptr);
  const std::string result =
      R"j({"foundanything":true,"success":true,"elements":{"hascheckeddrift":true,"iswithindrift":false,)j"
      R"j("drifts":["Local time is behind ntp host ntp1 by 1m40s"],"localtime":"2026-11-29T09:00:00.5Z"},)j"
      R"j("statistics":{"exectime":"2.1ms","serversource":"parameters","ntpstats":[{"host":"ntp1",)j"
      R"j("address":"10.0.0.1:123","reachable":true,"time":"2026-11-29T09:01:40.5Z","latency":"1.2ms",)j"
      R"j("drift":"-1m40s","delay":"1.1ms","stratum":2,"withindrift":false,"error":""},{"host":"ntp2",)j"
      R"j("address":"","reachable":false,"time":"0001-01-01T00:00:00Z","latency":"","drift":"","delay":"",)j"
      R"j("stratum":0,"withindrift":false,"error":"cannot resolve 'ntp2': Name does not resolve"}]},"errors":[]})j";
  const std::string head =
      "local time is 2026-11-29T09:00:00.5Z\n"
      "local time is out of sync from NTP servers\n"
      "Local time is behind ntp host ntp1 by 1m40s\n";
  absl::StatusOr<std::string> found = module->Render(result, {.show = Show::kFound});
  REQUIRE(found.ok());
  CHECK(*found == head);
  absl::StatusOr<std::string> all = module->Render(result, {.show = Show::kAll});
  REQUIRE(all.ok());
  CHECK(*all == head +
                    "stat: execution time was 2.1ms\n"
                    "stat: servers from parameters\n"
                    "stat: ntp1 (10.0.0.1:123) responded in 1.2ms with time 2026-11-29T09:01:40.5Z. local time "
                    "drifts by -1m40s\n"
                    "stat: ntp2 was unreachable: cannot resolve 'ntp2': Name does not resolve\n"
                    "timedrift module has succeeded\n");
}

}  // namespace
}  // namespace mig::modules::timedrift
