#include "modules/timedrift/sntp.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mig::modules::timedrift {
namespace {

// 1900-01-01 to 1970-01-01.
constexpr int64_t kNtpToUnixSeconds = 2208988800;
constexpr int64_t kEraSeconds = int64_t{1} << 32;

uint32_t ReadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         static_cast<uint32_t>(p[3]);
}

void WriteU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

NtpTimestamp ReadTimestamp(const uint8_t* p) { return {ReadU32(p), ReadU32(p + 4)}; }

void WriteTimestamp(uint8_t* p, NtpTimestamp t) {
  WriteU32(p, t.seconds);
  WriteU32(p + 4, t.fraction);
}

// A kiss code is four ASCII letters (RFC 4330 section 8), e.g. RATE, DENY, RSTR.
std::string KissCode(uint32_t reference_id) {
  std::string code;
  for (int shift = 24; shift >= 0; shift -= 8) {
    char c = static_cast<char>((reference_id >> shift) & 0xff);
    if (c == 0) break;
    code.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?');
  }
  return code;
}

}  // namespace

NtpTimestamp ToNtpTimestamp(absl::Time time) {
  absl::Duration since_unix = time - absl::UnixEpoch();
  int64_t seconds = absl::ToInt64Seconds(absl::Floor(since_unix, absl::Seconds(1)));
  int64_t nanos = absl::ToInt64Nanoseconds(since_unix - absl::Seconds(seconds));
  NtpTimestamp t;
  t.seconds = static_cast<uint32_t>((seconds + kNtpToUnixSeconds) & 0xffffffff);
  t.fraction = static_cast<uint32_t>((static_cast<uint64_t>(nanos) << 32) / 1'000'000'000);
  return t;
}

absl::Time FromNtpTimestamp(NtpTimestamp timestamp) {
  int64_t seconds = timestamp.seconds;
  if (seconds < (int64_t{1} << 31)) seconds += kEraSeconds;  // era 1: from 2036-02-07
  int64_t nanos = static_cast<int64_t>((static_cast<uint64_t>(timestamp.fraction) * 1'000'000'000) >> 32);
  return absl::FromUnixSeconds(seconds - kNtpToUnixSeconds) + absl::Nanoseconds(nanos);
}

std::array<uint8_t, kNtpPacketSize> SerializePacket(const NtpPacket& packet) {
  std::array<uint8_t, kNtpPacketSize> bytes{};
  bytes[0] = static_cast<uint8_t>((packet.leap & 3) << 6 | (packet.version & 7) << 3 | (packet.mode & 7));
  bytes[1] = packet.stratum;
  WriteU32(&bytes[12], packet.reference_id);
  WriteTimestamp(&bytes[24], packet.originate);
  WriteTimestamp(&bytes[32], packet.receive);
  WriteTimestamp(&bytes[40], packet.transmit);
  return bytes;
}

std::array<uint8_t, kNtpPacketSize> BuildRequest(NtpTimestamp transmit) {
  NtpPacket request;
  request.version = 4;
  request.mode = static_cast<uint8_t>(NtpMode::kClient);
  request.transmit = transmit;
  return SerializePacket(request);
}

absl::StatusOr<NtpPacket> ParsePacket(std::string_view bytes) {
  if (bytes.size() < kNtpPacketSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("reply of ", bytes.size(), " bytes is shorter than an NTP message (", kNtpPacketSize, ")"));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  NtpPacket packet;
  packet.leap = p[0] >> 6;
  packet.version = (p[0] >> 3) & 7;
  packet.mode = p[0] & 7;
  packet.stratum = p[1];
  packet.reference_id = ReadU32(p + 12);
  packet.originate = ReadTimestamp(p + 24);
  packet.receive = ReadTimestamp(p + 32);
  packet.transmit = ReadTimestamp(p + 40);
  return packet;
}

ReplyCheck CheckReply(const NtpPacket& reply, NtpTimestamp request_transmit) {
  auto invalid = [](std::string reason) { return ReplyCheck{ReplyProblem::kInvalid, std::move(reason)}; };
  if (reply.mode != static_cast<uint8_t>(NtpMode::kServer)) {
    return invalid(absl::StrCat("reply has mode ", reply.mode, ", not 4 (server)"));
  }
  if (reply.version < 1 || reply.version > 4) return invalid(absl::StrCat("reply has NTP version ", reply.version));
  if (!(reply.originate == request_transmit)) {
    return {ReplyProblem::kOriginateMismatch,
            "reply's originate timestamp is not our request's transmit timestamp (a stale or forged reply)"};
  }
  if (reply.stratum == 0) {
    return {ReplyProblem::kKissOfDeath,
            absl::StrCat("kiss-o'-death '", KissCode(reply.reference_id), "': the server refuses to serve us")};
  }
  if (reply.leap == 3) return invalid("server's clock is not synchronized (leap indicator 3)");
  if (reply.stratum > 15) return invalid(absl::StrCat("server's stratum ", reply.stratum, " means unsynchronized"));
  if (reply.transmit.IsZero()) return invalid("reply has no transmit timestamp");
  if (reply.receive.IsZero()) return invalid("reply has no receive timestamp");
  return {};
}

Measurement Measure(absl::Time t1, const NtpPacket& reply, absl::Time t4) {
  absl::Time t2 = FromNtpTimestamp(reply.receive);
  absl::Time t3 = FromNtpTimestamp(reply.transmit);
  Measurement m;
  m.offset = ((t2 - t1) + (t3 - t4)) / 2;
  m.delay = (t4 - t1) - (t3 - t2);
  return m;
}

}  // namespace mig::modules::timedrift
