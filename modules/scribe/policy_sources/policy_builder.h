// Builds a scribe policy (the document `mig scribe` runs) out of vulnerability data: objects deduplicated by
// id, tests in the order they were added, and the release gate that keeps each test to the distribution
// release its data is about. The JSON is indented and deterministic: the same input gives the same bytes.
//
//   PolicyBuilder builder;
//   std::string gate = builder.AddReleaseGate({"debian", ReleaseMatch::kCodename, "bookworm"});
//   std::string object = builder.AddSourcePackageObject("openssl");
//   MIG_RETURN_IF_ERROR(builder.AddTest({.id = "...", .object = object,
//                                        .evaluator = EvrCheck{EvrOperation::kLess, "3.0.11-1~deb12u2"},
//                                        .if_tests = {gate}}));
//   std::string json = builder.ToJson();
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_POLICY_BUILDER_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_POLICY_BUILDER_H_

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "modules/scribe/policy.h"

namespace mig::modules::scribe::policy_sources {

// Where an object's values come from.
struct PackageByName {  // installed binary packages of that name; values are their versions
  std::string name;
};
struct PackageBySource {  // installed binary packages built from that source package; values are source versions
  std::string source;
};
struct FileContent {  // regular files under `path` whose base name matches `file`; values are capture groups
  std::string path;
  std::string file;
  std::string expression;
};
using ObjectSource = std::variant<PackageByName, PackageBySource, FileContent>;

struct PolicyObject {
  std::string id;
  ObjectSource source;
};

// EvrOperation and EvrOperationSymbol() are the policy parser's (modules/scribe/policy.h).

struct EvrCheck {
  EvrOperation operation = EvrOperation::kLess;
  std::string value;
};
struct ExactMatch {
  std::string value;
};
struct RegexpMatch {
  std::string value;
};
// std::monostate: the test is true when its object found anything.
using Evaluator = std::variant<std::monostate, EvrCheck, ExactMatch, RegexpMatch>;

struct PolicyTag {
  std::string key;
  std::string value;
  friend bool operator==(const PolicyTag&, const PolicyTag&) = default;
};

struct PolicyTest {
  std::string id;
  std::string name;
  std::string description;
  std::string object;
  Evaluator evaluator;
  std::vector<std::string> if_tests;  // true only if these tests are true too
  std::vector<PolicyTag> tags;
};

// How a release is recognised in /etc/os-release (besides its ID).
enum class ReleaseMatch {
  kCodename,      // VERSION_CODENAME equals the value ("bookworm")
  kVersionId,     // VERSION_ID equals the value ("22.04", "8.4")
  kMajorVersion,  // VERSION_ID is the value or starts with it and a dot ("9" matches "9" and "9.3")
};

struct Release {
  std::string os_id;  // os-release's ID: "debian", "ubuntu", "almalinux", "rocky", "rhel"
  ReleaseMatch match = ReleaseMatch::kCodename;
  std::string value;

  // "debian-bookworm", "ubuntu-22.04": what test ids built for this release contain.
  std::string Label() const { return os_id + "-" + value; }
};

// What one source of vulnerability data contributed, for the summary on stderr.
struct SourceReport {
  std::string source;  // "Debian security tracker (tracker.json)"
  size_t tests = 0;
  std::set<std::string> packages;
  std::set<std::string> cves;
  std::map<std::string, size_t> skipped;  // why -> how many entries
  std::vector<std::string> warnings;      // entries left out for a reason worth reading (a bad version)

  void Skip(const std::string& why, size_t count = 1) { skipped[why] += count; }
  // "12 tests for 8 packages, 30 CVEs; skipped: 4 not affected (...), ..."
  std::string Summary() const;
};

// Whether a version a source gives can be the value of an evr test: the package manager of `scheme` accepts
// it, and so does ParsePolicyJson in a test written without a scheme (dpkg trims blanks around a version; a
// policy may not carry them). The message says what is wrong, for a source's warning.
absl::Status CheckSourceVersion(std::string_view version, VersionScheme scheme);

class PolicyBuilder {
 public:
  // Adds the object unless one with its id is there already; the same id with a different source is an
  // Internal error (ids are derived from the source, so it is a bug).
  absl::Status AddObject(PolicyObject object);
  // Ids for the package objects, added on first use: "package-openssl", "source-package-openssl".
  std::string AddBinaryPackageObject(std::string_view name);
  std::string AddSourcePackageObject(std::string_view source);

  // AlreadyExists when a test has the id; InvalidArgument when its object or an `if` test is unknown.
  // An evr test's value must pass CheckEvrValue (policy.h) without a scheme: the builder never writes a
  // policy ParsePolicyJson refuses.
  absl::Status AddTest(PolicyTest test);
  bool HasTest(std::string_view id) const { return test_index_.contains(id); }

  // Adds (once) the os-release objects and the tests "os-<ID>" and "release-<ID>-<value>" that hold exactly
  // on that release; returns the id of the release test, for the `if` of the tests that only apply there.
  std::string AddReleaseGate(const Release& release);

  size_t test_count() const { return tests_.size(); }
  size_t object_count() const { return objects_.size(); }
  const std::vector<PolicyTest>& tests() const { return tests_; }

  // {"objects": [...], "tests": [...]}, indented by two spaces, ending with a newline.
  std::string ToJson() const;

 private:
  std::vector<PolicyObject> objects_;
  absl::flat_hash_map<std::string, size_t> object_index_;
  std::vector<PolicyTest> tests_;
  absl::flat_hash_map<std::string, size_t> test_index_;
};

// Orders ids as people expect: runs of digits by value ("CVE-2024-9999" before "CVE-2024-10000").
bool NaturalLess(std::string_view a, std::string_view b);

// "CVE-2024-1234" -> tag {"cve", id}; anything else (DSA-5678-1, USN-6000-1, TEMP-...) -> {"advisory", id}.
PolicyTag VulnerabilityTag(std::string_view id);
bool IsCve(std::string_view id);

// Joins ids for a description, naming at most `limit` of them ("A, B, C and 12 more").
std::string JoinIds(const std::vector<std::string>& ids, size_t limit = 20);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_POLICY_BUILDER_H_
