// Times `mig scribe policy` on realistic inputs: a synthetic Debian security tracker file of the real one's
// size and shape (about 100 MB: thousands of source packages, tens of thousands of CVEs, five releases each)
// and, with --from-apt, this host's own apt lists.
//
//   bazel run //modules/scribe/policy_sources:make_policy_bench -- [--from-apt] [--mb 100]
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "modules/scribe/policy_sources/make_policy.h"

namespace mig::modules::scribe::policy_sources {
namespace {

// A small deterministic generator: the same file on every run.
struct Random {
  uint64_t state = 0x9E3779B97F4A7C15u;
  uint64_t Next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

constexpr const char* kReleases[] = {"bullseye", "bookworm", "trixie", "forky", "sid"};
constexpr const char* kUrgencies[] = {"not yet assigned", "unimportant", "low", "low**", "medium", "high"};

// A package's CVEs are fixed by a few versions (a security update fixes several at once): each release
// draws from 1 to 6 versions per package.
std::string ReleaseEntry(Random& random, int package, int release) {
  uint64_t pick = random.Below(1 + package % 6);
  std::string version = absl::StrCat(1 + package % 7, ".", pick, ".", (package * 7 + release) % 20, "-", 1 + pick % 3,
                                     release == 1 ? "+deb12u1" : "");
  const char* urgency = kUrgencies[random.Below(6)];
  uint64_t kind = random.Below(20);
  std::string repositories = absl::StrCat(R"({")", kReleases[release], R"(": ")", version, R"("})");
  if (kind < 13) {
    return absl::StrCat(R"({"status": "resolved", "repositories": )", repositories, R"(, "fixed_version": ")", version,
                        R"(", "urgency": ")", urgency, R"("})");
  }
  if (kind < 16) {
    return absl::StrCat(R"({"status": "resolved", "repositories": )", repositories,
                        R"(, "fixed_version": "0", "urgency": ")", urgency, R"("})");
  }
  return absl::StrCat(R"({"status": ")", kind < 19 ? "open" : "undetermined", R"(", "repositories": )", repositories,
                      R"(, "urgency": ")", urgency, R"(", "nodsa": "Minor issue", "nodsa_reason": ""})");
}

std::string SyntheticTracker(size_t target_bytes, size_t* cves) {
  Random random;
  std::string out = "{";
  int package = 0;
  *cves = 0;
  while (out.size() < target_bytes) {
    if (package > 0) out += ", ";
    absl::StrAppend(&out, "\"package-", package, "\": {");
    int count = 1 + static_cast<int>(random.Below(30));
    for (int i = 0; i < count; ++i) {
      if (i > 0) out += ", ";
      absl::StrAppend(
          &out, "\"CVE-", 2000 + random.Below(25), "-", 1000 + random.Below(60000),
          R"(": {"description": "A flaw was found in package-)", package,
          R"( that allows a remote attacker to cause a denial of service via crafted input.", "scope": "remote", "debianbug": )",
          1000000 + random.Below(100000), R"(, "releases": {)");
      for (int r = 0; r < 5; ++r) {
        if (r > 0) out += ", ";
        absl::StrAppend(&out, "\"", kReleases[r], "\": ", ReleaseEntry(random, package, r));
      }
      out += "}}";
      ++*cves;
    }
    out += "}";
    ++package;
  }
  out += "}";
  return out;
}

int Main(int argc, char** argv) {
  bool from_apt = false;
  size_t megabytes = 100;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--from-apt") == 0) from_apt = true;
    if (std::strcmp(argv[i], "--mb") == 0 && i + 1 < argc) megabytes = std::strtoul(argv[++i], nullptr, 10);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/mig-synthetic-tracker.json");
  size_t cves = 0;
  std::string tracker = SyntheticTracker(megabytes << 20, &cves);
  if (absl::Status written = WriteFileAtomically(path, tracker, 0600); !written.ok()) {
    std::cerr << written.message() << "\n";
    return 1;
  }
  std::cout << "synthetic tracker: " << tracker.size() / (1 << 20) << " MiB, " << cves << " CVE entries, 5 releases\n";
  tracker.clear();

  auto time = [](const char* what, const PolicyRequest& request) {
    absl::Time start = absl::Now();
    absl::StatusOr<MadePolicy> made = MakePolicy(request);
    absl::Duration took = absl::Now() - start;
    if (!made.ok()) {
      std::cerr << what << ": " << made.status().message() << "\n";
      return false;
    }
    for (const SourceReport& report : made->reports) std::cout << report.source << ": " << report.Summary() << "\n";
    std::cout << what << ": " << made->tests << " tests, " << made->json.size() / 1024 << " KiB of policy in "
              << absl::FormatDuration(took) << "\n";
    return true;
  };
  bool ok = time("tracker, bookworm", {.debian_tracker = path, .releases = {"bookworm"}});
  ok = time("tracker, all five releases",
            {.debian_tracker = path, .releases = {"bullseye", "bookworm", "trixie", "forky", "sid"}}) &&
       ok;
  if (from_apt) ok = time("apt lists of this host", {.from_apt = true}) && ok;
  std::remove(path.c_str());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources

int main(int argc, char** argv) { return mig::modules::scribe::policy_sources::Main(argc, argv); }
