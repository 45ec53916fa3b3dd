// Fuzzes the vulnerability data `mig scribe policy` reads (the security tracker's JSON and OSV records,
// fetched from the network; a host's changelogs, apt lists and os-release): the first byte chooses the
// parser. Any bytes are read or refused without crashing, and a policy made from them is always one that
// the scribe module accepts, since it goes to the whole fleet.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/apt_lists.h"
#include "modules/scribe/policy_sources/compressed_file.h"
#include "modules/scribe/policy_sources/debian_changelog.h"
#include "modules/scribe/policy_sources/debian_tracker.h"
#include "modules/scribe/policy_sources/os_release.h"
#include "modules/scribe/policy_sources/osv.h"
#include "modules/scribe/policy_sources/policy_builder.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr size_t kMaxDecompressedBytes = 1 << 20;

// A policy without tests is refused by the scribe module for that reason alone (and `mig scribe policy`
// says it made 0 tests); any other must be accepted.
void CheckPolicy(const PolicyBuilder& builder) {
  if (builder.test_count() > 0 && !ParsePolicyJson(builder.ToJson()).ok()) __builtin_trap();
}

void FuzzTracker(std::string_view json, bool include_unfixed) {
  PolicyBuilder builder;
  DebianTrackerOptions options{.releases = {"bookworm", "bullseye"}, .include_unfixed = include_unfixed};
  if (AddDebianTrackerTests(json, "tracker.json", options, &builder).ok()) CheckPolicy(builder);
}

void FuzzOsv(std::string_view json, bool include_unfixed) {
  OsvCollection osv({.include_unfixed = include_unfixed});
  if (!osv.AddDocument(json, "osv.json").ok()) return;
  PolicyBuilder builder;
  if (osv.AddTests(&builder).ok()) CheckPolicy(builder);
}

void FuzzChangelog(std::string_view text) {
  for (const ChangelogEntry& entry : ParseDebianChangelog(text)) {
    std::set<std::string> distinct(entry.cves.begin(), entry.cves.end());
    if (distinct.size() != entry.cves.size()) __builtin_trap();
    for (const std::string& cve : entry.cves) {
      if (!absl::StartsWith(cve, "CVE-")) __builtin_trap();
    }
  }
}

void FuzzOne(uint8_t selector, std::string_view bytes) {
  switch (selector % 7) {
    case 0:
      return FuzzTracker(bytes, selector & 0x80);
    case 1:
      return FuzzOsv(bytes, selector & 0x80);
    case 2:
      return FuzzChangelog(bytes);
    case 3:
      (void)ParseOsRelease(bytes);
      return;
    case 4:
      (void)ParseAptListName(bytes);
      return;
    case 5:
      if (absl::StatusOr<PageBuffer> text = DecompressLz4(bytes, "x.lz4", kMaxDecompressedBytes); text.ok()) {
        if (text->size() > kMaxDecompressedBytes) __builtin_trap();
      }
      return;
    default:
      if (absl::StatusOr<PageBuffer> text = DecompressGzip(bytes, "x.gz", kMaxDecompressedBytes); text.ok()) {
        if (text->size() > kMaxDecompressedBytes) __builtin_trap();
        FuzzChangelog(text->view());
      }
      return;
  }
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mig::modules::scribe::policy_sources::FuzzOne(data[0],
                                                std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
