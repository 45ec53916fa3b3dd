// Package version comparison exactly as the package managers do it: dpkg's (epoch:upstream-revision, `~`
// sorting before everything, even the end of the string) and rpm's rpmvercmp (with `~` and `^`).
//
//   CompareVersions("1:2.0~rc1-1", "1:2.0-1", VersionScheme::kDpkg)   // < 0
//   CompareVersions("1.0^git1", "1.0", VersionScheme::kRpm)           // > 0
//   CheckVersion("1:", VersionScheme::kDpkg)   // InvalidArgument: "nothing after colon in version number"
//   SchemeForPackageType("dpkg")               // VersionScheme::kDpkg
//
// Comparisons walk the strings in place (no allocation), for policies that compare thousands of packages.
#ifndef MIG_MODULES_SCRIBE_EVR_EVR_H_
#define MIG_MODULES_SCRIBE_EVR_EVR_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace mig::modules::scribe {

enum class VersionScheme { kDpkg, kRpm };

// The scheme that orders a package type's versions ("dpkg", "deb" -> kDpkg; "rpm" -> kRpm), or nullopt.
std::optional<VersionScheme> SchemeForPackageType(std::string_view package_type);

// Whether `version` is a version the package manager accepts; the error ("version '1:' has bad syntax: nothing
// after colon in version number") says what is wrong with it, in the package manager's own words where it
// has them. Both: a NUL byte (which neither tool can be given) is refused.
// dpkg: what parseversion() refuses as an error (empty, embedded space, bad or empty epoch, nothing after the
// colon, empty upstream or revision); its warnings (upstream not starting with a digit, odd characters) are
// accepted, as `dpkg --compare-versions` accepts them.
// rpm: empty, white space, an epoch that is not a number (rpm would read "a:1" as a version with a colon),
// an empty version ("1:", "-1") or an empty release ("1.0-"), which rpmbuild never produces.
absl::Status CheckVersion(std::string_view version, VersionScheme scheme);

// Negative, zero or positive (-1, 0, 1) as `a` sorts before, equal to or after `b`. Defined for any strings,
// valid or not: an epoch the package manager would refuse is no epoch (the whole string is the version, as
// rpm reads "a:1.0"), except a dpkg epoch above INT_MAX, which still compares as the number it is. Check
// first with CheckVersion() where bad input must be refused.
int CompareVersions(std::string_view a, std::string_view b, VersionScheme scheme);

// dpkg's verrevcmp() over [epoch:]upstream[-revision]; the same as `dpkg --compare-versions`.
int CompareDpkgVersions(std::string_view a, std::string_view b);
// rpm's EVR comparison, as rpm.vercmp() and rpmverCmp() do it: epoch (missing = 0), then rpmvercmp() on the
// version, then on the release, a missing release sorting before any release ("1.0" < "1.0-1"). (rpm's
// dependency ranges differ: there "1.0" matches every release of 1.0.)
int CompareRpmVersions(std::string_view a, std::string_view b);

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_EVR_EVR_H_
