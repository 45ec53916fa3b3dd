#include "modules/scribe/policy_sources/debian_tracker.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "modules/scribe/evr/evr.h"
#include "modules/scribe/policy_sources/page_buffer.h"
#include "modules/scribe/policy_sources/versions.h"
#include "simdjson.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr std::string_view kOrigin = "debian-security-tracker";
constexpr std::string_view kSkipNotAffected = "not affected (fixed_version 0)";
constexpr std::string_view kSkipUnfixed = "without a fix yet (open or undetermined; --include-unfixed lists them)";
constexpr std::string_view kSkipBadVersion = "with a fixed_version dpkg refuses";

// The tracker's urgencies, least to most urgent; "not yet assigned", "end-of-life" and anything unknown rank
// below all. A trailing "*" or "**" (urgency set from the NVD score) does not change the rank.
int UrgencyRank(std::string_view urgency) {
  if (urgency == "unimportant") return 1;
  if (urgency == "low") return 2;
  if (urgency == "medium") return 3;
  if (urgency == "high") return 4;
  return 0;
}

std::string_view CleanUrgency(std::string_view urgency) {
  while (!urgency.empty() && (urgency.back() == '*' || urgency.back() == ' ')) urgency.remove_suffix(1);
  return absl::StripAsciiWhitespace(urgency);
}

// The CVEs of one package fixed by one version (or not fixed yet), and their highest urgency.
struct Group {
  std::vector<std::string> ids;
  std::string urgency;
  int urgency_rank = -1;

  void Add(std::string_view id, std::string_view urgency_text) {
    ids.emplace_back(id);
    std::string_view clean = CleanUrgency(urgency_text);
    if (clean.empty()) return;
    int rank = UrgencyRank(clean);
    if (rank > urgency_rank || (rank == urgency_rank && clean < urgency)) {
      urgency_rank = rank;
      urgency = std::string(clean);
    }
  }
};

using VersionGroups = std::map<std::string, Group, DpkgVersionLess>;

struct ReleaseData {
  std::map<std::string, VersionGroups, std::less<>> fixed;  // package -> fixed version -> CVEs
  std::map<std::string, Group, std::less<>> unfixed;        // package -> CVEs without a fix
};

// map[key], looked up without making a string of the key first.
template <typename Map>
typename Map::mapped_type& Slot(Map& map, std::string_view key) {
  auto found = map.find(key);
  if (found == map.end()) found = map.emplace(std::string(key), typename Map::mapped_type()).first;
  return found->second;
}

namespace ondemand = simdjson::ondemand;

std::string_view TypeName(ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::array:
      return "array";
    case ondemand::json_type::object:
      return "object";
    case ondemand::json_type::number:
      return "number";
    case ondemand::json_type::string:
      return "string";
    case ondemand::json_type::boolean:
      return "boolean";
    case ondemand::json_type::null:
      return "null";
  }
  return "unknown";
}

// Where a value is: keys from the root, joined into a path ("openssl.CVE-1.releases.bookworm") only for an
// error message, so that reading allocates nothing for it.
class Where {
 public:
  Where Child(std::string_view key) const {
    Where child = *this;
    if (child.size_ < child.keys_.size()) child.keys_[child.size_++] = key;
    return child;
  }
  std::string Path() const {
    return size_ == 0 ? std::string("document") : absl::StrJoin(keys_.begin(), keys_.begin() + size_, ".");
  }

 private:
  std::array<std::string_view, 5> keys_;
  size_t size_ = 0;
};

// Reads the tracker's document with simdjson's On-Demand API: one pass over the text, nothing built for the
// descriptions and the releases that are not asked for (a DOM of the 100 MB file costs more in page faults
// than the parse itself).
class TrackerReader {
 public:
  TrackerReader(const DebianTrackerOptions& options, std::string_view name, SourceReport* report)
      : options_(options), name_(name), report_(report) {
    for (const std::string& release : options.releases) {
      if (releases_.emplace(release, ReleaseData()).second) release_order_.push_back(release);
    }
  }

  absl::Status Read(ondemand::document& document) {
    const Where root;
    ondemand::json_type type;
    if (auto error = document.type().get(type)) return Syntax(error, root);
    if (type != ondemand::json_type::object) return WrongType(root, "an object", type);
    ondemand::object packages;
    if (auto error = document.get_object().get(packages)) return Syntax(error, root);
    for (auto package_member : packages) {
      ondemand::field package_field;
      std::string_view package;  // in the parser's buffer, valid as long as the document
      if (auto error = std::move(package_member).get(package_field)) return Syntax(error, root);
      if (auto error = package_field.unescaped_key().get(package)) return Syntax(error, root);
      const Where package_where = root.Child(package);
      ondemand::object cves;
      MIG_RETURN_IF_ERROR(GetObject(package_field.value(), package_where, &cves));
      for (auto cve_member : cves) {
        ondemand::field cve_field;
        std::string_view id;
        if (auto error = std::move(cve_member).get(cve_field)) return Syntax(error, package_where);
        if (auto error = cve_field.unescaped_key().get(id)) return Syntax(error, package_where);
        const Where cve_where = package_where.Child(id);
        ondemand::object cve;
        MIG_RETURN_IF_ERROR(GetObject(cve_field.value(), cve_where, &cve));
        MIG_RETURN_IF_ERROR(ReadCve(cve, package, id, cve_where));
      }
    }
    return absl::OkStatus();
  }

  // Adds the tests, releases in the order asked, packages by name, versions oldest first.
  absl::Status Emit(PolicyBuilder* builder) {
    for (const std::string& release_name : release_order_) {
      const ReleaseData& data = releases_.at(release_name);
      if (data.fixed.empty() && data.unfixed.empty()) continue;
      std::string gate = builder->AddReleaseGate({"debian", ReleaseMatch::kCodename, release_name});
      std::map<std::string_view, int> order;  // packages of both maps, by name
      for (const auto& [package, groups] : data.fixed) order[package] |= 1;
      for (const auto& [package, group] : data.unfixed) order[package] |= 2;
      for (const auto& [package, which] : order) {
        std::string object = builder->AddSourcePackageObject(package);
        if (which & 1) {
          for (const auto& [version, group] : data.fixed.find(package)->second) {
            MIG_RETURN_IF_ERROR(builder->AddTest(FixedTest(release_name, package, version, group, object, gate)));
            Count(package, group);
          }
        }
        if (which & 2) {
          const Group& group = data.unfixed.find(package)->second;
          MIG_RETURN_IF_ERROR(builder->AddTest(UnfixedTest(release_name, package, group, object, gate)));
          Count(package, group);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status ReadCve(ondemand::object& cve, std::string_view package, std::string_view id, const Where& where) {
    for (auto member : cve) {
      ondemand::field field;
      std::string_view key;
      if (auto error = std::move(member).get(field)) return Syntax(error, where);
      if (auto error = field.unescaped_key().get(key)) return Syntax(error, where);
      if (key != "releases") continue;
      const Where releases_where = where.Child("releases");
      ondemand::object releases;
      bool present = false;
      MIG_RETURN_IF_ERROR(GetObject(field.value(), releases_where, &releases, &present));
      if (!present) continue;
      for (auto release_member : releases) {
        ondemand::field release_field;
        std::string_view release;
        if (auto error = std::move(release_member).get(release_field)) return Syntax(error, releases_where);
        if (auto error = release_field.unescaped_key().get(release)) return Syntax(error, releases_where);
        auto wanted = releases_.find(release);
        if (wanted == releases_.end()) continue;
        MIG_RETURN_IF_ERROR(
            ReadEntry(package, id, release_field.value(), releases_where.Child(release), wanted->second));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ReadEntry(std::string_view package, std::string_view id, ondemand::value& value, const Where& where,
                         ReleaseData& data) {
    ondemand::object entry;
    MIG_RETURN_IF_ERROR(GetObject(value, where, &entry));
    std::string_view status, fixed_version, urgency;
    for (auto member : entry) {
      ondemand::field field;
      std::string_view key;
      if (auto error = std::move(member).get(field)) return Syntax(error, where);
      if (auto error = field.unescaped_key().get(key)) return Syntax(error, where);
      std::string_view* target = key == "status"          ? &status
                                 : key == "fixed_version" ? &fixed_version
                                 : key == "urgency"       ? &urgency
                                                          : nullptr;
      if (target != nullptr) MIG_RETURN_IF_ERROR(GetString(field.value(), where.Child(key), target));
    }
    if (status == "resolved") {
      if (fixed_version == "0") {
        report_->Skip(std::string(kSkipNotAffected));
        return absl::OkStatus();
      }
      if (fixed_version.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name_, ": ", where.Path(), ": status \"resolved\" without a fixed_version"));
      }
      absl::Status valid = CheckSourceVersion(fixed_version, VersionScheme::kDpkg);
      if (!valid.ok()) {
        report_->Skip(std::string(kSkipBadVersion));
        report_->warnings.push_back(
            absl::StrCat(name_, ": ", where.Child("fixed_version").Path(), ": ", valid.message(), "; left out"));
        return absl::OkStatus();
      }
      Slot(Slot(data.fixed, package), fixed_version).Add(id, urgency);
      return absl::OkStatus();
    }
    if (status == "open" || status == "undetermined") {
      if (!options_.include_unfixed) {
        report_->Skip(std::string(kSkipUnfixed));
        return absl::OkStatus();
      }
      Slot(data.unfixed, package).Add(id, urgency);
      return absl::OkStatus();
    }
    report_->Skip(status.empty() ? std::string("without a status") : absl::StrCat("with status \"", status, "\""));
    return absl::OkStatus();
  }

  static std::vector<PolicyTag> Tags(const Group& group, std::string_view package, std::string_view release,
                                     std::vector<std::string>* sorted_ids) {
    *sorted_ids = group.ids;
    std::sort(sorted_ids->begin(), sorted_ids->end(), NaturalLess);
    std::vector<PolicyTag> tags;
    tags.reserve(sorted_ids->size() + 5);
    for (const std::string& id : *sorted_ids) tags.push_back(VulnerabilityTag(id));
    if (!group.urgency.empty()) tags.push_back({"urgency", group.urgency});
    tags.push_back({"package", std::string(package)});
    tags.push_back({"release", std::string(release)});
    return tags;
  }

  static std::string UrgencyNote(const Group& group) {
    return group.urgency.empty() ? "" : absl::StrCat(", urgency ", group.urgency);
  }

  static PolicyTest FixedTest(std::string_view release, std::string_view package, std::string_view version,
                              const Group& group, const std::string& object, const std::string& gate) {
    std::vector<std::string> ids;
    std::vector<PolicyTag> tags = Tags(group, package, release, &ids);
    tags.push_back({"fixed-version", std::string(version)});
    tags.push_back({"origin", std::string(kOrigin)});
    return {.id = absl::StrCat("debian-tracker:", release, ":", package, ":", version),
            .name = absl::StrCat(package, " < ", version, " (Debian ", release, ")"),
            .description = absl::StrCat("Debian ", release, ": packages built from ", package, " older than ", version,
                                        " are vulnerable to ", JoinIds(ids), " (Debian security tracker",
                                        UrgencyNote(group), ")."),
            .object = object,
            .evaluator = EvrCheck{EvrOperation::kLess, std::string(version)},
            .if_tests = {gate},
            .tags = std::move(tags)};
  }

  static PolicyTest UnfixedTest(std::string_view release, std::string_view package, const Group& group,
                                const std::string& object, const std::string& gate) {
    std::vector<std::string> ids;
    std::vector<PolicyTag> tags = Tags(group, package, release, &ids);
    tags.push_back({"fixed-version", "none"});
    tags.push_back({"origin", std::string(kOrigin)});
    return {.id = absl::StrCat("debian-tracker:", release, ":", package),
            .name = absl::StrCat(package, ": no fix yet (Debian ", release, ")"),
            .description =
                absl::StrCat("Debian ", release, ": packages built from ", package, " are affected by ", JoinIds(ids),
                             ", with no fixed version in ", release,
                             " yet (open or undetermined in the Debian security tracker", UrgencyNote(group), ")."),
            .object = object,
            .if_tests = {gate},
            .tags = std::move(tags)};
  }

  void Count(std::string_view package, const Group& group) {
    ++report_->tests;
    report_->packages.emplace(package);
    for (const std::string& id : group.ids) {
      if (IsCve(id)) report_->cves.insert(id);
    }
  }

  absl::Status Syntax(simdjson::error_code error, const Where& where) const {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, " is not valid JSON: ", simdjson::error_message(error), " (in ", where.Path(), ")"));
  }

  absl::Status WrongType(const Where& where, std::string_view expected, ondemand::json_type type) const {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": ", where.Path(), ": expected ", expected, ", got ", TypeName(type)));
  }

  // The value as an object. With `present`, null is accepted as absent.
  absl::Status GetObject(ondemand::value& value, const Where& where, ondemand::object* object,
                         bool* present = nullptr) const {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return Syntax(error, where);
    if (present != nullptr) {
      *present = type != ondemand::json_type::null;
      if (!*present) return absl::OkStatus();
    }
    if (type != ondemand::json_type::object) return WrongType(where, "an object", type);
    if (auto error = value.get_object().get(*object)) return Syntax(error, where);
    return absl::OkStatus();
  }

  // A string, or null read as "".
  absl::Status GetString(ondemand::value& value, const Where& where, std::string_view* text) const {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return Syntax(error, where);
    if (type == ondemand::json_type::null) {
      *text = std::string_view();
      return absl::OkStatus();
    }
    if (type != ondemand::json_type::string) return WrongType(where, "a string", type);
    if (auto error = value.get_string().get(*text)) return Syntax(error, where);
    return absl::OkStatus();
  }

  const DebianTrackerOptions& options_;
  std::string_view name_;
  SourceReport* report_;
  std::map<std::string, ReleaseData, std::less<>> releases_;
  std::vector<std::string> release_order_;  // as asked, each once
};

// The document must be followed by simdjson's padding, as PageBuffer keeps it.
absl::StatusOr<SourceReport> AddTrackerText(const PageBuffer& text, std::string_view name,
                                            const DebianTrackerOptions& options, PolicyBuilder* builder) {
  if (options.releases.empty()) return absl::InvalidArgumentError("no Debian release to make tests for");
  if (absl::StripAsciiWhitespace(text.view()).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is empty, not a JSON document"));
  }
  SourceReport report;
  report.source = absl::StrCat("Debian security tracker (", name, "), ", absl::StrJoin(options.releases, ", "));
  ondemand::parser parser(kMaxTrackerBytes);
  ondemand::document document;
  simdjson::padded_string_view padded(text.data(), text.size(), text.size() + PageBuffer::kPadding);
  if (auto error = parser.iterate(padded).get(document)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is not valid JSON: ", simdjson::error_message(error)));
  }
  TrackerReader reader(options, name, &report);
  MIG_RETURN_IF_ERROR(reader.Read(document));
  MIG_RETURN_IF_ERROR(reader.Emit(builder));
  return report;
}

}  // namespace

absl::StatusOr<SourceReport> AddDebianTrackerTests(std::string_view json, std::string_view name,
                                                   const DebianTrackerOptions& options, PolicyBuilder* builder) {
  if (json.size() > kMaxTrackerBytes) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is larger than ", kMaxTrackerBytes, " bytes"));
  }
  PageBuffer text;
  if (!text.Reserve(json.size()))
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate memory for ", name));
  if (!json.empty()) std::memcpy(text.data(), json.data(), json.size());
  text.Resize(json.size());
  return AddTrackerText(text, name, options, builder);
}

absl::StatusOr<SourceReport> AddDebianTrackerFile(const std::string& path, const DebianTrackerOptions& options,
                                                  PolicyBuilder* builder) {
  MIG_ASSIGN_OR_RETURN(PageBuffer text, ReadFileToBuffer(path, kMaxTrackerBytes));
  return AddTrackerText(text, path, options, builder);
}

}  // namespace mig::modules::scribe::policy_sources
