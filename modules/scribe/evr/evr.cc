#include "modules/scribe/evr/evr.h"

#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace mig::modules::scribe {
namespace {

// Character classes of the C locale, as dpkg's c_isdigit()/c_isalpha() and rpm's risdigit()/risalpha() have
// them whatever the locale: bytes above 0x7f are neither letters nor digits.
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
// dpkg trims and splits on c_isblank(); strtol() skips isspace() before a number.
constexpr bool IsBlank(char c) { return c == ' ' || c == '\t'; }
constexpr bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Both tools read C strings: a NUL byte ends the version.
std::string_view UpToNul(std::string_view s) { return s.substr(0, s.find('\0')); }

std::string_view SkipLeadingZeros(std::string_view digits) {
  size_t zeros = 0;
  while (zeros < digits.size() && digits[zeros] == '0') ++zeros;
  return digits.substr(zeros);
}

// The numeric order of two runs of digits of any length.
int CompareDigitRuns(std::string_view a, std::string_view b) {
  a = SkipLeadingZeros(a);
  b = SkipLeadingZeros(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return (c > 0) - (c < 0);
}

absl::Status BadSyntax(std::string_view version, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("version '", absl::CEscape(version), "' has bad syntax: ", why));
}

// ---- dpkg ----

// The text before the first colon as parseversion() reads it with strtol(): optional white space, an
// optional sign, then digits that must run up to the colon, giving a value in [0, INT_MAX].
enum class DpkgEpochSyntax { kNumber, kEmpty, kNotNumber, kNegative, kTooBig };

struct DpkgEpoch {
  DpkgEpochSyntax syntax;
  std::string_view digits;  // without leading zeros ("" is 0); set for kNumber and kTooBig
};

DpkgEpoch ParseDpkgEpoch(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  size_t first_digit = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == first_digit) return {DpkgEpochSyntax::kEmpty, {}};  // strtol() read nothing
  if (i != text.size()) return {DpkgEpochSyntax::kNotNumber, {}};
  std::string_view digits = SkipLeadingZeros(text.substr(first_digit));
  if (negative && !digits.empty()) return {DpkgEpochSyntax::kNegative, {}};  // "-0" is 0
  constexpr std::string_view kIntMax = "2147483647";
  static_assert(std::numeric_limits<int>::max() == 2147483647);
  if (CompareDigitRuns(digits, kIntMax) > 0) return {DpkgEpochSyntax::kTooBig, digits};
  return {DpkgEpochSyntax::kNumber, digits};
}

// parseversion() reads the version between leading and trailing blanks.
struct DpkgToken {
  std::string_view token;  // from the first non-blank to the next blank
  std::string_view after;  // the rest: blanks only, unless the version has embedded spaces
};

DpkgToken FindDpkgToken(std::string_view version) {
  version = UpToNul(version);
  size_t start = 0;
  while (start < version.size() && IsBlank(version[start])) ++start;
  size_t end = start;
  while (end < version.size() && !IsBlank(version[end])) ++end;
  return {version.substr(start, end - start), version.substr(end)};
}

struct DpkgVersion {
  std::string_view epoch;  // digits without leading zeros; "" is 0
  std::string_view upstream;
  std::string_view revision;  // "" when there is none
};

// [epoch:]upstream[-revision]: the epoch before the first colon, the revision after the last hyphen.
DpkgVersion SplitDpkgVersion(std::string_view version) {
  std::string_view rest = FindDpkgToken(version).token;
  DpkgVersion split;
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    DpkgEpoch epoch = ParseDpkgEpoch(rest.substr(0, colon));
    if (epoch.syntax == DpkgEpochSyntax::kNumber || epoch.syntax == DpkgEpochSyntax::kTooBig) {
      split.epoch = epoch.digits;
      rest.remove_prefix(colon + 1);
    }
  }
  if (size_t hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
    split.revision = rest.substr(hyphen + 1);
    rest = rest.substr(0, hyphen);
  }
  split.upstream = rest;
  return split;
}

// dpkg's order() of a character outside a digit run: the end of the string and digits 0, '~' before
// everything (-1), letters by their code, then every other character after all letters (code + 256). dpkg
// computes that on a signed char, so a byte above 0x7f lands between the letters and the ASCII punctuation.
int DpkgOrder(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  char c = s[i];
  if (IsDigit(c)) return 0;
  if (IsAlpha(c)) return c;
  if (c == '~') return -1;
  return static_cast<signed char>(c) + 256;
}

// dpkg's verrevcmp(): alternately a run of non-digits compared character by character with DpkgOrder(), then
// a run of digits compared as a number.
int VerRevCmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      int order_a = DpkgOrder(a, i);
      int order_b = DpkgOrder(b, j);
      if (order_a != order_b) return order_a < order_b ? -1 : 1;
      ++i;  // equal orders here are never the end of either string
      ++j;
    }
    size_t a_start = i, b_start = j;
    while (i < a.size() && IsDigit(a[i])) ++i;
    while (j < b.size() && IsDigit(b[j])) ++j;
    if (int c = CompareDigitRuns(a.substr(a_start, i - a_start), b.substr(b_start, j - b_start))) return c;
  }
  return 0;
}

absl::Status CheckDpkgVersion(std::string_view version) {
  DpkgToken token = FindDpkgToken(version);
  if (token.token.empty()) return BadSyntax(version, "version string is empty");
  for (char c : token.after) {
    if (!IsBlank(c)) return BadSyntax(version, "version string has embedded spaces");
  }
  std::string_view rest = token.token;
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    switch (ParseDpkgEpoch(rest.substr(0, colon)).syntax) {
      case DpkgEpochSyntax::kNumber:
        break;
      case DpkgEpochSyntax::kEmpty:
        return BadSyntax(version, "epoch in version is empty");
      case DpkgEpochSyntax::kNotNumber:
        return BadSyntax(version, "epoch in version is not number");
      case DpkgEpochSyntax::kNegative:
        return BadSyntax(version, "epoch in version is negative");
      case DpkgEpochSyntax::kTooBig:
        return BadSyntax(version, "epoch in version is too big");
    }
    // dpkg looks at the character right after the colon, before trimming: "1: " has a version, empty.
    if (colon + 1 == rest.size() && token.after.empty()) {
      return BadSyntax(version, "nothing after colon in version number");
    }
    rest.remove_prefix(colon + 1);
  }
  if (size_t hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
    if (hyphen + 1 == rest.size()) return BadSyntax(version, "revision number is empty");
    rest = rest.substr(0, hyphen);
  }
  if (rest.empty()) return BadSyntax(version, "version number is empty");
  return absl::OkStatus();
}

// ---- rpm ----

struct RpmVersion {
  std::string_view epoch;  // digits ("" is 0)
  std::string_view version;
  std::string_view release;  // "" when there is none
};

// As rpm's parseEVR(): an epoch is the leading digits when a colon follows them; the release follows the last
// hyphen.
RpmVersion SplitRpmVersion(std::string_view evr) {
  evr = UpToNul(evr);
  RpmVersion split;
  size_t digits = 0;
  while (digits < evr.size() && IsDigit(evr[digits])) ++digits;
  size_t version_start = 0;
  if (digits < evr.size() && evr[digits] == ':') {
    split.epoch = evr.substr(0, digits);
    version_start = digits + 1;
  }
  size_t version_end = evr.size();
  if (size_t hyphen = evr.rfind('-'); hyphen != std::string_view::npos) {  // never inside the epoch
    split.release = evr.substr(hyphen + 1);
    version_end = hyphen;
  }
  split.version = evr.substr(version_start, version_end - version_start);
  return split;
}

// What rpmvercmp() skips between segments: everything but letters, digits, '~' and '^'.
constexpr bool IsRpmSeparator(char c) { return !IsAlnum(c) && c != '~' && c != '^'; }

// rpm's rpmvercmp() (rpm >= 4.15): segments of letters or of digits, separators ignored; '~' sorts before
// everything, the end included; '^' after the end but before anything else; a digit segment is newer than a
// letter segment; digit segments compare as numbers, letter segments by their bytes.
int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && IsRpmSeparator(a[i])) ++i;
    while (j < b.size() && IsRpmSeparator(b[j])) ++j;
    bool a_end = i == a.size(), b_end = j == b.size();
    char ca = a_end ? '\0' : a[i];
    char cb = b_end ? '\0' : b[j];
    if (ca == '~' || cb == '~') {
      if (ca != '~') return 1;
      if (cb != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    if (ca == '^' || cb == '^') {
      if (a_end) return -1;
      if (b_end) return 1;
      if (ca != '^') return 1;
      if (cb != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (a_end || b_end) break;
    bool numeric = IsDigit(ca);
    auto in_segment = numeric ? IsDigit : IsAlpha;
    size_t a_start = i, b_start = j;
    while (i < a.size() && in_segment(a[i])) ++i;
    while (j < b.size() && in_segment(b[j])) ++j;
    // b has a segment of the other kind here: a digit segment is newer.
    if (j == b_start) return numeric ? 1 : -1;
    std::string_view segment_a = a.substr(a_start, i - a_start);
    std::string_view segment_b = b.substr(b_start, j - b_start);
    int c = numeric ? CompareDigitRuns(segment_a, segment_b) : segment_a.compare(segment_b);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  // Every segment equal: whichever still has characters left is newer (only separators can be left here
  // when both ended the loop together, and those were skipped).
  if (i == a.size() && j == b.size()) return 0;
  return i == a.size() ? -1 : 1;
}

absl::Status CheckRpmVersion(std::string_view evr) {
  if (evr.empty()) return BadSyntax(evr, "version string is empty");
  for (char c : evr) {
    if (IsSpace(c)) return BadSyntax(evr, "version string has white space");
  }
  if (size_t colon = evr.find(':'); colon != std::string_view::npos) {
    for (char c : evr.substr(0, colon)) {
      if (!IsDigit(c)) return BadSyntax(evr, "epoch in version is not a number");
    }
  }
  RpmVersion split = SplitRpmVersion(evr);
  if (split.version.empty()) return BadSyntax(evr, "version number is empty");
  if (evr.find('-') != std::string_view::npos && split.release.empty()) {
    return BadSyntax(evr, "release number is empty");
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<VersionScheme> SchemeForPackageType(std::string_view package_type) {
  if (package_type == "dpkg" || package_type == "deb") return VersionScheme::kDpkg;
  if (package_type == "rpm") return VersionScheme::kRpm;
  return std::nullopt;
}

absl::Status CheckVersion(std::string_view version, VersionScheme scheme) {
  if (version.find('\0') != std::string_view::npos) return BadSyntax(version, "version string has a NUL byte");
  switch (scheme) {
    case VersionScheme::kDpkg:
      return CheckDpkgVersion(version);
    case VersionScheme::kRpm:
      return CheckRpmVersion(version);
  }
  return absl::InvalidArgumentError("unknown version scheme");
}

int CompareVersions(std::string_view a, std::string_view b, VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kDpkg:
      return CompareDpkgVersions(a, b);
    case VersionScheme::kRpm:
      return CompareRpmVersions(a, b);
  }
  return 0;
}

int CompareDpkgVersions(std::string_view a, std::string_view b) {
  DpkgVersion split_a = SplitDpkgVersion(a);
  DpkgVersion split_b = SplitDpkgVersion(b);
  if (int c = CompareDigitRuns(split_a.epoch, split_b.epoch)) return c;
  if (int c = VerRevCmp(split_a.upstream, split_b.upstream)) return c;
  return VerRevCmp(split_a.revision, split_b.revision);
}

int CompareRpmVersions(std::string_view a, std::string_view b) {
  RpmVersion split_a = SplitRpmVersion(a);
  RpmVersion split_b = SplitRpmVersion(b);
  if (int c = CompareDigitRuns(split_a.epoch, split_b.epoch)) return c;
  if (int c = RpmVerCmp(split_a.version, split_b.version)) return c;
  // A missing release sorts before any release, even "~1", as rpm.vercmp() (rpmverCmp()) has it.
  if (split_a.release.empty() || split_b.release.empty()) {
    return split_a.release.empty() == split_b.release.empty() ? 0 : split_a.release.empty() ? -1 : 1;
  }
  return RpmVerCmp(split_a.release, split_b.release);
}

}  // namespace mig::modules::scribe
