#include "modules/pkg/dpkg_database.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/files.h"

namespace mig::modules::pkg {
namespace {

// Debian's status file is a few MiB even on large hosts; this bounds a damaged or hostile one.
constexpr size_t kMaxDatabaseFileBytes = 512 << 20;

// dpkg prints versions without a zero epoch ("0:1.2-3" reads back as "1.2-3").
std::string NormalizeVersion(std::string_view version) {
  size_t colon = version.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    std::string_view epoch = version.substr(0, colon);
    if (std::all_of(epoch.begin(), epoch.end(), [](char c) { return c == '0'; })) version.remove_prefix(colon + 1);
  }
  return std::string(version);
}

// One allocation of the file's size (the status file is read on every run, and growing a buffer from
// small reads costs more in page faults and copies than the parsing itself).
absl::StatusOr<std::string> ReadDatabaseFile(const std::string& path) {
  absl::StatusOr<UniqueFd> opened = OpenRegularFile(path);
  if (absl::IsNotFound(opened.status())) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
  if (!opened.ok()) return absl::UnavailableError(opened.status().message());
  int fd = opened->release();  // closed below on every path
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot stat ", path, ": ", strerror(errno)));
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxDatabaseFileBytes) {
    close(fd);
    return absl::UnavailableError(absl::StrCat(path, " is larger than ", kMaxDatabaseFileBytes, " bytes"));
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t filled = 0;
  while (filled < text.size()) {
    ssize_t n = read(fd, text.data() + filled, text.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(error)));
    }
    if (n == 0) break;  // truncated since fstat: what was read is the file
    filled += static_cast<size_t>(n);
  }
  close(fd);
  text.resize(filled);
  return text;
}

bool IsBlank(std::string_view line) { return absl::StripAsciiWhitespace(line).empty(); }

// The words dpkg allows in a Status field ("want flag state", lib/dpkg's wantinfos, eflaginfos and
// statusinfos). dpkg refuses any other word, so a state read from the file is always one of these, in this
// spelling, never the file's own text.
constexpr std::string_view kWants[] = {"unknown", "install", "hold", "deinstall", "purge"};
constexpr std::string_view kErrorFlags[] = {"ok", "reinstreq"};
constexpr std::string_view kStates[] = {"not-installed",   "config-files",     "half-installed",   "unpacked",
                                        "half-configured", "triggers-awaited", "triggers-pending", "installed"};

// The word of `allowed` that `word` is, compared as dpkg compares them (ignoring case); empty for none.
template <size_t N>
std::string_view AllowedWord(std::string_view word, const std::string_view (&allowed)[N]) {
  for (std::string_view candidate : allowed) {
    if (absl::EqualsIgnoreCase(word, candidate)) return candidate;
  }
  return {};
}

struct StanzaBuilder {
  DpkgStanza stanza;
  bool has_package = false;
  bool has_status = false;
  std::string status_field;
  size_t first_line = 0;
};

void FinishStanza(StanzaBuilder& builder, std::string_view source, std::vector<DpkgStanza>* out,
                  std::vector<std::string>* errors) {
  auto error = [&](std::string_view message) {
    errors->push_back(absl::StrCat(source, ":", builder.first_line, ": ", message));
  };
  if (!builder.has_package || builder.stanza.package.empty()) {
    error("stanza without a Package field, skipped");
    return;
  }
  if (builder.has_status) {
    // Words are separated by blanks, spaces or tabs, as dpkg reads them.
    std::vector<std::string_view> words =
        absl::StrSplit(builder.status_field, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() != 3) {
      error(absl::StrCat("package '", builder.stanza.package, "': Status '", absl::CHexEscape(builder.status_field),
                         "' is not 'want flag state', skipped"));
      return;
    }
    std::string_view state = AllowedWord(words[2], kStates);
    if (AllowedWord(words[0], kWants).empty() || AllowedWord(words[1], kErrorFlags).empty() || state.empty()) {
      error(absl::StrCat("package '", builder.stanza.package, "': Status '", absl::CHexEscape(builder.status_field),
                         "' has a word dpkg does not allow, skipped"));
      return;
    }
    builder.stanza.status = std::string(state);
  } else {
    // dpkg reads a stanza without Status as a package that is not installed.
    builder.stanza.status = "not-installed";
  }
  out->push_back(std::move(builder.stanza));
}

}  // namespace

std::vector<DpkgStanza> ParseDpkgStatus(std::string_view text, std::string_view source,
                                        std::vector<std::string>* errors) {
  std::vector<DpkgStanza> stanzas;
  StanzaBuilder builder;
  bool in_stanza = false;
  size_t line_number = 0;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (IsBlank(line)) {
      if (in_stanza) FinishStanza(builder, source, &stanzas, errors);
      builder = StanzaBuilder();
      in_stanza = false;
      continue;
    }
    if (!in_stanza) {
      in_stanza = true;
      builder.first_line = line_number;
    }
    // Continuation lines belong to multi-line fields (Description, Conffiles), none of which is needed.
    if (line[0] == ' ' || line[0] == '\t') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      errors->push_back(absl::StrCat(source, ":", line_number, ": not a 'Field: value' line"));
      continue;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    // Field names are case-insensitive in dpkg.
    if (absl::EqualsIgnoreCase(name, "Package")) {
      builder.stanza.package = std::string(value);
      builder.has_package = true;
    } else if (absl::EqualsIgnoreCase(name, "Version")) {
      builder.stanza.version = NormalizeVersion(value);
    } else if (absl::EqualsIgnoreCase(name, "Architecture")) {
      builder.stanza.architecture = std::string(value);
    } else if (absl::EqualsIgnoreCase(name, "Source")) {
      // "openssl" or "openssl (3.0.11-1~deb12u2)" when the binary's version differs from its source's.
      std::vector<std::string_view> words = absl::StrSplit(value, ' ', absl::SkipEmpty());
      if (!words.empty()) builder.stanza.source_name = std::string(words[0]);
      if (words.size() >= 2 && words[1].size() > 2 && words[1].front() == '(' && words[1].back() == ')') {
        builder.stanza.source_version = NormalizeVersion(words[1].substr(1, words[1].size() - 2));
      }
    } else if (absl::EqualsIgnoreCase(name, "Status")) {
      builder.status_field = std::string(value);
      builder.has_status = true;
    }
  }
  if (in_stanza) FinishStanza(builder, source, &stanzas, errors);
  return stanzas;
}

void DpkgDatabase::Apply(std::string_view text, std::string_view source, std::vector<std::string>* errors) {
  for (DpkgStanza& stanza : ParseDpkgStatus(text, source, errors)) {
    auto key = std::make_pair(stanza.package, stanza.architecture);
    stanzas_[std::move(key)] = std::move(stanza);
  }
}

std::vector<InstalledPackage> DpkgDatabase::Packages() && {
  std::vector<InstalledPackage> packages;
  packages.reserve(stanzas_.size());
  for (auto& [key, stanza] : stanzas_) {
    if (stanza.status == "not-installed") continue;
    std::string package_name = stanza.package;
    std::string version = stanza.version;
    packages.push_back({.name = std::move(stanza.package),
                        .version = std::move(stanza.version),
                        .type = "dpkg",
                        .arch = std::move(stanza.architecture),
                        .status = std::move(stanza.status),
                        .source_name = stanza.source_name.empty() ? package_name : std::move(stanza.source_name),
                        .source_version = stanza.source_version.empty() ? version : std::move(stanza.source_version)});
  }
  stanzas_.clear();
  return packages;
}

absl::StatusOr<std::vector<InstalledPackage>> ReadDpkgDatabase(const std::string& admin_dir,
                                                               std::vector<std::string>* errors) {
  std::string status_path = absl::StrCat(admin_dir, "/status");
  // NotFound only when absent: present but unreadable is a failure to report, never "not a dpkg system".
  absl::StatusOr<std::string> status_text = ReadDatabaseFile(status_path);
  if (!status_text.ok()) return status_text.status();

  DpkgDatabase database;
  database.Apply(*status_text, status_path, errors);

  std::string updates_dir = absl::StrCat(admin_dir, "/updates");
  if (DIR* dir = opendir(updates_dir.c_str())) {
    std::vector<std::pair<uint64_t, std::string>> journal;
    while (struct dirent* entry = readdir(dir)) {
      std::string_view name = entry->d_name;
      uint64_t number = 0;
      // Only all-digit names are journal entries; "tmp.i" is a write in progress, which dpkg ignores too.
      if (name.empty() || !std::all_of(name.begin(), name.end(), absl::ascii_isdigit) ||
          !absl::SimpleAtoi(name, &number)) {
        continue;
      }
      journal.emplace_back(number, std::string(name));
    }
    closedir(dir);
    std::sort(journal.begin(), journal.end());
    for (const auto& [number, name] : journal) {
      std::string path = absl::StrCat(updates_dir, "/", name);
      absl::StatusOr<std::string> text = ReadDatabaseFile(path);
      if (!text.ok()) {
        errors->push_back(std::string(text.status().message()));
        continue;
      }
      database.Apply(*text, path, errors);
    }
  } else if (errno != ENOENT) {
    errors->push_back(absl::StrCat(updates_dir, ": ", strerror(errno)));
  }
  return std::move(database).Packages();
}

}  // namespace mig::modules::pkg
