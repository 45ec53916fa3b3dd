#include "modules/file/checks.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mig::modules::file {
namespace {

// Does the pattern use \A or \z, which mean "start/end of text" even under (?m)? Those need each line
// matched on its own. (An escaped backslash before them does not count.)
bool UsesTextAnchors(std::string_view pattern) {
  for (size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] == 'A' || pattern[i + 1] == 'z') return true;
    ++i;  // skip the escaped character
  }
  return false;
}

crypto::DigestAlgorithm DigestForLength(std::string_view list, size_t hex_length) {
  using crypto::DigestAlgorithm;
  if (list == "md5") return DigestAlgorithm::kMd5;
  if (list == "sha1") return DigestAlgorithm::kSha1;
  bool sha3 = list == "sha3";
  switch (hex_length) {
    case 56:
      return sha3 ? DigestAlgorithm::kSha3_224 : DigestAlgorithm::kSha224;
    case 64:
      return sha3 ? DigestAlgorithm::kSha3_256 : DigestAlgorithm::kSha256;
    case 96:
      return sha3 ? DigestAlgorithm::kSha3_384 : DigestAlgorithm::kSha384;
    default:
      return sha3 ? DigestAlgorithm::kSha3_512 : DigestAlgorithm::kSha512;
  }
}

}  // namespace

RE2::Options RegexOptions(CheckKind kind) {
  RE2::Options options;
  options.set_log_errors(false);
  // Long alternations (lists of known keys or hashes) are a normal use; give them room.
  options.set_max_mem(64 << 20);
  if (kind == CheckKind::kContent) options.set_never_nl(true);
  return options;
}

std::string RegexPatternFor(const Check& check) {
  if (check.kind == CheckKind::kContent) return absl::StrCat("(?m)", check.pattern);
  return check.pattern;
}

std::vector<CompiledSearch> CompileSearches(const Parameters& parameters, absl::Time now) {
  std::vector<CompiledSearch> compiled;
  int next_id = 0;
  // Named references, not a structured binding: the lambda below captures `search`, which clang 14 (the
  // fuzzing and thread-safety build) does not allow of a binding.
  for (const auto& entry : parameters.searches) {
    const std::string& label = entry.first;
    const auto& search = entry.second;
    CompiledSearch c;
    c.label = label;
    c.spec = &search;
    for (const std::string& path : search.paths) c.paths.push_back(CleanPath(path));
    c.match_all = search.options.match_all;
    c.macroal = search.options.macroal;
    c.max_depth = search.options.EffectiveMaxDepth();
    c.match_limit = search.options.EffectiveMatchLimit();
    c.max_errors = search.options.max_errors;
    c.return_sha256 = search.options.return_sha256;
    c.links_own = search.options.links_own;

    auto add = [&](CheckKind kind, std::string_view list, std::string_view mismatch_kind, const std::string& value) {
      Check check;
      check.kind = kind;
      check.id = next_id++;
      check.list = std::string(list);
      check.value = value;
      check.mismatch = search.options.HasMismatch(mismatch_kind);
      return check;
    };
    for (const std::string& v : search.contents) {
      Check check = add(CheckKind::kContent, "contents", "content", v);
      check.inverse = v.size() > 1 && v[0] == '!';
      check.pattern = check.inverse ? v.substr(1) : v;
      check.line_by_line = UsesTextAnchors(check.pattern);
      c.checks.push_back(std::move(check));
      c.has_content_checks = true;
    }
    for (const std::string& v : search.names) {
      Check check = add(CheckKind::kName, "names", "name", v);
      check.inverse = v.size() > 1 && v[0] == '!';
      check.pattern = check.inverse ? v.substr(1) : v;
      c.checks.push_back(std::move(check));
    }
    for (const std::string& v : search.sizes) {
      Check check = add(CheckKind::kSize, "sizes", "size", v);
      check.size = *ParseSize(v);
      c.checks.push_back(std::move(check));
    }
    for (const std::string& v : search.modes) {
      Check check = add(CheckKind::kMode, "modes", "mode", v);
      check.pattern = v;
      c.checks.push_back(std::move(check));
    }
    for (const std::string& v : search.mtimes) {
      Check check = add(CheckKind::kMtime, "mtimes", "mtime", v);
      MtimeFilter filter = *ParseMtime(v);
      absl::Time boundary = now - absl::Seconds(filter.seconds);
      if (filter.newer_than) {
        check.mtime_after = boundary;
      } else {
        check.mtime_before = boundary;
      }
      c.checks.push_back(std::move(check));
    }
    const std::pair<const char*, const std::vector<std::string>*> digests[] = {
        {"md5", &search.md5}, {"sha1", &search.sha1}, {"sha2", &search.sha2}, {"sha3", &search.sha3}};
    for (const auto& [list, values] : digests) {
      for (const std::string& v : *values) {
        Check check = add(CheckKind::kDigest, list, list, v);
        check.algorithm = DigestForLength(list, v.size());
        check.digest_hex = absl::AsciiStrToLower(v);
        c.checks.push_back(std::move(check));
      }
    }
    compiled.push_back(std::move(c));
  }
  return compiled;
}

}  // namespace mig::modules::file
