#include "modules/timedrift/sntp.h"

#include <string>

#include "absl/time/time.h"
#include "catch2/catch.hpp"

namespace mig::modules::timedrift {
namespace {

TEST_CASE("NTP timestamps convert to and from absl::Time across eras") {
  struct Case {
    absl::Time time;
    uint32_t seconds;
  };
  const Case cases[] = {
      {absl::UnixEpoch(), 2208988800u},
      {absl::FromUnixSeconds(1700000000), 3908988800u},
      // 2036-02-07T06:28:16Z: NTP era 1 starts, the seconds wrap to 0.
      {absl::FromUnixSeconds(2085978496), 0u},
      {absl::FromUnixSeconds(2085978496 + 100), 100u},
  };
  for (const Case& c : cases) {
    INFO(absl::FormatTime(c.time));
    NtpTimestamp t = ToNtpTimestamp(c.time);
    CHECK(t.seconds == c.seconds);
    CHECK(t.fraction == 0);
    CHECK(FromNtpTimestamp(t) == c.time);
  }
  // Fractions: 2^31 is half a second; a round trip loses less than a nanosecond.
  NtpTimestamp half = ToNtpTimestamp(absl::FromUnixSeconds(1700000000) + absl::Milliseconds(500));
  CHECK(half.fraction == 0x80000000u);
  absl::Time precise = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789);
  CHECK(absl::AbsDuration(FromNtpTimestamp(ToNtpTimestamp(precise)) - precise) <= absl::Nanoseconds(1));
}

TEST_CASE("A request is 48 bytes: version 4, client mode, our transmit timestamp") {
  std::array<uint8_t, kNtpPacketSize> request = BuildRequest({0x01020304, 0x05060708});
  CHECK(request[0] == 0x23);
  for (size_t i = 1; i < 40; ++i) CHECK(request[i] == 0);
  CHECK(request[40] == 1);
  CHECK(request[43] == 4);
  CHECK(request[47] == 8);
  absl::StatusOr<NtpPacket> parsed =
      ParsePacket(std::string_view(reinterpret_cast<const char*>(request.data()), request.size()));
  REQUIRE(parsed.ok());
  CHECK(parsed->version == 4);
  CHECK(parsed->mode == 3);
  CHECK(parsed->transmit == NtpTimestamp{0x01020304, 0x05060708});
  CHECK_FALSE(ParsePacket(std::string(47, '\0')).ok());
}

NtpPacket GoodReply(NtpTimestamp originate) {
  NtpPacket reply;
  reply.version = 4;
  reply.mode = 4;
  reply.stratum = 2;
  reply.originate = originate;
  reply.receive = {3908988800u, 1};
  reply.transmit = {3908988800u, 2};
  return reply;
}

TEST_CASE("Replies are checked: mode, version, originate, kiss-o'-death, leap, stratum, timestamps") {
  const NtpTimestamp ours{3908988800u, 0x1234};
  struct Case {
    const char* name;
    void (*change)(NtpPacket&);
    ReplyProblem problem;
    const char* reason_part;
  };
  const Case cases[] = {
      {"good", [](NtpPacket&) {}, ReplyProblem::kNone, ""},
      {"version 3 server", [](NtpPacket& p) { p.version = 3; }, ReplyProblem::kNone, ""},
      {"client mode", [](NtpPacket& p) { p.mode = 3; }, ReplyProblem::kInvalid, "mode 3, not 4"},
      {"version 0", [](NtpPacket& p) { p.version = 0; }, ReplyProblem::kInvalid, "version 0"},
      {"other originate", [](NtpPacket& p) { p.originate.fraction ^= 1; }, ReplyProblem::kOriginateMismatch,
       "originate timestamp"},
      {"kiss-o'-death",
       [](NtpPacket& p) {
         p.stratum = 0;
         p.reference_id = 0x52415445;  // "RATE"
       },
       ReplyProblem::kKissOfDeath, "kiss-o'-death 'RATE'"},
      {"alarm", [](NtpPacket& p) { p.leap = 3; }, ReplyProblem::kInvalid, "not synchronized"},
      {"stratum 16", [](NtpPacket& p) { p.stratum = 16; }, ReplyProblem::kInvalid, "stratum 16"},
      {"no transmit", [](NtpPacket& p) { p.transmit = {}; }, ReplyProblem::kInvalid, "no transmit timestamp"},
      {"no receive", [](NtpPacket& p) { p.receive = {}; }, ReplyProblem::kInvalid, "no receive timestamp"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    NtpPacket reply = GoodReply(ours);
    c.change(reply);
    // Through the wire format, so that serialization is checked too.
    std::array<uint8_t, kNtpPacketSize> bytes = SerializePacket(reply);
    absl::StatusOr<NtpPacket> parsed =
        ParsePacket(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    REQUIRE(parsed.ok());
    ReplyCheck check = CheckReply(*parsed, ours);
    CHECK(check.problem == c.problem);
    CHECK_THAT(check.reason, Catch::Contains(c.reason_part));
  }
}

TEST_CASE("Offset and delay follow RFC 4330") {
  struct Case {
    int64_t t1_ms, t2_ms, t3_ms, t4_ms;
    int64_t offset_ms, delay_ms;
  };
  const Case cases[] = {
      {0, 10, 10, 20, 0, 20},           // in sync, 10ms each way
      {0, 5010, 5011, 21, 5000, 20},    // network 5s ahead
      {1000, 10, 12, 1030, -1004, 28},  // local clock ahead
      {0, 100, 100, 20, 90, 20},        // asymmetric: the offset carries half the asymmetry
  };
  absl::Time base = absl::FromUnixSeconds(1700000000);
  for (const Case& c : cases) {
    NtpPacket reply = GoodReply({});
    reply.receive = ToNtpTimestamp(base + absl::Milliseconds(c.t2_ms));
    reply.transmit = ToNtpTimestamp(base + absl::Milliseconds(c.t3_ms));
    Measurement m = Measure(base + absl::Milliseconds(c.t1_ms), reply, base + absl::Milliseconds(c.t4_ms));
    CHECK(absl::AbsDuration(m.offset - absl::Milliseconds(c.offset_ms)) <= absl::Nanoseconds(2));
    CHECK(absl::AbsDuration(m.delay - absl::Milliseconds(c.delay_ms)) <= absl::Nanoseconds(2));
  }
}

}  // namespace
}  // namespace mig::modules::timedrift
