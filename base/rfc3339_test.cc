// RFC 3339 exactly: what the grammar allows is read to the nanosecond, and everything else — including what
// absl::ParseTime(absl::RFC3339_full, ...) lets through — is refused with the reason.
#include "base/rfc3339.h"

#include <string>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"

namespace mig {
namespace {

struct Accepted {
  const char* text;
  int64_t unix_seconds;
  int64_t nanoseconds;
};

TEST_CASE("RFC 3339 times are read to the nanosecond, in any offset") {
  constexpr Accepted kCases[] = {
      {"2026-11-29T04:37:37Z", 1795927057, 0},
      {"2026-11-29t04:37:37z", 1795927057, 0},  // RFC 3339 5.6: T and Z may be lower case
      {"2026-11-29T05:37:37+01:00", 1795927057, 0},
      {"2026-11-28T23:07:37-05:30", 1795927057, 0},
      {"2026-11-29T04:37:37-00:00", 1795927057, 0},
      {"2026-11-29T04:37:37.5Z", 1795927057, 500'000'000},
      {"2026-11-29T04:37:37.000000001Z", 1795927057, 1},
      {"2026-11-29T04:37:37.123456789+00:00", 1795927057, 123'456'789},
      {"1970-01-01T00:00:00Z", 0, 0},
      {"1969-12-31T23:59:59Z", -1, 0},
      {"2024-02-29T00:00:00Z", 1709164800, 0},  // a leap year
      {"2000-02-29T00:00:00Z", 951782400, 0},   // divisible by 400
      {"9999-12-31T23:59:59Z", 253402300799, 0},
      {"0000-01-01T00:00:00Z", -62167219200, 0},
  };
  for (const Accepted& c : kCases) {
    INFO(c.text);
    absl::StatusOr<absl::Time> time = ParseRfc3339(c.text);
    INFO(time.status().message());
    REQUIRE(time.ok());
    CHECK(*time == absl::FromUnixSeconds(c.unix_seconds) + absl::Nanoseconds(c.nanoseconds));
  }
}

struct Refused {
  std::string text;
  const char* reason;
};

TEST_CASE("class time-literal: anything but an RFC 3339 date-time is refused, with the reason") {
  const Refused kCases[] = {
      // absl::ParseTime accepts these: a time no clock reaches, or text RFC 3339 does not allow.
      {"infinite-future", "4-digit year"},
      {"infinite-past", "4-digit year"},
      {"+2026-11-29T04:37:37Z", "4-digit year"},
      {"-2026-11-29T04:37:37Z", "4-digit year"},
      {"12026-11-29T04:37:37Z", "4-digit year"},
      {" 2026-11-29T04:37:37Z", "4-digit year"},
      {"2026-11-29T04:37:37Z ", "unexpected text after the time"},
      {"2026-11-29T04:37:37+0100", "followed by ':'"},
      {"2026-11-29T04:37:37.1234567890Z", "more than 9 fractional digits"},
      {"2026-11-29T04:37:60Z", "leap seconds"},
      // Out of range for the calendar or the clock.
      {"2026-13-01T00:00:00Z", "month 13"},
      {"2026-00-01T00:00:00Z", "month 0"},
      {"2026-02-29T00:00:00Z", "day 29 is not in February 2026"},
      {"1900-02-29T00:00:00Z", "day 29 is not in February 1900"},
      {"2026-04-31T00:00:00Z", "day 31 is not in April"},
      {"2026-11-00T00:00:00Z", "day 0"},
      {"2026-11-29T24:00:00Z", "hour 24"},
      {"2026-11-29T23:60:00Z", "minute 60"},
      {"2026-11-29T23:59:61Z", "second 61"},
      {"2026-11-29T04:37:37+24:00", "offset is out of range"},
      {"2026-11-29T04:37:37+01:60", "offset is out of range"},
      // Not the grammar.
      {"", "4-digit year"},
      {"2026-11-29", "separated by 'T'"},
      {"2026-11-29 04:37:37Z", "separated by 'T'"},
      {"2026-11-29T04:37Z", "followed by ':'"},
      {"2026-11-29T04:37:37", "end with 'Z' or an offset"},
      {"2026-11-29T04:37:37.Z", "a '.' must be followed"},
      {"2026-1-29T04:37:37Z", "2 digits followed by '-'"},
      {"2026-11-29T04:37:37ZZ", "unexpected text"},
      {"2026-11-29T04:37:37+1:00", "2 digits followed by ':'"},
      {"２026-11-29T04:37:37Z", "4-digit year"},  // a full-width digit
      {std::string("2026-11-29T04:37:37Z\0", 21), "unexpected text"},
  };
  for (const Refused& c : kCases) {
    INFO(c.text);
    absl::StatusOr<absl::Time> time = ParseRfc3339(c.text);
    REQUIRE_FALSE(time.ok());
    INFO(time.status().message());
    CHECK(time.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(time.status().message(), c.reason));
    CHECK(absl::StrContains(time.status().message(), "is not an RFC 3339 time"));
  }
}

TEST_CASE("A refused time is quoted escaped, so the message stays one printable line") {
  absl::StatusOr<absl::Time> time = ParseRfc3339("2026\n\x01\xff");
  REQUIRE_FALSE(time.ok());
  CHECK(absl::StrContains(time.status().message(), R"('2026\n\x01\xff')"));
}

TEST_CASE("class time-round-trip: every time mig writes, ParseRfc3339 reads back to the same instant") {
  struct Case {
    const char* text;
    Rfc3339Fraction fraction;
    const char* written;
  };
  // The action fuzzer's finding: a validfrom in 0768 was written "768-01-15T08:00:00Z", which no parser
  // reads, so a parsed action could not be written and read again.
  const Case cases[] = {
      {"0768-01-15T08:00:00Z", Rfc3339Fraction::kAsNeeded, "0768-01-15T08:00:00Z"},
      {"0000-01-01T00:00:00Z", Rfc3339Fraction::kAsNeeded, "0000-01-01T00:00:00Z"},
      {"9999-12-31T23:59:59.999999999Z", Rfc3339Fraction::kAsNeeded, "9999-12-31T23:59:59.999999999Z"},
      {"2026-12-07T21:14:17.5+01:00", Rfc3339Fraction::kAsNeeded, "2026-12-07T20:14:17.5Z"},
      {"0099-03-01T00:00:00.25Z", Rfc3339Fraction::kMilliseconds, "0099-03-01T00:00:00.250Z"},
      {"0999-03-01T00:00:00Z", Rfc3339Fraction::kNone, "0999-03-01T00:00:00Z"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<absl::Time> time = ParseRfc3339(c.text);
    REQUIRE(time.ok());
    std::string written = FormatRfc3339(*time, c.fraction);
    CHECK(written == c.written);
    absl::StatusOr<absl::Time> again = ParseRfc3339(written);
    REQUIRE(again.ok());
    CHECK(*again == *time);
  }
}

}  // namespace
}  // namespace mig
