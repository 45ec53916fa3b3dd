#include "base/rfc3339.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace mig {
namespace {

constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Reads the text left to right; every Expect* consumes exactly what it names or fails with the reason.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  // `count` ASCII digits as a number, or nullopt.
  std::optional<int> Digits(size_t count) {
    if (text_.size() - position_ < count) return std::nullopt;
    int value = 0;
    for (size_t i = 0; i < count; ++i) {
      char c = text_[position_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    position_ += count;
    return value;
  }
  bool Char(char expected) {
    if (position_ >= text_.size() || text_[position_] != expected) return false;
    ++position_;
    return true;
  }
  // Either case of a letter (RFC 3339 allows "t" and "z").
  bool Letter(char upper) { return Char(upper) || Char(static_cast<char>(upper - 'A' + 'a')); }
  bool AtEnd() const { return position_ == text_.size(); }
  size_t position() const { return position_; }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

}  // namespace

absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    // The text is bounded by every caller, but may hold anything: escaped, it stays one printable line.
    return absl::InvalidArgumentError(
        absl::StrCat("'", absl::CHexEscape(text), "' is not an RFC 3339 time like 2026-11-29T04:37:37Z: ", why));
  };
  Reader in(text);
  std::optional<int> year = in.Digits(4);
  if (!year || !in.Char('-')) return invalid("the date must start with a 4-digit year and '-'");
  std::optional<int> month = in.Digits(2);
  if (!month || !in.Char('-')) return invalid("the month must be 2 digits followed by '-'");
  if (*month < 1 || *month > 12) return invalid(absl::StrCat("month ", *month, " is out of range"));
  std::optional<int> day = in.Digits(2);
  if (!day) return invalid("the day must be 2 digits");
  if (*day < 1 || *day > DaysInMonth(*year, *month)) {
    return invalid(absl::StrCat("day ", *day, " is not in ", kMonthNames[*month - 1], " ", *year));
  }
  if (!in.Letter('T')) return invalid("the date and the time must be separated by 'T'");
  std::optional<int> hour = in.Digits(2);
  if (!hour || !in.Char(':')) return invalid("the hour must be 2 digits followed by ':'");
  std::optional<int> minute = in.Digits(2);
  if (!minute || !in.Char(':')) return invalid("the minute must be 2 digits followed by ':'");
  std::optional<int> second = in.Digits(2);
  if (!second) return invalid("the second must be 2 digits");
  if (*hour > 23) return invalid(absl::StrCat("hour ", *hour, " is out of range"));
  if (*minute > 59) return invalid(absl::StrCat("minute ", *minute, " is out of range"));
  if (*second == 60) return invalid("leap seconds (:60) cannot be represented");
  if (*second > 59) return invalid(absl::StrCat("second ", *second, " is out of range"));

  int64_t nanoseconds = 0;
  if (in.Char('.')) {
    size_t digits = 0;
    while (std::optional<int> digit = in.Digits(1)) {
      if (++digits > 9) return invalid("more than 9 fractional digits (finer than a nanosecond)");
      nanoseconds = nanoseconds * 10 + *digit;
    }
    if (digits == 0) return invalid("a '.' must be followed by the fraction's digits");
    for (; digits < 9; ++digits) nanoseconds *= 10;
  }

  int offset_minutes = 0;
  if (!in.Letter('Z')) {
    int sign = in.Char('+') ? 1 : in.Char('-') ? -1 : 0;
    if (sign == 0) return invalid("the time must end with 'Z' or an offset like +01:00");
    std::optional<int> offset_hour = in.Digits(2);
    if (!offset_hour || !in.Char(':')) return invalid("the offset's hours must be 2 digits followed by ':'");
    std::optional<int> offset_minute = in.Digits(2);
    if (!offset_minute) return invalid("the offset's minutes must be 2 digits");
    if (*offset_hour > 23 || *offset_minute > 59) return invalid("the offset is out of range");
    offset_minutes = sign * (*offset_hour * 60 + *offset_minute);
  }
  if (!in.AtEnd()) return invalid(absl::StrCat("unexpected text after the time, at offset ", in.position()));

  absl::Time local =
      absl::FromCivil(absl::CivilSecond(*year, *month, *day, *hour, *minute, *second), absl::UTCTimeZone());
  return local - absl::Minutes(offset_minutes) + absl::Nanoseconds(nanoseconds);
}

std::string FormatRfc3339(absl::Time time, Rfc3339Fraction fraction) {
  switch (fraction) {
    case Rfc3339Fraction::kAsNeeded:
      return absl::FormatTime("%E4Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
    case Rfc3339Fraction::kMilliseconds:
      return absl::FormatTime("%E4Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
    case Rfc3339Fraction::kNone:
      break;
  }
  return absl::FormatTime("%E4Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

}  // namespace mig
