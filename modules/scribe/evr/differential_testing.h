// Support for the tests that compare version comparison with the real dpkg and rpm of this host: the
// package versions the host knows, deterministic variations of them, and running a tool without a shell.
//
//   std::vector<std::string> versions = HostPackageVersions();   // fails the test when there are none
//   Random random(42);
//   std::vector<VersionPair> pairs = MakeVersionPairs(versions, 6000, VersionScheme::kDpkg, random);
//   ToolRun run = RunTool({FindToolOrFail("dpkg"), "--compare-versions", a, "lt", b}, Capture::kNothing);
#ifndef MIG_MODULES_SCRIBE_EVR_DIFFERENTIAL_TESTING_H_
#define MIG_MODULES_SCRIBE_EVR_DIFFERENTIAL_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "modules/scribe/evr/evr.h"

namespace mig::modules::scribe::testing {

// The same sequence with every standard library (std::mt19937_64 is fully specified; the distributions are
// not, so they are not used). Callers draw one number per statement: the order in which a call's arguments
// are evaluated differs between compilers.
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  size_t Below(size_t n) { return static_cast<size_t>(engine_() % n); }
  bool OneIn(size_t n) { return Below(n) == 0; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  std::mt19937_64 engine_;
};

// The distinct versions (and source versions) of /var/lib/dpkg/status and of the apt lists
// (/var/lib/apt/lists/*_Packages.lz4, read through lz4cat), sorted. Fails the test when the status file, the
// lists or lz4cat are missing: the differential tests run on Debian 12 hosts only.
std::vector<std::string> HostPackageVersions();

// One random variation of `version` (which may come out invalid; callers filter with CheckVersion()):
// a suffix ("~rc1", "~", "+b1", ".1", "-1", and for rpm "^git1", "^"), a digit run bumped, lowered,
// zero-padded or made very long, an epoch added, changed or removed, the revision dropped, a letter's case
// swapped, a separator changed, a '~' inserted, the version cut short.
std::string MutateVersion(std::string_view version, VersionScheme scheme, Random& random);

// Variations that dpkg refuses more often than not: blanks, bad epochs, empty parts.
std::string DamageVersion(std::string_view version, Random& random);

struct VersionPair {
  std::string a;
  std::string b;
};

// `count` pairs of versions valid for `scheme`: far apart, neighbours in sorted order, a version and a
// variation of it, two variations of one version, and equal spellings of one version ("0:" epoch, zero
// padding, a "-0" revision), so that equal, near and '~' cases are all well represented.
std::vector<VersionPair> MakeVersionPairs(const std::vector<std::string>& versions, size_t count, VersionScheme scheme,
                                          Random& random);

// The program `name` in $PATH (or /usr/bin:/bin); fails the test when there is none.
std::string FindToolOrFail(std::string_view name);

enum class Capture { kNothing, kStdout, kStderr };

struct ToolRun {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not start
  std::string output;  // the captured stream (or why it could not start)
};

// Runs argv[0] (a path) with posix_spawn, no shell, stdin from /dev/null, in the C locale; the stream not
// captured goes to /dev/null. Safe to call from several threads at once.
ToolRun RunTool(const std::vector<std::string>& argv, Capture capture);

// Calls fn(i) for every i in [0, count) from `threads` threads.
void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& fn);

}  // namespace mig::modules::scribe::testing

#endif  // MIG_MODULES_SCRIBE_EVR_DIFFERENTIAL_TESTING_H_
