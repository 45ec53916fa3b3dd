// The file module's checks, compiled from validated parameters: what each check compares, and whether a
// file is kept for it. MIG's rule: a check keeps a file when (matched XOR inverse XOR mismatch), where
// `inverse` is a '!' prefix on a name or content regex and `mismatch` comes from options.mismatch.
#ifndef MIG_MODULES_FILE_CHECKS_H_
#define MIG_MODULES_FILE_CHECKS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "crypto/digest.h"
#include "modules/file/parameters.h"
#include "re2/re2.h"

namespace mig::modules::file {

enum class CheckKind { kContent, kName, kSize, kMode, kMtime, kDigest };

struct Check {
  CheckKind kind;
  int id = 0;                 // unique across all searches of a run
  std::string list;           // the parameters list it came from: "contents", "names", "sha2", ...
  std::string value;          // as written in the parameters, for the results
  bool inverse = false;       // '!' prefix (names and contents)
  bool mismatch = false;      // options.mismatch names this kind
  std::string pattern;        // names, modes, contents: the regex without '!'
  bool line_by_line = false;  // contents: a pattern that needs each line on its own (\A, \z)
  SizeRange size;
  absl::Time mtime_after = absl::InfinitePast();     // mtime must be strictly after...
  absl::Time mtime_before = absl::InfiniteFuture();  // ...and strictly before
  crypto::DigestAlgorithm algorithm = crypto::DigestAlgorithm::kMd5;
  std::string digest_hex;  // lowercase

  bool Keeps(bool matched) const { return (matched != inverse) != mismatch; }
  bool NeedsStat() const { return kind == CheckKind::kSize || kind == CheckKind::kMode || kind == CheckKind::kMtime; }
  bool NeedsContent() const { return kind == CheckKind::kContent || kind == CheckKind::kDigest; }
};

struct CompiledSearch {
  std::string label;
  const Search* spec = nullptr;
  std::vector<std::string> paths;  // cleaned
  std::vector<Check> checks;       // MIG's order: contents, names, sizes, modes, mtimes, md5, sha1, sha2, sha3
  bool match_all = false;
  bool macroal = false;
  uint64_t max_depth = kDefaultMaxDepth;
  uint64_t match_limit = kDefaultMatchLimit;
  uint64_t max_errors = 0;
  bool return_sha256 = false;
  bool has_content_checks = false;
  bool links_own = false;  // links are judged as themselves (SearchOptions::links_own)
};

// Compiles every search; `now` anchors the mtime filters. The parameters must be valid.
std::vector<CompiledSearch> CompileSearches(const Parameters& parameters, absl::Time now);

// The RE2 options of each kind of regex. Content regexes see whole buffers of lines at once: (?m) makes ^ and
// $ match at line boundaries and never_nl keeps every match inside one line, so a buffer search answers
// "does any line match" exactly as MIG's line-by-line scan does.
RE2::Options RegexOptions(CheckKind kind);
std::string RegexPatternFor(const Check& check);

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_CHECKS_H_
