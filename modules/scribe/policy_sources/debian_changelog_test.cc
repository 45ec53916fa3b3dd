// Debian changelogs: entry headings, CVE ids in the text, and the trailer that ends the parsable part.
#include "modules/scribe/policy_sources/debian_changelog.h"

#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr char kChangelog[] =
    "openssl (3.0.13-1~deb12u1) bookworm-security; urgency=medium\n"
    "\n"
    "  * New upstream version.\n"
    "    - CVE-2024-0727 (PKCS12 decoding crashes).\n"
    "    - CVE-2023-6129 (POLY1305 MAC on PowerPC); CVE-2024-0727 again.\n"
    "\n"
    " -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sat, 03 Feb 2024 12:00:00 +0100\n"
    "\n"
    "openssl (3.0.11-1~deb12u2) bookworm-security; urgency=medium\r\n"
    "\r\n"
    "  * Fix CVE-2023-5363 (Incorrect cipher key & IV length processing).\r\n"
    "  * Not ids: CVE-123-4567, CVE-2023-12, XCVE-2023-9999, CVE-2023-, CVE-\n"
    "\n"
    " -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Wed, 25 Oct 2023 12:00:00 +0200\n"
    "\n"
    "openssl (1:0.9.8-1) unstable; urgency=low\n"
    "\n"
    "  * A line that looks like a heading but is indented:\n"
    "  openssl (9.9) unstable; urgency=low\n"
    "  * Closes CVE-2008-0001 (with an epoch in the version).\n"
    "\n"
    "Old Changelog:\n"
    "\n"
    "openssl (0.9.1) whatever; urgency=low\n"
    "  * CVE-1999-0001\n";

TEST_CASE("Entries, newest first, with the CVEs each names once") {
  std::vector<ChangelogEntry> entries = ParseDebianChangelog(kChangelog);
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].version == "3.0.13-1~deb12u1");
  CHECK(entries[0].cves == std::vector<std::string>{"CVE-2024-0727", "CVE-2023-6129"});
  CHECK(entries[1].version == "3.0.11-1~deb12u2");
  CHECK(entries[1].cves == std::vector<std::string>{"CVE-2023-5363"});
  CHECK(entries[2].version == "1:0.9.8-1");
  CHECK(entries[2].cves == std::vector<std::string>{"CVE-2008-0001"});
}

TEST_CASE("Text that is not a changelog gives no entries") {
  CHECK(ParseDebianChangelog("").empty());
  CHECK(ParseDebianChangelog("CVE-2024-0001 before any heading\n").empty());
  CHECK(ParseDebianChangelog("no heading (1.0) here\n").empty());       // no ';'
  CHECK(ParseDebianChangelog("Bad_Name (1.0) unstable; x\n").empty());  // not a package name
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
