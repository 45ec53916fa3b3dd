#include "base/go_format.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mig {
namespace {

// Appends v / 10^precision with the fraction's trailing zeros (and a bare '.') removed, as Go's fmtFrac and
// fmtInt do together.
void AppendFraction(std::string* out, uint64_t v, int precision) {
  uint64_t integer = v;
  uint64_t fraction = 0;
  uint64_t scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  integer = v / scale;
  fraction = v % scale;
  absl::StrAppend(out, integer);
  if (fraction == 0) return;
  std::string digits = absl::StrFormat("%0*d", precision, fraction);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  absl::StrAppend(out, ".", digits);
}

}  // namespace

std::string GoDurationString(absl::Duration duration) {
  int64_t nanos = absl::ToInt64Nanoseconds(duration);
  if (nanos == 0) return "0s";
  std::string out;
  uint64_t u = nanos < 0 ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  if (nanos < 0) out.push_back('-');
  constexpr uint64_t kSecond = 1000000000;
  if (u < kSecond) {
    // Sub-second: the largest unit that keeps a non-zero integer part.
    if (u < 1000) {
      absl::StrAppend(&out, u, "ns");
    } else if (u < 1000000) {
      AppendFraction(&out, u, 3);
      absl::StrAppend(&out, "µs");
    } else {
      AppendFraction(&out, u, 6);
      absl::StrAppend(&out, "ms");
    }
    return out;
  }
  uint64_t hours = u / (3600 * kSecond);
  u -= hours * 3600 * kSecond;
  uint64_t minutes = u / (60 * kSecond);
  u -= minutes * 60 * kSecond;
  if (hours > 0) absl::StrAppend(&out, hours, "h");
  if (hours > 0 || minutes > 0) absl::StrAppend(&out, minutes, "m");
  AppendFraction(&out, u, 9);
  out.push_back('s');
  return out;
}

std::string GoTimeStringUtc(absl::Time time) {
  absl::TimeZone utc = absl::UTCTimeZone();
  std::string out = absl::FormatTime("%Y-%m-%d %H:%M:%S", time, utc);
  absl::Duration subsecond = time - absl::FromUnixSeconds(absl::ToUnixSeconds(time));
  if (subsecond < absl::ZeroDuration()) subsecond += absl::Seconds(1);
  int64_t nanos = absl::ToInt64Nanoseconds(subsecond);
  if (nanos > 0) {
    std::string digits = absl::StrFormat("%09d", nanos);
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  absl::StrAppend(&out, " +0000 UTC");
  return out;
}

std::string GoFileModeString(mode_t mode) {
  // Go's FileMode type bits, in the order of its "dalTLDpSugct?" string.
  enum : uint32_t {
    kDir = 1u << 31,
    kSymlink = 1u << 27,
    kDevice = 1u << 26,
    kNamedPipe = 1u << 25,
    kSocket = 1u << 24,
    kSetuid = 1u << 23,
    kSetgid = 1u << 22,
    kCharDevice = 1u << 21,
    kSticky = 1u << 20,
  };
  uint32_t go_mode = 0;
  switch (mode & S_IFMT) {
    case S_IFBLK:
      go_mode |= kDevice;
      break;
    case S_IFCHR:
      go_mode |= kDevice | kCharDevice;
      break;
    case S_IFDIR:
      go_mode |= kDir;
      break;
    case S_IFIFO:
      go_mode |= kNamedPipe;
      break;
    case S_IFLNK:
      go_mode |= kSymlink;
      break;
    case S_IFSOCK:
      go_mode |= kSocket;
      break;
    default:
      break;
  }
  if (mode & S_ISUID) go_mode |= kSetuid;
  if (mode & S_ISGID) go_mode |= kSetgid;
  if (mode & S_ISVTX) go_mode |= kSticky;

  static constexpr char kTypeLetters[] = "dalTLDpSugct?";
  std::string out;
  for (int i = 0; kTypeLetters[i] != '\0'; ++i) {
    if (go_mode & (1u << (31 - i))) out.push_back(kTypeLetters[i]);
  }
  if (out.empty()) out.push_back('-');
  static constexpr char kPermLetters[] = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    out.push_back((mode & (1u << (8 - i))) ? kPermLetters[i] : '-');
  }
  return out;
}

}  // namespace mig
