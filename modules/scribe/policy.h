// A scribe policy (mozilla/scribe's document format, as MIG's scribe module took it in "scribedoc"), parsed
// and checked as a whole before anything runs:
//
//   {"variables": [{"key": "root", "value": "/etc"}],
//    "objects": [{"object": "libnss3-package", "package": {"name": "libnss3:amd64"}}],
//    "tests":   [{"test": "libnss3 test", "object": "libnss3-package",
//                 "evr": {"operation": "<", "value": "2:3.19.2"}, "if": ["..."]}]}
//
//   MIG_ASSIGN_OR_RETURN(Policy policy, ParsePolicyJson(text));
//
// Every error names the test or object and the field: an unknown object, an `if` cycle, a regex that does
// not compile, a version that no package manager accepts, an unknown field.
#ifndef MIG_MODULES_SCRIBE_POLICY_H_
#define MIG_MODULES_SCRIBE_POLICY_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/scribe/evr/evr.h"
#include "re2/re2.h"
#include "simdjson.h"

namespace mig::modules::scribe {

// Objects collect values from the host; each value is a (identifier, value) criterion for the tests.
enum class SourceKind { kPackage, kFileContent, kFileName, kHasLine, kRaw };

struct PackageSource {
  std::string name;           // exact package name, or "name:arch"
  std::string collect_match;  // "collectmatch": a regex on package names instead of one name
  std::string source;         // our extension: packages built from this source package; values are source versions
  bool only_newest = false;   // "onlynewest": of several installed versions of a package, only the newest
  std::shared_ptr<const RE2> collect_regex;
};

// filecontent, filename and hasline look for regular files under `path` (at most 10 levels deep, as scribe)
// whose base name matches the `file` regex.
struct FileSource {
  std::string path;
  std::string file;
  std::string expression;            // filecontent, hasline: a regex on each line
  std::string concat;                // filecontent: the values of one file joined with this into one value
  std::vector<size_t> import_chain;  // filecontent: objects run again under each matching file's directory
  std::shared_ptr<const RE2> file_regex;
  std::shared_ptr<const RE2> expression_regex;
};

struct RawIdentifier {
  std::string identifier;
  std::string value;
};

struct Object {
  std::string id;
  SourceKind kind = SourceKind::kRaw;
  PackageSource package;
  FileSource file;
  std::vector<RawIdentifier> raw;
  // Its path names ${chain_root}: it only runs from another object's import-chain.
  bool is_chain = false;
};

enum class EvaluatorKind { kNoop, kEvr, kRegexp, kExactMatch };
enum class EvrOperation { kLess, kLessOrEqual, kEqual, kGreaterOrEqual, kGreater };

std::string_view EvrOperationSymbol(EvrOperation operation);

struct Tag {
  std::string key;
  std::string value;
};

struct Test {
  std::string id;    // "test"
  std::string name;  // optional title
  std::string description;
  size_t object = 0;  // index into Policy::objects
  EvaluatorKind evaluator = EvaluatorKind::kNoop;
  EvrOperation operation = EvrOperation::kLess;
  std::string value;  // the evr version, the regexp or the exact value
  // "evr": {"scheme": "dpkg"|"rpm"}, our extension: how to compare values that are not package versions
  // (those follow their package's type). Unset: rpm's rules, as scribe compared everything.
  std::optional<VersionScheme> scheme;
  std::shared_ptr<const RE2> regex;
  std::vector<Tag> tags;
  std::vector<size_t> if_tests;  // indices into Policy::tests
  bool expected_result = false;
  bool expect_error = false;
};

struct Policy {
  std::vector<Object> objects;
  std::vector<Test> tests;               // in the document's order, which results keep
  std::vector<size_t> evaluation_order;  // every test after the tests its `if` names
};

// Parses the document (the value of "scribedoc"); `path` prefixes field names in errors.
absl::StatusOr<Policy> ParsePolicy(simdjson::dom::element document, std::string_view path = "");
absl::StatusOr<Policy> ParsePolicyJson(std::string_view text);

// The rule ParsePolicyJson applies to an evr test's value. A test without a "scheme" (the form mig's policy
// sources write) is held to rpm's rules, which refuse everything dpkg refuses after trimming, and also the
// blanks dpkg would trim: so that its value reads the same on a dpkg host and an rpm host.
absl::Status CheckEvrValue(std::string_view value, std::optional<VersionScheme> scheme);

// Largest policy accepted, in bytes: a vulnerability database converted for a distribution is a few MiB.
inline constexpr size_t kMaxPolicyBytes = 64 << 20;

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_POLICY_H_
