// Orderings of package versions for sorted containers, on top of the package managers' comparisons.
//
//   std::map<std::string, Group, DpkgVersionLess> by_version;   // oldest first, as dpkg orders them
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_VERSIONS_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_VERSIONS_H_

#include <string_view>

#include "modules/scribe/evr/evr.h"

namespace mig::modules::scribe::policy_sources {

// dpkg's order, made strict and total: versions dpkg finds equal ("1.0" and "1.00") are ordered by their text,
// so that a map keeps both.
struct DpkgVersionLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    int order = CompareDpkgVersions(a, b);
    return order != 0 ? order < 0 : a < b;
  }
};

// The same under a given scheme.
struct VersionLess {
  using is_transparent = void;
  VersionScheme scheme = VersionScheme::kDpkg;
  bool operator()(std::string_view a, std::string_view b) const {
    int order = CompareVersions(a, b, scheme);
    return order != 0 ? order < 0 : a < b;
  }
};

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_VERSIONS_H_
