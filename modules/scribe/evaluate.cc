#include "modules/scribe/evaluate.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "base/files.h"

namespace mig::modules::scribe {
namespace {

// scribe looks at most this deep under an object's path: the path itself is level 1.
constexpr int kMaxDepth = 10;
// Longer lines are matched in pieces of this size, as scribe's line reader split them.
constexpr size_t kMaxLineBytes = 1 << 20;

// One value an object collected, for the tests to evaluate.
struct Criterion {
  std::string identifier;
  std::string value;
  std::optional<VersionScheme> scheme;  // package versions compare by their package's type
  bool reportable = false;              // the value may travel in results (package versions, raw values)
  std::string label;                    // how messages name it: "libssl3", "libssl3 (source openssl)"
};

struct Prepared {
  bool done = false;
  std::string error;  // the object could not collect its values: its tests are errors
  std::vector<Criterion> criteria;
};

bool IsPresent(const pkg::InstalledPackage& package) {
  // Files of a package that is half-configured, unpacked... are on disk; a removed one's are not.
  return package.status != "config-files" && package.status != "not-installed";
}

std::string QualifiedName(const pkg::InstalledPackage& package) {
  return package.arch.empty() ? package.name : absl::StrCat(package.name, ":", package.arch);
}

// Regular files (or symlinks to them) under `root` whose base name matches, in a stable order.
class FileLocator {
 public:
  explicit FileLocator(const RunContext& context) : context_(context) {}

  const std::vector<std::string>& Locate(const std::string& root, const RE2& name) {
    std::string key = absl::StrCat(root, "\n", name.pattern());
    auto found = cache_.find(key);
    if (found != cache_.end()) return found->second;
    std::vector<std::string>& out = cache_[key];
    struct stat st;
    if (stat(root.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      // Our extension: a path that is a file is a candidate itself (scribe's walk found nothing there).
      std::string_view base = root;
      size_t slash = base.rfind('/');
      if (slash != std::string_view::npos) base.remove_prefix(slash + 1);
      if (RE2::PartialMatch(base, name)) out.push_back(root);
      return out;
    }
    Walk(root, name, 1, out);
    return out;
  }

 private:
  void Walk(const std::string& directory, const RE2& name, int depth, std::vector<std::string>& out) {
    if (context_.ShouldStop()) return;
    DIR* dir = opendir(directory.c_str());
    if (dir == nullptr) return;  // as scribe: an unreadable directory is skipped
    std::vector<std::pair<std::string, unsigned char>> entries;
    while (struct dirent* entry = readdir(dir)) {
      std::string_view entry_name = entry->d_name;
      if (entry_name == "." || entry_name == "..") continue;
      entries.emplace_back(entry->d_name, entry->d_type);
    }
    closedir(dir);
    std::sort(entries.begin(), entries.end());
    std::string prefix = directory.back() == '/' ? directory : absl::StrCat(directory, "/");
    for (auto& [entry_name, type] : entries) {
      std::string path = absl::StrCat(prefix, entry_name);
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (lstat(path.c_str(), &st) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        if (depth + 1 <= kMaxDepth) Walk(path, name, depth + 1, out);
        continue;
      }
      bool regular = type == DT_REG;
      if (type == DT_LNK) {
        struct stat st;
        regular = stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
      }
      if (regular && RE2::PartialMatch(entry_name, name)) out.push_back(std::move(path));
    }
  }

  const RunContext& context_;
  absl::flat_hash_map<std::string, std::vector<std::string>> cache_;
};

// Calls `on_line` with each line of a file (without its line ending). False when it cannot be read.
template <typename OnLine>
bool ForEachLine(const std::string& path, OnLine on_line) {
  // Only a regular file: a FIFO or a device named by a hostile tree would block or never end.
  absl::StatusOr<UniqueFd> opened = OpenRegularFile(path);
  if (!opened.ok()) return false;
  const int fd = opened->get();
  std::string pending;
  char buffer[64 << 10];
  bool ok = true;
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return on_line(line);
  };
  bool keep_going = true;
  while (keep_going) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    if (n == 0) break;
    std::string_view chunk(buffer, static_cast<size_t>(n));
    while (keep_going) {
      size_t newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        pending.append(chunk);
        if (pending.size() >= kMaxLineBytes) {
          keep_going = emit(pending);
          pending.clear();
        }
        break;
      }
      if (pending.empty()) {
        keep_going = emit(chunk.substr(0, newline));
      } else {
        pending.append(chunk.substr(0, newline));
        keep_going = emit(pending);
        pending.clear();
      }
      chunk.remove_prefix(newline + 1);
    }
  }
  if (ok && keep_going && !pending.empty()) emit(pending);
  return ok;
}

class Evaluator {
 public:
  Evaluator(const Policy& policy, const EvaluateOptions& options, const RunContext& context, Evaluation& evaluation)
      : policy_(policy),
        options_(options),
        context_(context),
        evaluation_(evaluation),
        locator_(context),
        prepared_(policy.objects.size()) {}

  void Run() {
    evaluation_.tests.resize(policy_.tests.size());
    for (size_t i = 0; i < policy_.tests.size(); ++i) evaluation_.tests[i].test = i;
    for (size_t index : policy_.evaluation_order) {
      TestResult& result = evaluation_.tests[index];
      if (context_.ShouldStop()) {
        evaluation_.incomplete = true;
        result.is_error = true;
        result.error = "not evaluated: the run stopped before this test (deadline or cancellation)";
        continue;
      }
      EvaluateTest(policy_.tests[index], result);
      if (context_.progress != nullptr) context_.progress->items++;
    }
  }

 private:
  void EvaluateTest(const Test& test, TestResult& result) {
    for (size_t dependency : test.if_tests) {
      if (evaluation_.tests[dependency].is_error) {
        result.is_error = true;
        result.error = absl::StrCat("a test dependency failed (\"", policy_.tests[dependency].id, "\")");
        return;
      }
    }
    const Prepared& object = Prepare(test.object);
    if (!object.error.empty()) {
      result.is_error = true;
      result.error = object.error;
      return;
    }
    for (const Criterion& criterion : object.criteria) {
      std::optional<bool> passed = Check(test, criterion, result);
      if (!passed) return;  // the error is in result
      result.results.push_back({.result = *passed,
                                .identifier = criterion.identifier,
                                .value = criterion.reportable ? criterion.value : std::string()});
      result.has_true_results = result.has_true_results || *passed;
    }
    result.master_result = result.has_true_results;
    for (size_t dependency : test.if_tests) {
      if (!evaluation_.tests[dependency].master_result) result.master_result = false;
    }
  }

  std::optional<bool> Check(const Test& test, const Criterion& criterion, TestResult& result) {
    switch (test.evaluator) {
      case EvaluatorKind::kNoop:
        return true;
      case EvaluatorKind::kExactMatch:
        return criterion.value == test.value;
      case EvaluatorKind::kRegexp:
        return RE2::PartialMatch(criterion.value, *test.regex);
      case EvaluatorKind::kEvr:
        break;
    }
    VersionScheme scheme = criterion.scheme.value_or(test.scheme.value_or(VersionScheme::kRpm));
    absl::Status installed = CheckVersion(criterion.value, scheme);
    absl::Status wanted = CheckVersion(test.value, scheme);
    if (!installed.ok() || !wanted.ok()) {
      result.is_error = true;
      result.error = !installed.ok() ? absl::StrCat(criterion.identifier, ": installed ", installed.message())
                                     : absl::StrCat(criterion.identifier, ": ", wanted.message(), " (",
                                                    scheme == VersionScheme::kDpkg ? "dpkg" : "rpm", " rules)");
      return std::nullopt;
    }
    int order = CompareVersions(criterion.value, test.value, scheme);
    bool passed = false;
    switch (test.operation) {
      case EvrOperation::kLess:
        passed = order < 0;
        break;
      case EvrOperation::kLessOrEqual:
        passed = order <= 0;
        break;
      case EvrOperation::kEqual:
        passed = order == 0;
        break;
      case EvrOperation::kGreaterOrEqual:
        passed = order >= 0;
        break;
      case EvrOperation::kGreater:
        passed = order > 0;
        break;
    }
    if (passed) {
      bool outdated = test.operation == EvrOperation::kLess || test.operation == EvrOperation::kLessOrEqual;
      // A value read from a file stays on the host, even in a message.
      std::string shown = criterion.reportable ? absl::StrCat(" ", criterion.value) : "";
      result.messages.push_back(absl::StrCat(criterion.label, shown, " ", EvrOperationSymbol(test.operation), " ",
                                             test.value, outdated ? ": out of date" : ""));
    }
    return passed;
  }

  const Prepared& Prepare(size_t index) {
    Prepared& prepared = prepared_[index];
    if (prepared.done) return prepared;
    prepared.done = true;
    const Object& object = policy_.objects[index];
    switch (object.kind) {
      case SourceKind::kPackage:
        PreparePackage(object.package, prepared);
        break;
      case SourceKind::kRaw:
        for (const RawIdentifier& raw : object.raw) {
          prepared.criteria.push_back(
              {.identifier = raw.identifier, .value = raw.value, .reportable = true, .label = raw.identifier});
        }
        break;
      default:
        prepared.criteria = FileCriteria(object, object.file.path);
        break;
    }
    return prepared;
  }

  const std::vector<pkg::InstalledPackage>& Packages() {
    if (!packages_) {
      pkg::Inventory inventory = options_.list_packages();
      for (std::string& error : inventory.errors) evaluation_.errors.push_back(std::move(error));
      packages_ = std::move(inventory.packages);
      evaluation_.packages = packages_->size();
      for (size_t i = 0; i < packages_->size(); ++i) {
        const pkg::InstalledPackage& package = (*packages_)[i];
        if (!IsPresent(package)) continue;
        by_name_[package.name].push_back(i);
        by_source_[package.source_name.empty() ? package.name : package.source_name].push_back(i);
      }
    }
    return *packages_;
  }

  void PreparePackage(const PackageSource& source, Prepared& prepared) {
    const std::vector<pkg::InstalledPackage>& packages = Packages();
    std::vector<size_t> matches;
    bool qualified = false;
    if (source.collect_regex != nullptr) {
      for (size_t i = 0; i < packages.size(); ++i) {
        const pkg::InstalledPackage& package = packages[i];
        if (IsPresent(package) && (RE2::PartialMatch(package.name, *source.collect_regex) ||
                                   RE2::PartialMatch(QualifiedName(package), *source.collect_regex))) {
          matches.push_back(i);
        }
      }
    } else if (!source.source.empty()) {
      auto found = by_source_.find(source.source);
      if (found != by_source_.end()) matches = found->second;
    } else {
      // "libnss3:amd64" is how `dpkg -l` names multi-arch packages, and how scribe policies came to name them.
      std::string_view name = source.name;
      std::string_view arch;
      auto exact = by_name_.find(name);
      if (exact == by_name_.end()) {
        size_t colon = name.rfind(':');
        if (colon != std::string_view::npos) {
          arch = name.substr(colon + 1);
          name = name.substr(0, colon);
          exact = by_name_.find(name);
          qualified = true;
        }
      }
      if (exact != by_name_.end()) {
        for (size_t i : exact->second) {
          if (arch.empty() || packages[i].arch == arch) matches.push_back(i);
        }
      }
    }
    bool by_source = !source.source.empty();
    auto version_of = [&](const pkg::InstalledPackage& p) -> const std::string& {
      return by_source && !p.source_version.empty() ? p.source_version : p.version;
    };
    if (source.only_newest) {
      // Of several installed versions of one package (kernels), the newest.
      absl::flat_hash_map<std::string, size_t> newest;
      for (size_t i : matches) {
        const pkg::InstalledPackage& p = packages[i];
        std::optional<VersionScheme> scheme = SchemeForPackageType(p.type);
        auto [it, inserted] = newest.emplace(p.name, i);
        if (!inserted && CompareVersions(version_of(p), version_of(packages[it->second]),
                                         scheme.value_or(VersionScheme::kRpm)) > 0) {
          it->second = i;
        }
      }
      std::vector<size_t> kept;
      for (size_t i : matches) {
        auto it = newest.find(packages[i].name);
        if (it != newest.end() && it->second == i) kept.push_back(i);
      }
      matches = std::move(kept);
    }
    for (size_t i : matches) {
      const pkg::InstalledPackage& p = packages[i];
      std::string identifier = qualified ? QualifiedName(p) : p.name;
      std::string label =
          by_source && p.name != source.source ? absl::StrCat(identifier, " (source ", source.source, ")") : identifier;
      prepared.criteria.push_back({.identifier = std::move(identifier),
                                   .value = version_of(p),
                                   .scheme = SchemeForPackageType(p.type),
                                   .reportable = true,
                                   .label = std::move(label)});
    }
  }

  // The values of a file object rooted at `root` (its own path, or a chain's expansion of it).
  std::vector<Criterion> FileCriteria(const Object& object, const std::string& root) {
    const FileSource& source = object.file;
    std::vector<Criterion> criteria;
    const std::vector<std::string>& files = locator_.Locate(root, *source.file_regex);
    if (object.kind == SourceKind::kFileName) {
      for (const std::string& path : files) {
        // scribe takes the first group of the regex matched against the whole path, so an anchored regex
        // that found the file by its name found no value; the name is tried after the path.
        re2::StringPiece groups[2];
        std::string_view base = std::string_view(path).substr(path.rfind('/') + 1);
        if (!source.file_regex->Match(path, 0, path.size(), RE2::UNANCHORED, groups, 2) &&
            !source.file_regex->Match(base, 0, base.size(), RE2::UNANCHORED, groups, 2)) {
          continue;
        }
        criteria.push_back({.identifier = path, .value = std::string(groups[1]), .label = path});
      }
      return criteria;
    }
    const RE2& expression = *source.expression_regex;
    int groups = expression.NumberOfCapturingGroups();
    std::vector<re2::StringPiece> submatches(static_cast<size_t>(groups) + 1);
    for (const std::string& path : files) {
      if (context_.ShouldStop()) break;
      bool found = false;
      std::vector<std::string> values;
      bool readable = ForEachLine(path, [&](std::string_view line) {
        if (!expression.Match(line, 0, line.size(), RE2::UNANCHORED, submatches.data(),
                              static_cast<int>(submatches.size()))) {
          return true;
        }
        found = true;
        for (int g = 1; g <= groups; ++g) values.emplace_back(submatches[static_cast<size_t>(g)]);
        // hasline needs one matching line; filecontent wants every one.
        return object.kind == SourceKind::kFileContent;
      });
      if (!readable) continue;  // as scribe: a file that cannot be read is skipped
      evaluation_.files++;
      if (object.kind == SourceKind::kHasLine) {
        criteria.push_back({.identifier = path, .value = found ? "true" : "false", .label = path});
        continue;
      }
      if (!found) continue;
      // Objects of the import chain run in this file's directory; their values count as this file's.
      std::string directory = path.substr(0, path.rfind('/') + 1);
      for (size_t chained : source.import_chain) {
        const Object& chain_object = policy_.objects[chained];
        std::string chain_root = absl::StrReplaceAll(chain_object.file.path, {{"${chain_root}", directory}});
        for (Criterion& c : FileCriteria(chain_object, chain_root)) values.push_back(std::move(c.value));
      }
      if (!source.concat.empty()) {
        // One value per file (scribe joined every file's values into one; per file is what a version split
        // over several captures means).
        criteria.push_back({.identifier = path, .value = absl::StrJoin(values, source.concat), .label = path});
      } else {
        for (std::string& value : values) {
          criteria.push_back({.identifier = path, .value = std::move(value), .label = path});
        }
      }
    }
    return criteria;
  }

  const Policy& policy_;
  const EvaluateOptions& options_;
  const RunContext& context_;
  Evaluation& evaluation_;
  FileLocator locator_;
  std::vector<Prepared> prepared_;
  std::optional<std::vector<pkg::InstalledPackage>> packages_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_name_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_source_;
};

}  // namespace

Evaluation Evaluate(const Policy& policy, const EvaluateOptions& options, const RunContext& context) {
  Evaluation evaluation;
  Evaluator(policy, options, context, evaluation).Run();
  return evaluation;
}

}  // namespace mig::modules::scribe
