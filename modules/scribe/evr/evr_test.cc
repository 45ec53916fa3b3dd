// Version comparison against tables of known answers: dpkg's (each checked with `dpkg --compare-versions`)
// and rpm's (rpm's own tests/rpmvercmp.at, and more checked with rpm.vercmp()). Every pair is also checked
// reversed, and against itself.
#include "modules/scribe/evr/evr.h"

#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::modules::scribe {
namespace {

using namespace std::string_view_literals;

struct Case {
  std::string_view a;
  std::string_view b;
  int want;  // sign of the comparison of a with b
};

constexpr Case kDpkgCases[] = {
    // Plain upstream versions.
    {"1.0", "1.0", 0},
    {"1.0", "1.1", -1},
    {"1.1", "1.0", 1},
    {"1.0", "1.0.0", -1},
    {"1.0", "1.0.1", -1},
    {"1.2.3", "1.2.10", -1},
    {"0.9.8", "0.9.10", -1},
    {"2.0", "10.0", -1},
    {"1.10", "1.9", 1},
    {"4.999.9", "5.0", -1},
    {"20101121", "20101122", -1},
    {"1", "1.0", -1},
    {"0", "0.0", -1},
    {"1.0", "1.0.", -1},
    {"7.4.052", "7.4.52", 0},
    // Digit runs compare as numbers: leading zeros are skipped, and any length works.
    {"1.02", "1.2", 0},
    {"1.002", "1.2", 0},
    {"1.010", "1.9", 1},
    {"1.0001", "1.1", 0},
    {"1.0", "1.00", 0},
    {"000", "0", 0},
    {"00", "000000000000000000000000000000", 0},
    {"1.00000000000000000000000001", "1.1", 0},
    {"12345678901234567890123", "12345678901234567890124", -1},
    {"99999999999999999999999", "100000000000000000000000", -1},
    {"1.99999999999999999999999", "1.100000000000000000000000", -1},
    {"1.000000000000000000000000000000000009", "1.10", -1},
    {"18446744073709551616", "18446744073709551615", 1},
    {"1.18446744073709551617", "1.18446744073709551617", 0},
    // '~' sorts before everything, even the end of the string.
    {"1.0~rc1", "1.0", -1},
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~rc2", "1.0~rc10", -1},
    {"1.0~", "1.0", -1},
    {"1.0~~", "1.0~", -1},
    {"1.0~~a", "1.0~", -1},
    {"1.0~~a", "1.0~~", 1},
    {"1.0~", "1.0~a", -1},
    {"1.0~a", "1.0", -1},
    {"1.0~", "1.0a", -1},
    {"1.0~", "1.0.", -1},
    {"1.0~rc1~git", "1.0~rc1", -1},
    {"1.0~rc1", "1.0~rc1+b1", -1},
    {"1.0~beta", "1.0~alpha", 1},
    {"1.0~rc1", "1.0~beta", 1},
    {"1.0~rc1-1", "1.0-1", -1},
    {"1.0-1~bpo11+1", "1.0-1", -1},
    {"1.0-1~", "1.0-1", -1},
    {"1.0-~", "1.0", -1},
    {"2.0~rc1", "1.9", 1},
    {"1:1.0~", "1:1.0", -1},
    {"~", "0", -1},
    {"~~", "~", -1},
    {"~~~~", "~~~", -1},
    // Letters sort before every other non-digit, and by their ASCII code (upper case first).
    {"1.0a", "1.0", 1},
    {"1.0a", "1.0+", -1},
    {"1.0a", "1.0.", -1},
    {"1.0z", "1.0+", -1},
    {"1.0Z", "1.0.", -1},
    {"1.0A", "1.0a", -1},
    {"1.0Z", "1.0a", -1},
    {"1.0a", "1.0b", -1},
    {"1.0aa", "1.0a", 1},
    {"1.0a1", "1.0a", 1},
    {"1.0.1", "1.0a", 1},
    {"1.0a", "1.0a.", -1},
    {"1.0b2", "1.0a10", 1},
    {"5.5p1", "5.5p10", -1},
    {"5.5p2", "5.6p1", -1},
    {"1.0.rc1", "1.0", 1},
    {"1.0rc1", "1.0.0", -1},
    {"a", "1", 1},
    {"a", "b", -1},
    {"A", "a", -1},
    // Other characters by ASCII code, after all letters: '+' < '-' < '.' < ':'.
    {"1.0+", "1.0.", -1},
    {"1.0+0", "1.0.0", -1},
    {"1.0.0", "1.0+0", 1},
    {"1.0+b1", "1.0", 1},
    {"1.0+dfsg", "1.0", 1},
    {"1.0+dfsg", "1.0.1", -1},
    {"1:1.0:1", "1:1.0.1", 1},
    {"1:1.0:1", "1:1.0+1", 1},
    {"1:1.0-1-1", "1:1.0-1", 1},
    {"1.0+~", "1.0+", -1},
    {"1.0++", "1.0+", 1},
    // Bytes above 0x7f: dpkg's order() sees a negative char and adds 256, so they sort after letters and
    // before ASCII punctuation.
    {"1.0\xc3\xa9", "1.0z", 1},
    {"1.0\xc3\xa9", "1.0+", -1},
    {"1.0\xff", "1.0.", -1},
    {"1.0\x80", "1.0\xff", -1},
    {"1.0\x80", "1.0~", 1},
    {"1.0\x80", "1.0", 1},
    // Revisions: after the last hyphen, compared only when the upstream versions are equal.
    {"1.0", "1.0-0", 0},
    {"1.0", "1.0-00", 0},
    {"1.0-0", "1.0-1", -1},
    {"1.0", "1.0-1", -1},
    {"1.0-1", "1.0-2", -1},
    {"1.0-10", "1.0-9", 1},
    {"1.0-1", "1.0-1.1", -1},
    {"1.0-1.1", "1.0-1+b1", 1},
    {"1.0-1ubuntu1", "1.0-1", 1},
    {"1.0-1ubuntu1", "1.0-1.1", -1},
    {"1.0-1+deb12u1", "1.0-1", 1},
    {"1.0-1+deb12u1", "1.0-1+deb12u2", -1},
    {"1.0-1+deb12u1", "1.0-1.1", -1},
    {"1.0-1+deb11u1", "1.0-1~deb12u1", 1},
    {"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
    {"1.0-a", "1.0-1", 1},
    {"1.0-1", "1.0-0.1", 1},
    {"1.0-1-1", "1.0-1", 1},
    {"1.0-1-1", "1.0-2", 1},
    {"1.1-1", "1.0-9", 1},
    {"1.0-9", "1.0.0-1", -1},
    {"1.2.3-4", "1.2.3-4.0", -1},
    {"7.4.052-1ubuntu3", "7.4.052-1ubuntu3.1", -1},
    {"3.0.11-1~deb12u2", "3.0.11-1", -1},
    {"3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1},
    {"4.9.2-10+deb8u1", "4.9.2-10", 1},
    {"2.30-1+b1", "2.30-1", 1},
    {"1.0-1", "1.0+1", -1},
    // Epochs: compared first, as numbers; none is 0.
    {"1:0", "9.9", 1},
    {"0:1.0", "1.0", 0},
    {"00:1.0", "1.0", 0},
    {"0:1.0-0", "1.0", 0},
    {"1:1.0", "2:0.1", -1},
    {"1:1.0", "1.0", 1},
    {"10:1", "9:1", 1},
    {"010:1", "10:1", 0},
    {"2147483647:1", "2147483646:9", 1},
    {"1:1.0-1", "1:1.0-1", 0},
    {"1:1.0-1", "1:1.0-2", -1},
    {"1:2.0~rc1-1", "1:2.0-1", -1},
    {"1:1.2-3", "0:9.9-9", 1},
    {"+1:1.0", "1:1.0", 0},
    {"1:1:1", "1:1.1", 1},
    {"1:1.0", "1:1.0:0", -1},
    // Blanks around the version are not part of it.
    {" 1.0 ", "1.0", 0},
    {"\t1.0-1", "1.0-1", 0},
    {"1.0\t", "1.0", 0},
    {" 1:1.0 ", "1:1.0", 0},
};

// Beyond what dpkg accepts: the order is still defined (see evr.h).
constexpr Case kDpkgInvalidCases[] = {
    {"", "", 0},
    {"", "0", 0},  // verrevcmp() skips zeros: an empty part is 0
    {"~", "", -1},
    {"", "a", -1},
    {"1:", "1:0", 0},
    {"1.0-", "1.0", 0},
    {"a:1.0", "1.0", 1},                   // not an epoch: the whole string is the version
    {":1.0", "0", 1},                      // likewise, ':' sorts after letters
    {"99999999999:1", "2147483647:9", 1},  // too big for dpkg, but still a number
    {"99999999999999999999999:1", "99999999999999999999998:9", 1},
    {"1.0 2.0", "1.0", 0},     // dpkg reads up to the first blank
    {"1.0\0002"sv, "1.0", 0},  // and a C string ends at a NUL ("\000" then "2")
};

constexpr Case kRpmCases[] = {
    // rpm's tests/rpmvercmp.at.
    {"1.0", "1.0", 0},
    {"1.0", "2.0", -1},
    {"2.0", "1.0", 1},
    {"2.0.1", "2.0.1", 0},
    {"2.0", "2.0.1", -1},
    {"2.0.1", "2.0", 1},
    {"2.0.1a", "2.0.1a", 0},
    {"2.0.1a", "2.0.1", 1},
    {"2.0.1", "2.0.1a", -1},
    {"5.5p1", "5.5p1", 0},
    {"5.5p1", "5.5p2", -1},
    {"5.5p2", "5.5p1", 1},
    {"5.5p10", "5.5p10", 0},
    {"5.5p1", "5.5p10", -1},
    {"5.5p10", "5.5p1", 1},
    {"10xyz", "10.1xyz", -1},
    {"10.1xyz", "10xyz", 1},
    {"xyz10", "xyz10", 0},
    {"xyz10", "xyz10.1", -1},
    {"xyz10.1", "xyz10", 1},
    {"xyz.4", "xyz.4", 0},
    {"xyz.4", "8", -1},
    {"8", "xyz.4", 1},
    {"xyz.4", "2", -1},
    {"2", "xyz.4", 1},
    {"5.5p2", "5.6p1", -1},
    {"5.6p1", "5.5p2", 1},
    {"5.6p1", "6.5p1", -1},
    {"6.5p1", "5.6p1", 1},
    {"6.0.rc1", "6.0", 1},
    {"6.0", "6.0.rc1", -1},
    {"10b2", "10a1", 1},
    {"10a2", "10b2", -1},
    {"1.0aa", "1.0aa", 0},
    {"1.0a", "1.0aa", -1},
    {"1.0aa", "1.0a", 1},
    {"10.0001", "10.0001", 0},
    {"10.0001", "10.1", 0},
    {"10.1", "10.0001", 0},
    {"10.0001", "10.0039", -1},
    {"10.0039", "10.0001", 1},
    {"4.999.9", "5.0", -1},
    {"5.0", "4.999.9", 1},
    {"20101121", "20101121", 0},
    {"20101121", "20101122", -1},
    {"20101122", "20101121", 1},
    {"2_0", "2_0", 0},
    {"2.0", "2_0", 0},
    {"2_0", "2.0", 0},
    {"a", "a", 0},
    {"a+", "a+", 0},
    {"a+", "a_", 0},
    {"a_", "a+", 0},
    {"+a", "+a", 0},
    {"+a", "_a", 0},
    {"_a", "+a", 0},
    {"+_", "+_", 0},
    {"_+", "+_", 0},
    {"_+", "_+", 0},
    {"+", "_", 0},
    {"_", "+", 0},
    {"1.0~rc1", "1.0~rc1", 0},
    {"1.0~rc1", "1.0", -1},
    {"1.0", "1.0~rc1", 1},
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~rc2", "1.0~rc1", 1},
    {"1.0~rc1~git123", "1.0~rc1~git123", 0},
    {"1.0~rc1~git123", "1.0~rc1", -1},
    {"1.0~rc1", "1.0~rc1~git123", 1},
    {"1.0^", "1.0^", 0},
    {"1.0^", "1.0", 1},
    {"1.0", "1.0^", -1},
    {"1.0^git1", "1.0^git1", 0},
    {"1.0^git1", "1.0", 1},
    {"1.0", "1.0^git1", -1},
    {"1.0^git1", "1.0^git2", -1},
    {"1.0^git2", "1.0^git1", 1},
    {"1.0^git1", "1.01", -1},
    {"1.01", "1.0^git1", 1},
    {"1.0^20160101", "1.0^20160101", 0},
    {"1.0^20160101", "1.0.1", -1},
    {"1.0.1", "1.0^20160101", 1},
    {"1.0^20160101^git1", "1.0^20160101^git1", 0},
    {"1.0^20160102", "1.0^20160101^git1", 1},
    {"1.0^20160101^git1", "1.0^20160102", -1},
    {"1.0~rc1^git1", "1.0~rc1^git1", 0},
    {"1.0~rc1^git1", "1.0~rc1", 1},
    {"1.0~rc1", "1.0~rc1^git1", -1},
    {"1.0^git1~pre", "1.0^git1~pre", 0},
    {"1.0^git1", "1.0^git1~pre", 1},
    {"1.0^git1~pre", "1.0^git1", -1},
    // rpmvercmp.at's "arguably buggy behaviors", kept there (commented out) for reference.
    {"1b.fc17", "1b.fc17", 0},
    {"1b.fc17", "1.fc17", -1},
    {"1.fc17", "1b.fc17", 1},
    {"1g.fc17", "1g.fc17", 0},
    {"1g.fc17", "1.fc17", 1},
    {"1.fc17", "1g.fc17", -1},
    {"1.1.\xce\xb1", "1.1.\xce\xb1", 0},  // non-ASCII bytes are separators
    {"1.1.\xce\xb1", "1.1.\xce\xb2", 0},
    {"1.1.\xce\xb1\xce\xb1", "1.1.\xce\xb1", 0},
    {"1.1.\xce\xb2\xce\xb2", "1.1.\xce\xb1\xce\xb1", 0},
    // Separators, '~' and '^' further.
    {"1.0", "1.0.", 0},
    {"1.0a", "1.0.a", 0},
    {"1.0", "1.0a", -1},
    {"1.0", "1.0.0", -1},
    {"1..0", "1.0", 0},
    {"1.0~", "1.0", -1},
    {"1.0~~", "1.0~", -1},
    {"1.0~", "1.0~a", -1},
    {"1.0^", "1.0~", 1},
    {"1.0^", "1.0.1", -1},
    {"1.0^", "1.0a", -1},
    {"1.0^a", "1.0", 1},
    {"1.0^^", "1.0^", 1},
    {"1.0^~", "1.0^", -1},
    {"1.0^~", "1.0", 1},
    {"1.0~^", "1.0~", 1},
    {"1.0~^", "1.0", -1},
    {"~", "^", -1},
    // Letters by their bytes (upper case first); a digit segment is newer than a letter segment.
    {"1.0a", "1.0b", -1},
    {"1.0B", "1.0a", -1},
    {"1.0rc1", "1.0", 1},
    {"1.0.rc1", "1.0.1", -1},
    {"1a", "1.1", -1},
    {"a1", "1", -1},
    // Digit segments as numbers of any length.
    {"010", "10", 0},
    {"00000000000000000000001", "1", 0},
    {"123456789012345678901234567890", "123456789012345678901234567891", -1},
    {"100000000000000000000000000000", "99999999999999999999999999999", 1},
    {"1.0", "1.00", 0},
    {"2.0", "10.0", -1},
    // Epochs: compared first, numerically; none or empty is 0; "a:" is no epoch.
    {"1:1.0", "2.0", 1},
    {"0:1.0", "1.0", 0},
    {":1.0", "1.0", 0},
    {"00:1.0", "0:1.0", 0},
    {"2:1.0", "10:1.0", -1},
    {"1:1.0-1", "1.0-2", 1},
    {"1:2:3", "1:2.3", 0},
    {"a:1.0", "1.0", -1},
    // Releases: after the last hyphen; a missing one sorts before any (rpm.vercmp()).
    {"1.0-1", "1.0-2", -1},
    {"1.0-10", "1.0-9", 1},
    {"1.0-1", "1.0", 1},
    {"1.0", "1.0-99", -1},
    {"1.0", "1.0-~1", -1},
    {"1.0-", "1.0-1", -1},
    {"1.1", "1.0-99", 1},
    {"1.0-1.el8", "1.0-1.el8_1", -1},
    {"1.0-1.fc30", "1.0-1.fc31", -1},
    {"2.0-1", "10.0-1", -1},
    {"2.0-~", "2.0-1", -1},
    {"1.0-1-1", "1.0-2", 1},
    {"0:1.0.2k-19.el7", "1.0.2k-21.el7_9", -1},
    {"1:1.0.2k-19.el7", "1.0.2k-21.el7_9", 1},
    {"3.0.7-25.el9_3", "3.0.7-24.el9", 1},
    {"5.14.0-362.8.1.el9_3", "5.14.0-362.13.1.el9_3", -1},
    {"2.28-225.el9", "2.28-225.el9", 0},
    // A C string ends at a NUL.
    {"1.0\0002"sv, "1.0", 0},  // "\000" then "2"
};

std::string Describe(const Case& c, std::string_view scheme) {
  return absl::StrCat(scheme, ": '", absl::CEscape(c.a), "' vs '", absl::CEscape(c.b), "', want ", c.want);
}

int Sign(int c) { return (c > 0) - (c < 0); }

void CheckTable(const Case* begin, const Case* end, VersionScheme scheme, std::string_view name) {
  for (const Case* c = begin; c != end; ++c) {
    INFO(Describe(*c, name));
    CHECK(Sign(CompareVersions(c->a, c->b, scheme)) == c->want);
    CHECK(Sign(CompareVersions(c->b, c->a, scheme)) == -c->want);
    CHECK(CompareVersions(c->a, c->a, scheme) == 0);
    CHECK(CompareVersions(c->b, c->b, scheme) == 0);
  }
}

TEST_CASE("dpkg versions compare as dpkg --compare-versions") {
  CheckTable(std::begin(kDpkgCases), std::end(kDpkgCases), VersionScheme::kDpkg, "dpkg");
  for (const Case& c : kDpkgCases) {
    INFO(Describe(c, "dpkg"));
    CHECK(CheckVersion(c.a, VersionScheme::kDpkg).ok());
    CHECK(CheckVersion(c.b, VersionScheme::kDpkg).ok());
    CHECK(Sign(CompareDpkgVersions(c.a, c.b)) == c.want);
  }
}

TEST_CASE("dpkg versions that dpkg refuses still have a defined order") {
  CheckTable(std::begin(kDpkgInvalidCases), std::end(kDpkgInvalidCases), VersionScheme::kDpkg, "dpkg");
}

TEST_CASE("rpm versions compare as rpm does") {
  CheckTable(std::begin(kRpmCases), std::end(kRpmCases), VersionScheme::kRpm, "rpm");
  for (const Case& c : kRpmCases) {
    INFO(Describe(c, "rpm"));
    CHECK(Sign(CompareRpmVersions(c.a, c.b)) == c.want);
  }
}

TEST_CASE("Comparison is transitive over a sorted chain") {
  // Each version sorts strictly before the next; every pair of the chain is checked.
  constexpr std::string_view kDpkgChain[] = {
      "~~",      "~~a",   "~",        "0~rc1",   "0",    "0.0",   "0.1~",   "0.1",         "0.1-1",
      "0.1-1.1", "0.1a",  "0.1+",     "0.1.1",   "1",    "1.0~~", "1.0~",   "1.0~a",       "1.0",
      "1.0-1~",  "1.0-1", "1.0-1+b1", "1.0-1.1", "1.0a", "1.0+",  "1.0+b1", "1.0.",        "1.0.1",
      "1.1",     "1.9",   "1.10",     "9",       "1:0",  "1:1.0", "2:0~",   "2147483647:0"};
  constexpr std::string_view kRpmChain[] = {"~~",          "~",       "0~rc1",       "0",        "0^",    "0^a",
                                            "0.a",         "0.1~",    "0.1",         "0.1^git1", "0.1.1", "1",
                                            "1.0~rc1~git", "1.0~rc1", "1.0~rc1^git", "1.0",      "1.0^",  "1.0^1",
                                            "1.0a",        "1.0.1",   "1.1",         "1.10",     "1:0",   "2:0~"};
  auto check_chain = [](const std::string_view* chain, size_t size, VersionScheme scheme) {
    for (size_t i = 0; i < size; ++i) {
      for (size_t j = 0; j < size; ++j) {
        INFO(absl::StrCat("'", chain[i], "' vs '", chain[j], "'"));
        CHECK(Sign(CompareVersions(chain[i], chain[j], scheme)) == (i < j ? -1 : i > j ? 1 : 0));
      }
    }
  };
  check_chain(kDpkgChain, std::size(kDpkgChain), VersionScheme::kDpkg);
  check_chain(kRpmChain, std::size(kRpmChain), VersionScheme::kRpm);
}

struct CheckCase {
  std::string_view version;
  std::string_view error;  // a part of the message; "" when the version is valid
};

constexpr CheckCase kDpkgChecks[] = {
    // What dpkg's parseversion() refuses, in its words.
    {"", "version string is empty"},
    {"   ", "version string is empty"},
    {"\t", "version string is empty"},
    {"1.0 1", "version string has embedded spaces"},
    {" 1.0 -1", "version string has embedded spaces"},
    {"1 :1", "version string has embedded spaces"},
    {":1.0", "epoch in version is empty"},
    {"a:1.0", "epoch in version is empty"},
    {"+:1.0", "epoch in version is empty"},
    {"1a:1.0", "epoch in version is not number"},
    {"0x1:1", "epoch in version is not number"},
    {"1.0:1", "epoch in version is not number"},
    {"1\v:1", "epoch in version is not number"},
    {"-1:1.0", "epoch in version is negative"},
    {" -1:1.0", "epoch in version is negative"},
    {"-99999999999999999999:1", "epoch in version is negative"},
    {"2147483648:1", "epoch in version is too big"},
    {"99999999999:1", "epoch in version is too big"},
    {"99999999999999999999:1", "epoch in version is too big"},
    {"1:", "nothing after colon in version number"},
    {" 1:", "nothing after colon in version number"},
    {"1: ", "version number is empty"},
    {"1:-1", "version number is empty"},
    {"-1", "version number is empty"},
    {" -1", "version number is empty"},
    {"1.0-", "revision number is empty"},
    {"1.0-1-", "revision number is empty"},
    {"-", "revision number is empty"},
    {" - ", "revision number is empty"},
    {"1:-", "revision number is empty"},
    {"1.0\0001"sv, "NUL"},
    // What it accepts, warnings included.
    {"1.0", ""},
    {"0", ""},
    {" 1.0 ", ""},
    {"1.0\t", ""},
    {"1:1.0", ""},
    {"0:1.0-1", ""},
    {"1:1.0-1-1", ""},
    {"2147483647:1", ""},
    {"00000000000000000000000002147483647:1", ""},
    {"+1:1.0", ""},
    {" -0:1.0", ""},
    {"\v1:1", ""},
    {"\n1:1", ""},
    {"1::", ""},
    {"1:a:b", ""},
    {"a1.0", ""},     // does not start with a digit: a warning
    {"1.0_x", ""},    // invalid character: a warning
    {"1.0-a_b", ""},  // likewise in the revision
    {"~", ""},
    {"<unknown>", ""},
    {"1.0\xc3\xa9", ""},
    {"1.0~rc1+dfsg-1~bpo11+1", ""},
};

constexpr CheckCase kRpmChecks[] = {
    {"", "version string is empty"},
    {" 1.0", "white space"},
    {"1.0 ", "white space"},
    {"1.0\n", "white space"},
    {"1.0 -1", "white space"},
    {"a:1.0", "epoch in version is not a number"},
    {"1a:1.0", "epoch in version is not a number"},
    {"-1:1.0", "epoch in version is not a number"},
    {"1.0:1", "epoch in version is not a number"},
    {"1:", "version number is empty"},
    {"1:-1", "version number is empty"},
    {"-1", "version number is empty"},
    {"1.0-", "release number is empty"},
    {"1:1.0-", "release number is empty"},
    {"1.0\0"sv, "NUL"},
    {"1.0", ""},
    {"1", ""},
    {"1.0-1", ""},
    {"1:1.0-1.el9", ""},
    {"0:1.0^git1~rc1-1.fc30", ""},
    {":1.0", ""},  // an empty epoch is 0
    {"1:2:3", ""},
    {"1.0-1-1", ""},
    {"a", ""},
    {"1.0_1+x", ""},
};

void CheckChecks(const CheckCase* begin, const CheckCase* end, VersionScheme scheme) {
  for (const CheckCase* c = begin; c != end; ++c) {
    absl::Status status = CheckVersion(c->version, scheme);
    INFO(absl::StrCat("'", absl::CEscape(c->version), "': ", status.ToString()));
    if (c->error.empty()) {
      CHECK(status.ok());
    } else {
      CHECK(status.code() == absl::StatusCode::kInvalidArgument);
      CHECK(status.message().find(c->error) != std::string_view::npos);
      // The message names the version.
      CHECK(status.message().find(absl::StrCat("'", absl::CEscape(c->version), "'")) != std::string_view::npos);
    }
  }
}

TEST_CASE("CheckVersion refuses what dpkg refuses, in dpkg's words") {
  CheckChecks(std::begin(kDpkgChecks), std::end(kDpkgChecks), VersionScheme::kDpkg);
  CHECK(std::string(CheckVersion("1:", VersionScheme::kDpkg).message()) ==
        "version '1:' has bad syntax: nothing after colon in version number");
}

TEST_CASE("CheckVersion refuses malformed rpm versions") {
  CheckChecks(std::begin(kRpmChecks), std::end(kRpmChecks), VersionScheme::kRpm);
}

TEST_CASE("Package types map to their version scheme") {
  CHECK(SchemeForPackageType("dpkg") == VersionScheme::kDpkg);
  CHECK(SchemeForPackageType("deb") == VersionScheme::kDpkg);
  CHECK(SchemeForPackageType("rpm") == VersionScheme::kRpm);
  CHECK(SchemeForPackageType("") == std::nullopt);
  CHECK(SchemeForPackageType("apk") == std::nullopt);
  CHECK(SchemeForPackageType("RPM") == std::nullopt);
}

}  // namespace
}  // namespace mig::modules::scribe
