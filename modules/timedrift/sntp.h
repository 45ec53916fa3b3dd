// SNTP version 4 (RFC 4330) messages and the clock arithmetic of one exchange, with no I/O:
//
//   std::array<uint8_t, kNtpPacketSize> request = BuildRequest(ToNtpTimestamp(t1));
//   ... send, receive `reply_bytes` at t4 ...
//   MIG_ASSIGN_OR_RETURN(NtpPacket reply, ParsePacket(reply_bytes));
//   MIG_RETURN_IF_ERROR(CheckReply(reply, request_transmit));   // mode, stratum, leap, originate, KoD
//   Measurement m = Measure(t1, reply, t4);                      // m.offset, m.delay
#ifndef MIG_MODULES_TIMEDRIFT_SNTP_H_
#define MIG_MODULES_TIMEDRIFT_SNTP_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::modules::timedrift {

inline constexpr size_t kNtpPacketSize = 48;

// Seconds since 1900 and 2^-32 fractions. The seconds wrap in 2036; values below 2^31 are read as the
// next era (RFC 4330 section 3), which covers 1968 to 2104.
struct NtpTimestamp {
  uint32_t seconds = 0;
  uint32_t fraction = 0;

  bool operator==(const NtpTimestamp& other) const { return seconds == other.seconds && fraction == other.fraction; }
  bool IsZero() const { return seconds == 0 && fraction == 0; }
};

NtpTimestamp ToNtpTimestamp(absl::Time time);
absl::Time FromNtpTimestamp(NtpTimestamp timestamp);

enum class NtpMode : uint8_t { kClient = 3, kServer = 4 };

struct NtpPacket {
  uint8_t leap = 0;
  uint8_t version = 0;
  uint8_t mode = 0;
  uint8_t stratum = 0;
  uint32_t reference_id = 0;
  NtpTimestamp originate;
  NtpTimestamp receive;
  NtpTimestamp transmit;
};

// A client request: version 4, mode 3, everything zero but the transmit timestamp.
std::array<uint8_t, kNtpPacketSize> BuildRequest(NtpTimestamp transmit);

// Any 48-byte (or longer, with extensions) NTP message; the reply and the responder of the tests use it.
std::array<uint8_t, kNtpPacketSize> SerializePacket(const NtpPacket& packet);
absl::StatusOr<NtpPacket> ParsePacket(std::string_view bytes);

// Why a reply cannot be used. kOriginateMismatch is a reply to some other request (late, duplicated or
// forged): the client keeps waiting for its own. kKissOfDeath is the server telling the client to go away.
enum class ReplyProblem { kNone, kOriginateMismatch, kKissOfDeath, kInvalid };
struct ReplyCheck {
  ReplyProblem problem = ReplyProblem::kNone;
  std::string reason;
};
ReplyCheck CheckReply(const NtpPacket& reply, NtpTimestamp request_transmit);

struct Measurement {
  absl::Duration offset;  // network time minus local time: ((T2 - T1) + (T3 - T4)) / 2
  absl::Duration delay;   // round trip minus the server's time: (T4 - T1) - (T3 - T2)
};
// t1: when the request left (local clock); t4: when the reply arrived (local clock).
Measurement Measure(absl::Time t1, const NtpPacket& reply, absl::Time t4);

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_SNTP_H_
