#include "base/go_format.h"

#include <sys/stat.h>

#include "absl/time/time.h"
#include "catch2/catch.hpp"

namespace mig {
namespace {

struct DurationCase {
  absl::Duration duration;
  const char* expected;
};

// Expected strings are what Go's time.Duration.String() prints for the same values.
const DurationCase kDurationCases[] = {
    {absl::ZeroDuration(), "0s"},
    {absl::Nanoseconds(1), "1ns"},
    {absl::Nanoseconds(999), "999ns"},
    {absl::Microseconds(1), "1µs"},
    {absl::Nanoseconds(1500), "1.5µs"},
    {absl::Milliseconds(1), "1ms"},
    {absl::Nanoseconds(350123456), "350.123456ms"},
    {absl::Seconds(1), "1s"},
    {absl::Milliseconds(1500), "1.5s"},
    {absl::Nanoseconds(2345678912), "2.345678912s"},
    {absl::Seconds(60), "1m0s"},
    {absl::Seconds(123) + absl::Milliseconds(500), "2m3.5s"},
    {absl::Hours(1), "1h0m0s"},
    {absl::Hours(25) + absl::Seconds(1), "25h0m1s"},
    {-absl::Milliseconds(1500), "-1.5s"},
    {-absl::Nanoseconds(5), "-5ns"},
};

TEST_CASE("GoDurationString matches Go's time.Duration.String") {
  for (const DurationCase& c : kDurationCases) {
    INFO(c.expected);
    CHECK(GoDurationString(c.duration) == c.expected);
  }
}

struct TimeCase {
  absl::Time time;
  const char* expected;
};

TEST_CASE("GoTimeStringUtc matches Go's time.Time.UTC().String") {
  const TimeCase cases[] = {
      {absl::FromUnixSeconds(0), "1970-01-01 00:00:00 +0000 UTC"},
      {absl::FromUnixSeconds(1700000000), "2023-11-14 22:13:20 +0000 UTC"},
      {absl::FromUnixNanos(1700000000123456789), "2023-11-14 22:13:20.123456789 +0000 UTC"},
      {absl::FromUnixNanos(1700000000500000000), "2023-11-14 22:13:20.5 +0000 UTC"},
      {absl::FromUnixNanos(1700000000000001000), "2023-11-14 22:13:20.000001 +0000 UTC"},
      {absl::FromUnixSeconds(-1), "1969-12-31 23:59:59 +0000 UTC"},
  };
  for (const TimeCase& c : cases) {
    INFO(c.expected);
    CHECK(GoTimeStringUtc(c.time) == c.expected);
  }
}

struct ModeCase {
  mode_t mode;
  const char* expected;
};

const ModeCase kModeCases[] = {
    {S_IFREG | 0644, "-rw-r--r--"},
    {S_IFREG | 0755, "-rwxr-xr-x"},
    {S_IFREG | 0, "----------"},
    {S_IFDIR | 0755, "drwxr-xr-x"},
    {S_IFDIR | S_ISVTX | 0777, "dtrwxrwxrwx"},
    {S_IFLNK | 0777, "Lrwxrwxrwx"},
    {S_IFREG | S_ISUID | 0755, "urwxr-xr-x"},
    {S_IFREG | S_ISGID | 0711, "grwx--x--x"},
    {S_IFREG | S_ISUID | S_ISGID | 0755, "ugrwxr-xr-x"},
    {S_IFCHR | 0666, "Dcrw-rw-rw-"},
    {S_IFBLK | 0660, "Drw-rw----"},
    {S_IFIFO | 0600, "prw-------"},
    {S_IFSOCK | 0777, "Srwxrwxrwx"},
};

TEST_CASE("GoFileModeString matches Go's os.FileMode.String") {
  for (const ModeCase& c : kModeCases) {
    INFO(c.expected);
    CHECK(GoFileModeString(c.mode) == c.expected);
  }
}

}  // namespace
}  // namespace mig
