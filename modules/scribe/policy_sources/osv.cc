#include "modules/scribe/policy_sources/osv.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/scribe/policy_sources/versions.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr std::string_view kOrigin = "osv";

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
}

// "22.04", "9", "8.4": digits, optionally dot-separated.
bool IsReleaseNumber(std::string_view s) {
  if (s.empty()) return false;
  for (std::string_view part : absl::StrSplit(s, '.')) {
    if (!AllDigits(part)) return false;
  }
  return true;
}

std::string_view MajorOf(std::string_view version) { return version.substr(0, version.find('.')); }

std::string NoPackageManager(std::string_view ecosystem) {
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  return absl::StrCat("affected entries of ecosystem ", base, " (no package manager mig reads)");
}

absl::Status Invalid(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path.empty() ? "document" : path, ": ", message));
}

// An optional string member: absent or null is "".
absl::StatusOr<std::string_view> OptionalString(simdjson::dom::object object, std::string_view key,
                                                std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::string_view();
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    return Invalid(json::ChildPath(path, key), absl::StrCat("expected a string, got ", json::TypeName(value)));
  }
  return text;
}

absl::StatusOr<std::vector<std::string>> OptionalStrings(simdjson::dom::object object, std::string_view key,
                                                         std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::vector<std::string>();
  return json::AsStringArray(value, json::ChildPath(path, key));
}

// The member as an array; absent or null is an empty array.
absl::StatusOr<std::optional<simdjson::dom::array>> OptionalArray(simdjson::dom::object object, std::string_view key,
                                                                  std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, json::AsArray(value, json::ChildPath(path, key)));
  return array;
}

std::string OperatorText(int bound_kind) { return bound_kind == 0 ? "fixed" : "last-affected"; }

}  // namespace

std::optional<EcosystemTarget> MapEcosystem(std::string_view ecosystem, std::string* skip_reason) {
  std::vector<std::string_view> parts = absl::StrSplit(ecosystem, ':');
  std::string_view base = parts[0];
  auto unmatched = [&](std::string_view what) {
    *skip_reason = absl::StrCat("affected entries of ecosystem ", ecosystem, " (", what, ")");
    return std::nullopt;
  };
  if (base == "Debian") {
    if (parts.size() != 2 || !AllDigits(parts[1])) return unmatched("no Debian release number");
    return EcosystemTarget{{"debian", ReleaseMatch::kVersionId, std::string(parts[1])},
                           true,
                           VersionScheme::kDpkg,
                           absl::StrCat("Debian ", parts[1])};
  }
  if (base == "Ubuntu") {
    // "Ubuntu:22.04:LTS", "Ubuntu:25.10", "Ubuntu:Pro:18.04:LTS" (ESM). Other variants (Pro:FIPS-updates,
    // Pro:Realtime, ...) carry their own builds, with versions a stock host never has.
    std::vector<std::string_view> rest(parts.begin() + 1, parts.end());
    if (!rest.empty() && rest.back() == "LTS") rest.pop_back();
    bool pro = !rest.empty() && rest.front() == "Pro";
    if (pro) rest.erase(rest.begin());
    if (rest.size() != 1 || !IsReleaseNumber(rest[0]))
      return unmatched("an Ubuntu variant mig does not match to hosts");
    return EcosystemTarget{{"ubuntu", ReleaseMatch::kVersionId, std::string(rest[0])},
                           true,
                           VersionScheme::kDpkg,
                           absl::StrCat("Ubuntu ", pro ? "Pro " : "", rest[0])};
  }
  if (base == "AlmaLinux" || base == "Rocky Linux") {
    if (parts.size() != 2 || !IsReleaseNumber(parts[1])) return unmatched("no release number");
    std::string_view major = MajorOf(parts[1]);
    return EcosystemTarget{
        {base == "AlmaLinux" ? "almalinux" : "rocky", ReleaseMatch::kMajorVersion, std::string(major)},
        false,
        VersionScheme::kRpm,
        absl::StrCat(base, " ", major)};
  }
  if (base == "Red Hat") {
    // "Red Hat:enterprise_linux:9::appstream" (a major release and what follows it), or a stream pinned to a
    // minor release: "Red Hat:rhel_eus:8.4::baseos", rhel_aus, rhel_e4s, rhel_tus.
    if (parts.size() < 3 || !IsReleaseNumber(parts[2])) return unmatched("no Red Hat product and release");
    if (parts[1] == "enterprise_linux") {
      std::string_view major = MajorOf(parts[2]);
      return EcosystemTarget{{"rhel", ReleaseMatch::kMajorVersion, std::string(major)},
                             false,
                             VersionScheme::kRpm,
                             absl::StrCat("Red Hat Enterprise Linux ", major)};
    }
    if (absl::StartsWith(parts[1], "rhel_") && absl::StrContains(parts[2], '.')) {
      return EcosystemTarget{{"rhel", ReleaseMatch::kVersionId, std::string(parts[2])},
                             false,
                             VersionScheme::kRpm,
                             absl::StrCat("Red Hat Enterprise Linux ", parts[2])};
    }
    return unmatched("a Red Hat product mig does not match to hosts");
  }
  *skip_reason = NoPackageManager(ecosystem);
  return std::nullopt;
}

bool OsvCollection::Key::operator<(const Key& other) const {
  if (release_label != other.release_label) return release_label < other.release_label;
  if (package != other.package) return package < other.package;
  if (bound_kind != other.bound_kind) return bound_kind < other.bound_kind;
  VersionLess less{scheme};
  if (bound != other.bound) return less(bound, other.bound);
  if (introduced != other.introduced) return less(introduced, other.introduced);
  return false;
}

// Reads one document into pending groups, merged into the collection only when the whole document is good.
class OsvRecordReader {
 public:
  OsvRecordReader(const OsvOptions& options, std::string_view name) : options_(options), name_(name) {}

  absl::Status ReadDocument(simdjson::dom::element root) {
    simdjson::dom::array array;
    if (root.get(array) == simdjson::SUCCESS) {
      size_t index = 0;
      for (simdjson::dom::element record : array) MIG_RETURN_IF_ERROR(ReadRecord(record, json::IndexPath("", index++)));
      return absl::OkStatus();
    }
    if (!root.is_object())
      return Invalid("", absl::StrCat("expected an OSV record or an array of them, got ", json::TypeName(root)));
    return ReadRecord(root, "");
  }

  void MergeInto(OsvCollection& collection) {
    for (auto& [key, group] : groups_) {
      auto [it, inserted] = collection.groups_.try_emplace(key, group);
      if (inserted) continue;
      it->second.ecosystems.merge(group.ecosystems);
      it->second.ids.merge(group.ids);
      it->second.summaries.merge(group.summaries);
    }
    for (const auto& [why, count] : report_.skipped) collection.report_.Skip(why, count);
    for (std::string& warning : report_.warnings) collection.report_.warnings.push_back(std::move(warning));
    collection.records_ += records_;
  }

 private:
  absl::Status ReadRecord(simdjson::dom::element element, const std::string& path) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object record, json::AsObject(element, path));
    MIG_ASSIGN_OR_RETURN(std::string_view id, OptionalString(record, "id", path));
    if (id.empty()) return Invalid(path, "an OSV record needs an \"id\"");
    ++records_;
    MIG_ASSIGN_OR_RETURN(std::string_view withdrawn, OptionalString(record, "withdrawn", path));
    if (!withdrawn.empty()) {
      report_.Skip("withdrawn records");
      return absl::OkStatus();
    }
    Record r{std::string(id), {}, {}};
    r.ids.emplace(id);
    for (std::string_view key : {"aliases", "upstream"}) {
      MIG_ASSIGN_OR_RETURN(std::vector<std::string> more, OptionalStrings(record, key, path));
      for (std::string& other : more) r.ids.insert(std::move(other));
    }
    MIG_ASSIGN_OR_RETURN(std::string_view summary, OptionalString(record, "summary", path));
    r.summary = std::string(summary);

    MIG_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> affected, OptionalArray(record, "affected", path));
    if (!affected) {
      report_.Skip("records without affected packages");
      return absl::OkStatus();
    }
    std::string affected_path = json::ChildPath(path, "affected");
    size_t index = 0;
    for (simdjson::dom::element entry : *affected) {
      MIG_RETURN_IF_ERROR(ReadAffected(entry, json::IndexPath(affected_path, index++), r));
    }
    return absl::OkStatus();
  }

  struct Record {
    std::string id;
    std::set<std::string> ids;
    std::string summary;
  };

  absl::Status ReadAffected(simdjson::dom::element element, const std::string& path, const Record& record) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object affected, json::AsObject(element, path));
    simdjson::dom::element package_element;
    if (affected["package"].get(package_element) != simdjson::SUCCESS || package_element.is_null()) {
      report_.Skip("affected entries without a package");
      return absl::OkStatus();
    }
    std::string package_path = json::ChildPath(path, "package");
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object package, json::AsObject(package_element, package_path));
    MIG_ASSIGN_OR_RETURN(std::string_view ecosystem, OptionalString(package, "ecosystem", package_path));
    MIG_ASSIGN_OR_RETURN(std::string_view name, OptionalString(package, "name", package_path));
    if (ecosystem.empty() || name.empty()) {
      return Invalid(package_path, "a package needs an \"ecosystem\" and a \"name\"");
    }
    std::string skip_reason;
    std::optional<EcosystemTarget> target = MapEcosystem(ecosystem, &skip_reason);
    if (!target) {
      report_.Skip(skip_reason);
      return absl::OkStatus();
    }
    MIG_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> ranges, OptionalArray(affected, "ranges", path));
    if (!ranges) {
      report_.Skip("affected entries without ranges (only \"versions\", which are not read)");
      return absl::OkStatus();
    }
    std::string ranges_path = json::ChildPath(path, "ranges");
    size_t index = 0;
    for (simdjson::dom::element range : *ranges) {
      MIG_RETURN_IF_ERROR(ReadRange(range, json::IndexPath(ranges_path, index++), *target, ecosystem, name, record));
    }
    return absl::OkStatus();
  }

  absl::Status ReadRange(simdjson::dom::element element, const std::string& path, const EcosystemTarget& target,
                         std::string_view ecosystem, std::string_view package, const Record& record) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object range, json::AsObject(element, path));
    MIG_ASSIGN_OR_RETURN(std::string_view type, OptionalString(range, "type", path));
    if (type != "ECOSYSTEM") {
      report_.Skip(absl::StrCat("ranges of type ", type.empty() ? "(none)" : type));
      return absl::OkStatus();
    }
    MIG_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> events, OptionalArray(range, "events", path));
    if (!events) return Invalid(path, "an ECOSYSTEM range needs \"events\"");
    std::string events_path = json::ChildPath(path, "events");
    // Events pair up in order: each "introduced" opens a range that the next "fixed" or "last_affected"
    // closes; one left open has no fix.
    std::optional<std::string> open;
    size_t index = 0;
    for (simdjson::dom::element event_element : *events) {
      std::string event_path = json::IndexPath(events_path, index++);
      MIG_ASSIGN_OR_RETURN(simdjson::dom::object event, json::AsObject(event_element, event_path));
      if (event.size() != 1) {
        return Invalid(event_path,
                       "an event has exactly one of \"introduced\", \"fixed\", \"last_affected\", \"limit\"");
      }
      auto [kind, value_element] = *event.begin();
      std::string value_path = json::ChildPath(event_path, kind);
      MIG_ASSIGN_OR_RETURN(std::string value, json::AsString(value_element, value_path));
      if (kind == "introduced") {
        if (open) Add(target, ecosystem, package, *open, 2, "", record, value_path);
        open = value;
      } else if (kind == "fixed" || kind == "last_affected") {
        Add(target, ecosystem, package, open.value_or("0"), kind == "fixed" ? 0 : 1, value, record, value_path);
        open.reset();
      } else if (kind != "limit") {
        return Invalid(event_path, absl::StrCat("unknown event \"", kind, "\""));
      }
    }
    if (open) Add(target, ecosystem, package, *open, 2, "", record, events_path);
    return absl::OkStatus();
  }

  bool ValidVersion(std::string_view version, const EcosystemTarget& target, const std::string& path) {
    absl::Status valid = CheckSourceVersion(version, target.scheme);
    if (valid.ok()) return true;
    report_.Skip("ranges with a version the package manager refuses");
    report_.warnings.push_back(absl::StrCat(name_, ": ", path, ": ", valid.message(), "; left out"));
    return false;
  }

  void Add(const EcosystemTarget& target, std::string_view ecosystem, std::string_view package,
           const std::string& introduced, int bound_kind, const std::string& bound, const Record& record,
           const std::string& path) {
    if (bound_kind == 2 && !options_.include_unfixed) {
      report_.Skip("ranges without a fix yet (--include-unfixed lists them)");
      return;
    }
    if (introduced != "0" && !ValidVersion(introduced, target, path)) return;
    if (bound_kind != 2 && !ValidVersion(bound, target, path)) return;
    OsvCollection::Key key{target.release.Label(), std::string(package), bound_kind, bound, introduced, target.scheme};
    OsvCollection::Group& group = groups_[key];
    if (group.ecosystems.empty()) group.target = target;
    group.ecosystems.emplace(ecosystem);
    group.ids.insert(record.ids.begin(), record.ids.end());
    if (!record.summary.empty()) group.summaries.emplace(record.id, record.summary);
  }

  const OsvOptions& options_;
  std::string_view name_;
  std::map<OsvCollection::Key, OsvCollection::Group> groups_;
  SourceReport report_;
  size_t records_ = 0;
};

absl::Status OsvCollection::AddDocument(std::string_view json, std::string_view name) {
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<json::JsonDocument> document,
                       json::JsonDocument::Parse(json, name, kMaxOsvFileBytes));
  OsvRecordReader reader(options_, name);
  absl::Status read = reader.ReadDocument(document->root());
  if (!read.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", read.message()));
  reader.MergeInto(*this);
  ++documents_;
  return absl::OkStatus();
}

absl::Status OsvCollection::AddPath(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    MIG_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(path, kMaxOsvFileBytes));
    return AddDocument(text, path);
  }
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) {
    std::string_view entry_name = entry->d_name;
    if (absl::EndsWith(entry_name, ".json") && entry_name.front() != '.') names.emplace_back(entry_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  std::string prefix = absl::EndsWith(path, "/") ? path : absl::StrCat(path, "/");
  size_t read = 0;
  for (const std::string& entry_name : names) {
    std::string file = absl::StrCat(prefix, entry_name);
    if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    MIG_ASSIGN_OR_RETURN(std::string text, ReadFileBounded(file, kMaxOsvFileBytes));
    MIG_RETURN_IF_ERROR(AddDocument(text, file));
    ++read;
  }
  if (read == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": a directory with no *.json files"));
  return absl::OkStatus();
}

absl::StatusOr<SourceReport> OsvCollection::AddTests(PolicyBuilder* builder) {
  SourceReport report = report_;
  report.source = absl::StrCat("OSV (", records_, records_ == 1 ? " record" : " records", " in ", documents_,
                               documents_ == 1 ? " file)" : " files)");
  for (const auto& [key, group] : groups_) {
    const EcosystemTarget& target = group.target;
    std::string gate = builder->AddReleaseGate(target.release);
    std::string object = target.source_packages ? builder->AddSourcePackageObject(key.package)
                                                : builder->AddBinaryPackageObject(key.package);
    std::string id_prefix = absl::StrCat("osv:", key.release_label, ":", key.package);
    std::string ecosystems = absl::StrJoin(group.ecosystems, ", ");
    std::string subject = target.source_packages ? absl::StrCat("packages built from ", key.package)
                                                 : absl::StrCat("package ", key.package);

    std::vector<std::string> ids(group.ids.begin(), group.ids.end());
    std::sort(ids.begin(), ids.end(), NaturalLess);
    std::vector<PolicyTag> tags;
    for (const std::string& id : ids) tags.push_back(VulnerabilityTag(id));
    tags.push_back({"package", key.package});
    for (const std::string& ecosystem : group.ecosystems) tags.push_back({"ecosystem", ecosystem});
    if (key.introduced != "0") tags.push_back({"introduced", key.introduced});
    if (key.bound_kind == 0) tags.push_back({"fixed-version", key.bound});
    if (key.bound_kind == 1) tags.push_back({"last-affected", key.bound});
    if (key.bound_kind == 2) tags.push_back({"fixed-version", "none"});
    tags.push_back({"origin", std::string(kOrigin)});

    PolicyTest test{.object = object, .if_tests = {gate}, .tags = std::move(tags)};
    std::string from = key.introduced == "0" ? "" : absl::StrCat(" from ", key.introduced);
    std::string introduced_id = absl::StrCat(id_prefix, ":introduced:", key.introduced);
    if (key.bound_kind == 2) {
      // No fix: installed (at or after `introduced`) is affected.
      test.id = key.introduced == "0" ? absl::StrCat(id_prefix, ":unfixed") : absl::StrCat(introduced_id, ":unfixed");
      test.name = absl::StrCat(key.package, from.empty() ? "" : absl::StrCat(" >= ", key.introduced), ": no fix yet (",
                               target.title, ")");
      test.description =
          absl::StrCat(ecosystems, ": ", subject, from, " are affected by ", JoinIds(ids), ", with no fix yet (OSV).");
      if (key.introduced != "0") test.evaluator = EvrCheck{EvrOperation::kGreaterOrEqual, key.introduced};
    } else {
      bool fixed = key.bound_kind == 0;
      std::string bound_id = absl::StrCat(OperatorText(key.bound_kind), ":", key.bound);
      test.id =
          key.introduced == "0" ? absl::StrCat(id_prefix, ":", bound_id) : absl::StrCat(introduced_id, ":", bound_id);
      std::string_view symbol = fixed ? "<" : "<=";
      test.name = absl::StrCat(key.package, from.empty() ? "" : absl::StrCat(" >= ", key.introduced, ","), " ", symbol,
                               " ", key.bound, " (", target.title, ")");
      test.description = absl::StrCat(ecosystems, ": ", subject, from, fixed ? " older than " : " up to ", key.bound,
                                      fixed ? "" : " (the last affected version; no fix named)", " are vulnerable to ",
                                      JoinIds(ids), " (OSV).");
      test.evaluator = EvrCheck{fixed ? EvrOperation::kLess : EvrOperation::kLessOrEqual, key.bound};
      if (key.introduced != "0") {
        if (!builder->HasTest(introduced_id)) {
          MIG_RETURN_IF_ERROR(
              builder->AddTest({.id = introduced_id,
                                .name = absl::StrCat(key.package, " >= ", key.introduced, " (", target.title, ")"),
                                .description = absl::StrCat(ecosystems, ": ", subject, " at ", key.introduced,
                                                            " or later, where a vulnerability was introduced (OSV)."),
                                .object = object,
                                .evaluator = EvrCheck{EvrOperation::kGreaterOrEqual, key.introduced},
                                .if_tests = {gate}}));
        }
        test.if_tests.push_back(introduced_id);
      }
    }
    if (group.summaries.size() == 1) {
      absl::StrAppend(&test.description, " ", group.summaries.begin()->first, ": ", group.summaries.begin()->second);
    }
    MIG_RETURN_IF_ERROR(builder->AddTest(std::move(test)));
    ++report.tests;
    report.packages.insert(key.package);
    for (const std::string& id : ids) {
      if (IsCve(id)) report.cves.insert(id);
    }
  }
  return report;
}

}  // namespace mig::modules::scribe::policy_sources
