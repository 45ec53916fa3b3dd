#include "modules/scribe/policy_sources/apt_lists.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "modules/pkg/dpkg_database.h"
#include "modules/scribe/evr/evr.h"
#include "modules/scribe/policy_sources/compressed_file.h"
#include "modules/scribe/policy_sources/debian_changelog.h"
#include "modules/scribe/policy_sources/versions.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr std::string_view kOrigin = "apt-lists";
constexpr std::string_view kSystemDocDir = "/usr/share/doc/";
// A main suite's Packages list is about 100 MB uncompressed.
constexpr size_t kMaxListBytes = size_t{2} << 30;
constexpr size_t kMaxChangelogBytes = 64 << 20;
constexpr size_t kMaxWarnings = 20;

struct SecurityPackage {
  std::string version;         // the binary's
  std::string source;          // its source package
  std::string source_version;  // the source's version (what the changelog speaks of)
};

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A package's documentation directory, following symlinked doc dirs ("libssl-dev -> libssl3"). An absolute
// link into /usr/share/doc stays inside `doc_dir`, so that a copied doc tree reads as the host's would.
std::optional<std::string> DocDirectory(const std::string& doc_dir, std::string_view package) {
  std::string path = absl::StrCat(doc_dir, "/", package);
  for (int hops = 0; hops < 16; ++hops) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return std::nullopt;
    if (!S_ISLNK(st.st_mode)) return S_ISDIR(st.st_mode) ? std::optional<std::string>(path) : std::nullopt;
    char target[4096];
    ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
    if (n <= 0) return std::nullopt;
    std::string link(target, static_cast<size_t>(n));
    if (link.front() != '/') {
      path = absl::StrCat(Dirname(path), "/", link);
    } else if (absl::StartsWith(link, kSystemDocDir)) {
      path = absl::StrCat(doc_dir, "/", link.substr(kSystemDocDir.size()));
    } else {
      path = link;
    }
  }
  return std::nullopt;
}

struct Changelog {
  std::string path;
  std::vector<ChangelogEntry> entries;
};

// Changelogs by file, read once: many binaries of a source share one.
class ChangelogCache {
 public:
  explicit ChangelogCache(std::string doc_dir, SourceReport* report) : doc_dir_(std::move(doc_dir)), report_(report) {}

  // The changelog of `package` (or else of its `source`); null when this host has none. A native package
  // (version without a revision) keeps its Debian changelog as changelog.gz.
  const Changelog* Find(std::string_view package, std::string_view source, bool native) {
    std::vector<std::string_view> names = {"changelog.Debian.gz", "changelog.Debian"};
    if (native) names.insert(names.end(), {"changelog.gz", "changelog"});
    for (std::string_view owner : {package, source}) {
      std::optional<std::string> dir = DocDirectory(doc_dir_, owner);
      if (!dir) continue;
      for (std::string_view name : names) {
        std::string path = absl::StrCat(*dir, "/", name);
        if (IsRegularFile(path)) return Load(path);
      }
    }
    return nullptr;
  }

 private:
  const Changelog* Load(const std::string& path) {
    auto found = cache_.find(path);
    if (found != cache_.end()) return found->second.get();
    std::unique_ptr<Changelog>& slot = cache_[path];
    absl::StatusOr<PageBuffer> text = ReadMaybeCompressedFile(path, kMaxChangelogBytes);
    if (!text.ok()) {
      if (report_->warnings.size() < kMaxWarnings) report_->warnings.emplace_back(text.status().message());
      return nullptr;
    }
    slot = std::make_unique<Changelog>(Changelog{path, ParseDebianChangelog(text->view())});
    return slot.get();
  }

  std::string doc_dir_;
  SourceReport* report_;
  std::map<std::string, std::unique_ptr<Changelog>> cache_;
};

struct ListFiles {
  std::vector<std::string> security;
  std::vector<std::string> main;
};

absl::StatusOr<ListFiles> FindLists(const std::string& lists_dir, std::string_view release) {
  DIR* dir = opendir(lists_dir.c_str());
  if (dir == nullptr) return absl::NotFoundError(absl::StrCat("cannot read ", lists_dir, ": ", strerror(errno)));
  ListFiles files;
  std::string security_suite = absl::StrCat(release, "-security");
  while (struct dirent* entry = readdir(dir)) {
    std::optional<AptListName> list = ParseAptListName(entry->d_name);
    if (!list) continue;
    std::string path = absl::StrCat(lists_dir, "/", entry->d_name);
    if (list->suite == security_suite) files.security.push_back(std::move(path));
    if (list->suite == release) files.main.push_back(std::move(path));
  }
  closedir(dir);
  std::sort(files.security.begin(), files.security.end());
  std::sort(files.main.begin(), files.main.end());
  return files;
}

// Calls `on_stanza` for each stanza of each list.
template <typename F>
absl::Status ReadLists(const std::vector<std::string>& paths, SourceReport* report, F on_stanza) {
  for (const std::string& path : paths) {
    MIG_ASSIGN_OR_RETURN(PageBuffer text, ReadMaybeCompressedFile(path, kMaxListBytes));
    std::vector<std::string> errors;
    for (pkg::DpkgStanza& stanza : pkg::ParseDpkgStatus(text.view(), path, &errors)) on_stanza(stanza);
    for (std::string& error : errors) {
      if (report->warnings.size() < kMaxWarnings) report->warnings.push_back(std::move(error));
    }
  }
  return absl::OkStatus();
}

// What the changelog says the update fixes, for the description, and its CVEs.
struct Fixes {
  std::vector<std::string> cves;
  std::string note;
};

Fixes NameFixes(const Changelog* changelog, std::string_view binary, const SecurityPackage& update,
                const std::string* main_version) {
  Fixes fixes;
  if (changelog == nullptr) {
    fixes.note = absl::StrCat(
        "There is no changelog of ", binary,
        " here (not installed, or installed without its documentation), so what the update fixes is not named.");
    return fixes;
  }
  if (changelog->entries.empty()) {
    fixes.note = absl::StrCat(changelog->path, " has no entries, so what the update fixes is not named.");
    return fixes;
  }
  const std::string& newest = changelog->entries.front().version;
  bool complete = CompareDpkgVersions(newest, update.source_version) >= 0;
  for (const ChangelogEntry& entry : changelog->entries) {
    if (CompareDpkgVersions(entry.version, update.source_version) > 0) continue;
    if (main_version == nullptr) {
      // Not in the main suite at all: only the security version's own entry is the update's.
      if (CompareDpkgVersions(entry.version, update.source_version) != 0) break;
    } else if (CompareDpkgVersions(entry.version, *main_version) <= 0) {
      break;
    }
    for (const std::string& cve : entry.cves) {
      if (std::find(fixes.cves.begin(), fixes.cves.end(), cve) == fixes.cves.end()) fixes.cves.push_back(cve);
    }
  }
  std::sort(fixes.cves.begin(), fixes.cves.end(), NaturalLess);
  if (complete) {
    fixes.note = fixes.cves.empty() ? std::string("The changelog names no CVE for it.")
                                    : absl::StrCat("It fixes ", JoinIds(fixes.cves), " (from the changelog).");
  } else {
    fixes.note = absl::StrCat("The changelog here ends at ", newest,
                              " (this host is out of date itself), so what the update fixes is not all named");
    absl::StrAppend(
        &fixes.note,
        fixes.cves.empty() ? "." : absl::StrCat("; the entries up to ", newest, " name ", JoinIds(fixes.cves), "."));
  }
  return fixes;
}

absl::Status AddRelease(const AptListsOptions& options, std::string_view release, ChangelogCache& changelogs,
                        PolicyBuilder* builder, SourceReport* report) {
  MIG_ASSIGN_OR_RETURN(ListFiles lists, FindLists(options.lists_dir, release));
  if (lists.security.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.lists_dir, " has no Packages list of ", release,
                     "-security (is the security suite in apt's sources, and has `apt update` run?)"));
  }
  std::map<std::string, SecurityPackage> updates;
  const std::string suite = absl::StrCat(release, "-security");
  MIG_RETURN_IF_ERROR(ReadLists(lists.security, report, [&](pkg::DpkgStanza& stanza) {
    if (stanza.version.empty()) return;
    if (absl::Status valid = CheckSourceVersion(stanza.version, VersionScheme::kDpkg); !valid.ok()) {
      if (report->warnings.size() < kMaxWarnings) {
        report->warnings.push_back(
            absl::StrCat(suite, ": package ", stanza.package, ": ", valid.message(), "; left out"));
      }
      return;
    }
    auto [it, inserted] = updates.try_emplace(stanza.package);
    if (!inserted && CompareDpkgVersions(stanza.version, it->second.version) <= 0) return;
    it->second.source = stanza.source_name.empty() ? stanza.package : stanza.source_name;
    it->second.source_version = stanza.source_version.empty() ? stanza.version : stanza.source_version;
    it->second.version = std::move(stanza.version);
  }));
  // The main suite's version of each source package the updates come from.
  std::set<std::string, std::less<>> wanted;
  for (const auto& [binary, update] : updates) wanted.insert(update.source);
  std::map<std::string, std::string, std::less<>> main_versions;
  MIG_RETURN_IF_ERROR(ReadLists(lists.main, report, [&](pkg::DpkgStanza& stanza) {
    const std::string& source = stanza.source_name.empty() ? stanza.package : stanza.source_name;
    if (!wanted.contains(source)) return;
    std::string& version = stanza.source_version.empty() ? stanza.version : stanza.source_version;
    auto [it, inserted] = main_versions.try_emplace(source, version);
    if (!inserted && CompareDpkgVersions(version, it->second) > 0) it->second = version;
  }));

  std::string gate = builder->AddReleaseGate({options.os_id, ReleaseMatch::kCodename, std::string(release)});
  for (const auto& [binary, update] : updates) {
    auto main = main_versions.find(update.source);
    const std::string* main_version = main == main_versions.end() ? nullptr : &main->second;
    bool native = update.source_version.find('-') == std::string::npos;
    Fixes fixes = NameFixes(changelogs.Find(binary, update.source, native), binary, update, main_version);

    std::string source_note = update.source == binary && update.source_version == update.version
                                  ? std::string()
                                  : absl::StrCat(" (source ", update.source, " ", update.source_version, ")");
    std::string main_note = main_version == nullptr
                                ? absl::StrCat("; ", update.source, " is not in the main suite")
                                : absl::StrCat("; the main suite has ", update.source, " ", *main_version);
    std::vector<PolicyTag> tags;
    for (const std::string& cve : fixes.cves) tags.push_back(VulnerabilityTag(cve));
    tags.push_back({"package", binary});
    tags.push_back({"source-package", update.source});
    tags.push_back({"fixed-version", update.version});
    tags.push_back({"release", suite});
    tags.push_back({"origin", std::string(kOrigin)});
    MIG_RETURN_IF_ERROR(builder->AddTest({.id = absl::StrCat("apt:", suite, ":", binary),
                                          .name = absl::StrCat(binary, " < ", update.version, " (", suite, ")"),
                                          .description = absl::StrCat(suite, " has ", binary, " ", update.version,
                                                                      source_note, main_note, ". ", fixes.note),
                                          .object = builder->AddBinaryPackageObject(binary),
                                          .evaluator = EvrCheck{EvrOperation::kLess, update.version},
                                          .if_tests = {gate},
                                          .tags = std::move(tags)}));
    ++report->tests;
    report->packages.insert(binary);
    report->cves.insert(fixes.cves.begin(), fixes.cves.end());
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<AptListName> ParseAptListName(std::string_view file_name) {
  std::string_view name = WithoutCompressionSuffix(file_name);
  constexpr std::string_view kSuffix = "_Packages";
  if (!absl::EndsWith(name, kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  size_t dists = name.rfind("_dists_");
  if (dists == std::string_view::npos) return std::nullopt;
  name.remove_prefix(dists + 7);
  // <suite>_<component>_binary-<arch>, with any "/" of the suite written as "_" ("buster/updates").
  size_t arch_at = name.rfind('_');
  if (arch_at == std::string_view::npos || !absl::StartsWith(name.substr(arch_at + 1), "binary-")) return std::nullopt;
  std::string_view architecture = name.substr(arch_at + 1 + 7);
  name = name.substr(0, arch_at);
  size_t component_at = name.rfind('_');
  if (component_at == std::string_view::npos || component_at == 0) return std::nullopt;
  return AptListName{absl::StrReplaceAll(name.substr(0, component_at), {{"_", "/"}}),
                     std::string(name.substr(component_at + 1)), std::string(architecture)};
}

absl::StatusOr<SourceReport> AddAptListsTests(const AptListsOptions& options, PolicyBuilder* builder) {
  if (options.releases.empty()) return absl::InvalidArgumentError("no release to read apt lists for");
  SourceReport report;
  report.source = absl::StrCat("apt lists (", options.lists_dir, "), ",
                               absl::StrJoin(options.releases, ", ", [](std::string* out, const std::string& r) {
                                 absl::StrAppend(out, r, "-security");
                               }));
  ChangelogCache changelogs(options.doc_dir, &report);
  std::set<std::string> done;
  for (const std::string& release : options.releases) {
    if (!done.insert(release).second) continue;
    MIG_RETURN_IF_ERROR(AddRelease(options, release, changelogs, builder, &report));
  }
  return report;
}

}  // namespace mig::modules::scribe::policy_sources
