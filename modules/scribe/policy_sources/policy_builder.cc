#include "modules/scribe/policy_sources/policy_builder.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "base/json/writer.h"

namespace mig::modules::scribe::policy_sources {
namespace {

// The os-release fields the gate reads, each a value of its own object. os-release(5) allows the value
// quoted or not; the capture leaves the quotes out.
constexpr std::string_view kOsReleasePath = "/etc";
constexpr std::string_view kOsReleaseFile = "^os-release$";

std::string OsReleaseObjectId(std::string_view field) {
  return absl::StrCat("os-release-", absl::AsciiStrToLower(absl::StrReplaceAll(field, {{"_", "-"}})));
}

FileContent OsReleaseField(std::string_view field) {
  return {std::string(kOsReleasePath), std::string(kOsReleaseFile), absl::StrCat("^", field, "=\"?([^\"]*)\"?$")};
}

// RE2 syntax for a literal.
std::string QuoteRegex(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool SameSource(const ObjectSource& a, const ObjectSource& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<PackageByName>(&a)) return x->name == std::get<PackageByName>(b).name;
  if (const auto* x = std::get_if<PackageBySource>(&a)) return x->source == std::get<PackageBySource>(b).source;
  const auto& x = std::get<FileContent>(a);
  const auto& y = std::get<FileContent>(b);
  return x.path == y.path && x.file == y.file && x.expression == y.expression;
}

void WriteObject(json::JsonWriter& w, const PolicyObject& object) {
  w.BeginObject();
  w.Field("object", object.id);
  if (const auto* p = std::get_if<PackageByName>(&object.source)) {
    w.Key("package");
    w.BeginObject();
    w.Field("name", p->name);
    w.EndObject();
  } else if (const auto* s = std::get_if<PackageBySource>(&object.source)) {
    w.Key("package");
    w.BeginObject();
    w.Field("source", s->source);
    w.EndObject();
  } else {
    const auto& f = std::get<FileContent>(object.source);
    w.Key("filecontent");
    w.BeginObject();
    w.Field("path", f.path);
    w.Field("file", f.file);
    w.Field("expression", f.expression);
    w.EndObject();
  }
  w.EndObject();
}

void WriteTest(json::JsonWriter& w, const PolicyTest& test) {
  w.BeginObject();
  w.Field("test", test.id);
  w.Field("name", test.name);
  w.Field("description", test.description);
  w.Field("object", test.object);
  if (const auto* evr = std::get_if<EvrCheck>(&test.evaluator)) {
    w.Key("evr");
    w.BeginObject();
    w.Field("operation", EvrOperationSymbol(evr->operation));
    w.Field("value", evr->value);
    w.EndObject();
  } else if (const auto* exact = std::get_if<ExactMatch>(&test.evaluator)) {
    w.Key("exactmatch");
    w.BeginObject();
    w.Field("value", exact->value);
    w.EndObject();
  } else if (const auto* regexp = std::get_if<RegexpMatch>(&test.evaluator)) {
    w.Key("regexp");
    w.BeginObject();
    w.Field("value", regexp->value);
    w.EndObject();
  }
  if (!test.if_tests.empty()) {
    w.Key("if");
    w.StringArray(test.if_tests);
  }
  if (!test.tags.empty()) {
    w.Key("tags");
    w.BeginArray();
    for (const PolicyTag& tag : test.tags) {
      w.BeginObject();
      w.Field("key", tag.key);
      w.Field("value", tag.value);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string SourceReport::Summary() const {
  std::string out = absl::StrCat(tests, tests == 1 ? " test" : " tests", " for ", packages.size(),
                                 packages.size() == 1 ? " package" : " packages", ", ", cves.size(),
                                 cves.size() == 1 ? " CVE" : " CVEs");
  if (!skipped.empty()) {
    absl::StrAppend(&out, "; skipped: ", absl::StrJoin(skipped, ", ", [](std::string* o, const auto& entry) {
      absl::StrAppend(o, entry.second, " ", entry.first);
    }));
  }
  return out;
}

absl::Status PolicyBuilder::AddObject(PolicyObject object) {
  auto [it, inserted] = object_index_.try_emplace(object.id, objects_.size());
  if (!inserted) {
    if (SameSource(objects_[it->second].source, object.source)) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("two different objects with the id \"", object.id, "\""));
  }
  objects_.push_back(std::move(object));
  return absl::OkStatus();
}

std::string PolicyBuilder::AddBinaryPackageObject(std::string_view name) {
  std::string id = absl::StrCat("package-", name);
  // Ids are derived from the name, so the same id is always the same object.
  (void)AddObject({id, PackageByName{std::string(name)}});
  return id;
}

std::string PolicyBuilder::AddSourcePackageObject(std::string_view source) {
  std::string id = absl::StrCat("source-package-", source);
  (void)AddObject({id, PackageBySource{std::string(source)}});
  return id;
}

absl::Status CheckSourceVersion(std::string_view version, VersionScheme scheme) {
  if (absl::Status valid = CheckVersion(version, scheme); !valid.ok()) return valid;
  return CheckEvrValue(version, std::nullopt);
}

absl::Status PolicyBuilder::AddTest(PolicyTest test) {
  if (test.id.empty()) return absl::InvalidArgumentError("a test needs an id");
  if (!object_index_.contains(test.object)) {
    return absl::InvalidArgumentError(
        absl::StrCat("test \"", test.id, "\" names the unknown object \"", test.object, "\""));
  }
  for (const std::string& dependency : test.if_tests) {
    if (!test_index_.contains(dependency)) {
      return absl::InvalidArgumentError(
          absl::StrCat("test \"", test.id, "\" depends on the unknown test \"", dependency, "\""));
    }
  }
  if (const auto* evr = std::get_if<EvrCheck>(&test.evaluator)) {
    if (absl::Status value = CheckEvrValue(evr->value, std::nullopt); !value.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("test \"", test.id, "\": ", value.message()));
    }
  }
  auto [it, inserted] = test_index_.try_emplace(test.id, tests_.size());
  if (!inserted) return absl::AlreadyExistsError(absl::StrCat("two tests with the id \"", test.id, "\""));
  tests_.push_back(std::move(test));
  return absl::OkStatus();
}

std::string PolicyBuilder::AddReleaseGate(const Release& release) {
  std::string os_test = absl::StrCat("os-", release.os_id);
  if (!HasTest(os_test)) {
    std::string object = OsReleaseObjectId("ID");
    (void)AddObject({object, OsReleaseField("ID")});
    (void)AddTest({.id = os_test,
                   .name = absl::StrCat("the host runs ", release.os_id),
                   .description = absl::StrCat("/etc/os-release has ID=", release.os_id, "."),
                   .object = object,
                   .evaluator = ExactMatch{release.os_id}});
  }
  std::string release_test = absl::StrCat("release-", release.Label());
  if (HasTest(release_test)) return release_test;

  std::string_view field = release.match == ReleaseMatch::kCodename ? "VERSION_CODENAME" : "VERSION_ID";
  std::string object = OsReleaseObjectId(field);
  (void)AddObject({object, OsReleaseField(field)});
  PolicyTest test{.id = release_test,
                  .name = absl::StrCat("the host runs ", release.os_id, " ", release.value),
                  .object = object,
                  .if_tests = {os_test}};
  switch (release.match) {
    case ReleaseMatch::kCodename:
    case ReleaseMatch::kVersionId:
      test.description = absl::StrCat("/etc/os-release has ID=", release.os_id, " and ", field, "=", release.value,
                                      "; the tests for that release depend on this one.");
      test.evaluator = ExactMatch{release.value};
      break;
    case ReleaseMatch::kMajorVersion:
      test.description =
          absl::StrCat("/etc/os-release has ID=", release.os_id, " and a VERSION_ID of ", release.value, " or ",
                       release.value, ".<minor>; the tests for that release depend on this one.");
      test.evaluator = RegexpMatch{absl::StrCat("^", QuoteRegex(release.value), "(\\.[0-9]+)*$")};
      break;
  }
  (void)AddTest(std::move(test));
  return release_test;
}

std::string PolicyBuilder::ToJson() const {
  json::JsonWriter w(2);
  w.BeginObject();
  w.Key("objects");
  w.BeginArray();
  for (const PolicyObject& object : objects_) WriteObject(w, object);
  w.EndArray();
  w.Key("tests");
  w.BeginArray();
  for (const PolicyTest& test : tests_) WriteTest(w, test);
  w.EndArray();
  w.EndObject();
  std::string out = std::move(w).Take();
  out.push_back('\n');
  return out;
}

bool NaturalLess(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool digit_a = absl::ascii_isdigit(static_cast<unsigned char>(a[i]));
    bool digit_b = absl::ascii_isdigit(static_cast<unsigned char>(b[j]));
    if (digit_a && digit_b) {
      size_t end_a = i, end_b = j;
      while (end_a < a.size() && absl::ascii_isdigit(static_cast<unsigned char>(a[end_a]))) ++end_a;
      while (end_b < b.size() && absl::ascii_isdigit(static_cast<unsigned char>(b[end_b]))) ++end_b;
      std::string_view run_a = a.substr(i, end_a - i), run_b = b.substr(j, end_b - j);
      std::string_view value_a = run_a, value_b = run_b;
      while (value_a.size() > 1 && value_a.front() == '0') value_a.remove_prefix(1);
      while (value_b.size() > 1 && value_b.front() == '0') value_b.remove_prefix(1);
      if (value_a.size() != value_b.size()) return value_a.size() < value_b.size();
      if (value_a != value_b) return value_a < value_b;
      if (run_a != run_b) return run_a < run_b;  // "01" and "1": any fixed order
      i = end_a;
      j = end_b;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

bool IsCve(std::string_view id) { return absl::StartsWith(id, "CVE-"); }

PolicyTag VulnerabilityTag(std::string_view id) { return {IsCve(id) ? "cve" : "advisory", std::string(id)}; }

std::string JoinIds(const std::vector<std::string>& ids, size_t limit) {
  if (ids.size() <= limit) return absl::StrJoin(ids, ", ");
  std::vector<std::string> shown(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(limit));
  return absl::StrCat(absl::StrJoin(shown, ", "), " and ", ids.size() - limit, " more");
}

}  // namespace mig::modules::scribe::policy_sources
