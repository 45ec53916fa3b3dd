// The file module against a real file tree built here, cross-checked with GNU find, grep, gzip and the
// *sum tools where they can serve as an oracle.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/result.h"
#include "test/shell.h"

namespace mig::modules::file {
namespace {

using ::mig::test::ShellOutput;

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> lines;
  for (std::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) lines.emplace(line);
  return lines;
}

void Write(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  REQUIRE(out.good());
}

void SetMtimeDaysAgo(const std::string& path, int days) {
  struct timeval times[2];
  gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= days * 86400;
  times[1] = times[0];
  REQUIRE(utimes(path.c_str(), times) == 0);
}

// The fixture: every kind of thing a sweep meets.
class Tree {
 public:
  Tree() {
    // A directory every user can traverse (the unreadable-file test looks as an unprivileged user), unique
    // for each tree since test cases may run concurrently.
    const char* base = access("/tmp", W_OK) == 0 ? "/tmp" : std::getenv("TEST_TMPDIR");
    std::string pattern = absl::StrCat(base, "/mig-file-test-XXXXXX");
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    REQUIRE(chmod(pattern.c_str(), 0755) == 0);
    base_ = pattern;
    root_ = absl::StrCat(base_, "/tree");
    Mkdir("");
    Write(Path("a.txt"), "hello world\nroot:x:0:0:root:/root:/bin/bash\n");
    Write(Path("b.conf"), "LogLevel VERBOSE\r\nPasswordAuthentication no\r\n");
    Write(Path("empty"), "");
    Write(Path("noeol"), "last line without newline");
    int fd = open(Path("sparse").c_str(), O_CREAT | O_WRONLY, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 64 << 20) == 0);
    close(fd);
    // A 2 MiB line ending in a needle: the read buffer must grow to hold it.
    Write(Path("long_line.txt"), std::string(2 << 20, 'x') + "NEEDLE\nshort\n");
    Mkdir("logs");
    Write(Path("logs/syslog.1"), "Nov 28 sshd: Accepted password for root from 10.0.0.1\n");
    ShellOutput(absl::StrCat("gzip -n ", Path("logs/syslog.1")));
    Write(Path("logs/part1"), "first member\n");
    Write(Path("logs/part2"), "second member holds the needle\n");
    ShellOutput(absl::StrCat("gzip -n ", Path("logs/part1"), " ", Path("logs/part2"), " && cat ", Path("logs/part1.gz"),
                             " ", Path("logs/part2.gz"), " > ", Path("logs/multi.gz"), " && rm ", Path("logs/part1.gz"),
                             " ", Path("logs/part2.gz")));
    Write(Path("logs/bad.gz"), std::string("\x1f\x8b\x08\x00garbage that is not deflate data", 36));
    std::string level;
    for (int i = 1; i <= 4; ++i) {
      level += absl::StrCat(i == 1 ? "" : "/", "l", i);
      Mkdir(level);
      Write(Path(absl::StrCat(level, "/f", i)), absl::StrCat("level", i, "\n"));
    }
    Mkdir("links");
    Link("../a.txt", "links/to_file");
    Link("../l1", "links/to_dir");
    Link("loop", "links/loop");
    Link("nonexistent", "links/broken");
    Mkdir("bin");
    std::mt19937 rng(42);
    std::string binary(1 << 20, '\0');
    for (char& c : binary) c = static_cast<char>(rng());
    binary.replace(700000, 17, "PRODUCT=20a0/4107");
    Write(Path("bin/blob"), binary);
    Write(Path("old.txt"), "old\n");
    SetMtimeDaysAgo(Path("old.txt"), 100);
    chmod(Path("a.txt").c_str(), 0644);
    chmod(Path("bin/blob").c_str(), 0755);
  }
  ~Tree() { ShellOutput(absl::StrCat("rm -rf ", base_)); }

  std::string Path(std::string_view relative) const {
    return relative.empty() ? root_ : absl::StrCat(root_, "/", relative);
  }
  const std::string& root() const { return root_; }

 private:
  void Mkdir(std::string_view relative) { REQUIRE(mkdir(Path(relative).c_str(), 0755) == 0); }
  void Link(const char* target, std::string_view relative) { REQUIRE(symlink(target, Path(relative).c_str()) == 0); }
  std::string base_;
  std::string root_;
};

struct Entry {
  std::string file;
  std::string check;  // "names='x'" for per-check entries; empty with matchall
  std::string sha256;
};

struct Outcome {
  bool success = false;
  bool found = false;
  std::map<std::string, std::vector<Entry>> entries;  // by label; file "" entries left out
  double files_count = 0;
  double open_failed = 0;
  double total_hits = 0;
  std::vector<std::string> errors;
  std::string json;

  std::set<std::string> Files(const std::string& label) const {
    std::set<std::string> files;
    auto it = entries.find(label);
    if (it == entries.end()) return files;
    for (const Entry& e : it->second) files.insert(e.file);
    return files;
  }
  bool HasError(std::string_view part) const {
    for (const std::string& e : errors) {
      if (e.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

Outcome Parse(const std::string& json) {
  Outcome o;
  o.json = json;
  absl::StatusOr<ParsedResult> parsed = ParseResult(json);
  REQUIRE(parsed.ok());
  o.success = parsed->success;
  o.found = parsed->found_anything;
  o.errors = parsed->errors;
  if (!parsed->success) return o;
  simdjson::dom::object elements;
  REQUIRE(parsed->elements.get(elements) == simdjson::SUCCESS);
  for (auto [label, list] : elements) {
    simdjson::dom::array entries;
    REQUIRE(list.get(entries) == simdjson::SUCCESS);
    for (simdjson::dom::element e : entries) {
      Entry entry;
      std::string_view file;
      REQUIRE(e["file"].get(file) == simdjson::SUCCESS);
      entry.file = std::string(file);
      simdjson::dom::object search;
      REQUIRE(e["search"].get(search) == simdjson::SUCCESS);
      for (auto [key, value] : search) {
        if (key == "paths" || key == "options" || key == "description" || !value.is_array()) continue;
        simdjson::dom::array values;
        REQUIRE(value.get(values) == simdjson::SUCCESS);
        for (simdjson::dom::element v : values) {
          std::string_view text;
          REQUIRE(v.get(text) == simdjson::SUCCESS);
          entry.check += absl::StrCat(key, "='", text, "'");
        }
      }
      std::string_view sha;
      if (e["fileinfo"]["sha256"].get(sha) == simdjson::SUCCESS) entry.sha256 = std::string(sha);
      if (!entry.file.empty()) o.entries[std::string(label)].push_back(entry);
    }
  }
  simdjson::dom::element stats = parsed->statistics;
  REQUIRE(stats["filescount"].get(o.files_count) == simdjson::SUCCESS);
  REQUIRE(stats["openfailed"].get(o.open_failed) == simdjson::SUCCESS);
  REQUIRE(stats["totalhits"].get(o.total_hits) == simdjson::SUCCESS);
  return o;
}

Outcome Run(const std::string& parameters, int threads = 2, absl::Time deadline = absl::InfiniteFuture()) {
  const Module* module = FindModule("file");
  REQUIRE(module != nullptr);
  RunContext context;
  context.threads = threads;
  context.deadline = deadline;
  return Parse(module->Run(parameters, context));
}

std::string OneSearch(const std::string& paths_json, const std::string& checks, const std::string& options = "") {
  return absl::StrCat(R"({"searches":{"s1":{"paths":)", paths_json, ",", checks, R"(,"options":{)", options, "}}}}");
}

std::string Quoted(const std::string& s) { return absl::StrCat("[\"", s, "\"]"); }

// Every file find reports: regular files and links to regular files.
std::set<std::string> FindFiles(const std::string& root, const std::string& find_args = "") {
  return Lines(ShellOutput(absl::StrCat("find ", root, " ", find_args, " -xtype f 2>/dev/null")));
}

TEST_CASE("The walk reaches exactly the files find reaches, at every maxdepth") {
  Tree tree;
  Outcome all = Run(OneSearch(Quoted(tree.root()), R"("names":["."])", R"("matchall":true)"));
  REQUIRE(all.success);
  CHECK(all.Files("s1") == FindFiles(tree.root()));
  CHECK(all.files_count == FindFiles(tree.root()).size());
  for (int depth = 1; depth <= 5; ++depth) {
    INFO("maxdepth " << depth);
    Outcome o =
        Run(OneSearch(Quoted(tree.root()), R"("names":["."])", absl::StrCat(R"("matchall":true,"maxdepth":)", depth)));
    CHECK(o.Files("s1") == FindFiles(tree.root(), absl::StrCat("-maxdepth ", depth)));
  }
}

TEST_CASE("Links: to files followed, to directories not, loops and broken links counted as failures") {
  Tree tree;
  Outcome o = Run(OneSearch(Quoted(tree.root()), R"("names":["^(to_file|f1|loop|broken)$"])", R"("matchall":true)"));
  std::set<std::string> expected = {tree.Path("links/to_file"), tree.Path("l1/f1")};
  CHECK(o.Files("s1") == expected);  // f1 once: not again through links/to_dir
  CHECK(o.open_failed == 2);
  CHECK(o.HasError("links/loop"));
  CHECK(o.HasError("links/broken"));

  // A path that is itself a link to a directory is followed.
  Outcome through = Run(OneSearch(Quoted(tree.Path("links/to_dir")), R"("names":["^f2$"])", R"("matchall":true)"));
  CHECK(through.Files("s1") == std::set<std::string>{tree.Path("links/to_dir/l2/f2")});
}

TEST_CASE("class links-own: a new link to an old file is found by its own mtime, and only when asked") {
  Tree tree;
  std::string root = Quoted(tree.Path("links"));
  // A fresh link to a 100-day-old file, as persistence is added (timers.target.wants/x.timer -> an old unit).
  REQUIRE(symlink("../old.txt", tree.Path("links/new_link").c_str()) == 0);
  struct Case {
    const char* what;
    std::string checks, options;
    std::set<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"follow (the default): judged by the old target",
       R"("mtimes":["<1d"])",
       R"("matchall":true)",
       {tree.Path("links/to_file")}},
      {"own: every link made today, whatever it points to",
       R"("mtimes":["<1d"])",
       R"("matchall":true,"links":"own")",
       {tree.Path("links/to_file"), tree.Path("links/to_dir"), tree.Path("links/loop"), tree.Path("links/broken"),
        tree.Path("links/new_link")}},
      {"own: a link's mode is L...",
       R"("modes":["^L"])",
       R"("matchall":true,"links":"own")",
       {tree.Path("links/to_file"), tree.Path("links/to_dir"), tree.Path("links/loop"), tree.Path("links/broken"),
        tree.Path("links/new_link")}},
      {"own: a link has no content",
       R"("names":["new_link"],"contents":["old"])",
       R"("matchall":true,"links":"own")",
       {}},
      {"follow: the target's content",
       R"("names":["new_link"],"contents":["old"])",
       R"("matchall":true)",
       {tree.Path("links/new_link")}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Outcome o = Run(OneSearch(root, c.checks, c.options));
    INFO(o.json);
    REQUIRE(o.success);
    CHECK(o.Files("s1") == c.expected);
  }
  // Own: broken links and loops are links like any other, not failures.
  CHECK(Run(OneSearch(root, R"("names":["."])", R"("matchall":true,"links":"own")")).open_failed == 0);
  // Two searches of one walk, each judging links its own way.
  Outcome both = Run(absl::StrCat(R"({"searches":{"follow":{"paths":)", root,
                                  R"(,"mtimes":["<1d"],"options":{"matchall":true}},"own":{"paths":)", root,
                                  R"(,"mtimes":["<1d"],"options":{"matchall":true,"links":"own"}}}})"));
  CHECK(both.Files("follow") == std::set<std::string>{tree.Path("links/to_file")});
  CHECK(both.Files("own").count(tree.Path("links/new_link")) == 1);
}

TEST_CASE("Content regexes agree with grep, including binary files and long lines") {
  Tree tree;
  for (const std::string pattern : {"root:x", "^Pass", "level[0-9]", "PRODUCT=20a0/4107", "NEEDLE", "^short$",
                                    "without newline$", "hello|level2", "[[:digit:]]:0"}) {
    INFO(pattern);
    Outcome o =
        Run(OneSearch(Quoted(tree.root()), absl::StrCat(R"("contents":[")", pattern, R"("])"), R"("matchall":true)"));
    REQUIRE(o.success);
    std::set<std::string> grep = Lines(ShellOutput(absl::StrCat(
        "find ", tree.root(), " -xtype f -print0 2>/dev/null | ", "xargs -0 grep -lE '", pattern, "' 2>/dev/null")));
    CHECK(o.Files("s1") == grep);
  }
}

TEST_CASE("Content matching keeps MIG's line semantics") {
  Tree tree;
  // $ matches before a CRLF line ending, as Go's bufio.ScanLines strips the \r.
  Outcome crlf = Run(OneSearch(Quoted(tree.Path("b.conf")), R"("contents":["(?i)^passwordauthentication no$"])"));
  CHECK(crlf.Files("s1") == std::set<std::string>{tree.Path("b.conf")});
  // A match never spans lines, even with classes that include \n.
  Outcome span = Run(
      OneSearch(Quoted(tree.Path("a.txt")), R"("contents":["world\\sroot", "world[^z]root"])", R"("matchall":false)"));
  CHECK(span.Files("s1").empty());
  // \A and \z anchor to each line.
  Outcome anchors =
      Run(OneSearch(Quoted(tree.Path("a.txt")), R"("contents":["\\Aroot:x", "bash\\z"])", R"("matchall":true)"));
  CHECK(anchors.Files("s1") == std::set<std::string>{tree.Path("a.txt")});
  // An inverted content check keeps files where no line matches.
  Outcome inverse =
      Run(OneSearch(Quoted(tree.root()), R"("names":["^f[0-9]$"],"contents":["!level[12]"])", R"("matchall":true)"));
  CHECK(inverse.Files("s1") == std::set<std::string>{tree.Path("l1/l2/l3/f3"), tree.Path("l1/l2/l3/l4/f4")});
}

TEST_CASE("Digests match the sum tools and OpenSSL for every algorithm") {
  Tree tree;
  struct Tool {
    const char* list;
    std::string command;
  };
  const Tool tools[] = {
      {"md5", "md5sum"},
      {"sha1", "sha1sum"},
      {"sha2", "sha224sum"},
      {"sha2", "sha256sum"},
      {"sha2", "sha384sum"},
      {"sha2", "sha512sum"},
      {"sha3", "openssl dgst -sha3-224 -r"},
      {"sha3", "openssl dgst -sha3-256 -r"},
      {"sha3", "openssl dgst -sha3-384 -r"},
      {"sha3", "openssl dgst -sha3-512 -r"},
  };
  for (const Tool& tool : tools) {
    INFO(tool.command);
    std::string line = ShellOutput(absl::StrCat(tool.command, " ", tree.Path("a.txt")));
    std::string hash = std::string(line.substr(0, line.find(' ')));
    REQUIRE(hash.size() >= 32);
    Outcome o = Run(OneSearch(Quoted(tree.root()), absl::StrCat(R"(")", tool.list, R"(":[")", hash, R"("])"),
                              R"("matchall":true)"));
    CHECK(o.Files("s1") == std::set<std::string>{tree.Path("a.txt"), tree.Path("links/to_file")});
  }
  // Upper-case hashes work too, and the sparse and empty files hash like sha256sum says.
  for (const char* name : {"sparse", "empty", "bin/blob", "long_line.txt"}) {
    std::string line = ShellOutput(absl::StrCat("sha256sum ", tree.Path(name)));
    std::string hash = line.substr(0, 64);
    for (char& c : hash) c = static_cast<char>(toupper(c));
    Outcome o = Run(OneSearch(Quoted(tree.root()), absl::StrCat(R"("sha2":[")", hash, R"("])"), R"("matchall":true)"));
    CHECK(o.Files("s1").count(tree.Path(name)) == 1);
  }
}

TEST_CASE("Decompression reads gzip files, including concatenated members, and reports corrupt ones") {
  Tree tree;
  std::string logs = Quoted(tree.Path("logs"));
  Outcome plain = Run(OneSearch(logs, R"("contents":["Accepted password|needle"])", R"("matchall":true)"));
  CHECK(plain.Files("s1").empty());
  Outcome gz =
      Run(OneSearch(logs, R"("contents":["Accepted password|needle"])", R"("matchall":true,"decompress":true)"));
  CHECK(gz.Files("s1") == std::set<std::string>{tree.Path("logs/syslog.1.gz"), tree.Path("logs/multi.gz")});
  CHECK(gz.HasError("bad.gz"));
  // Digests are of the decompressed content, as `zcat | sha256sum`.
  std::string hash = ShellOutput(absl::StrCat("zcat ", tree.Path("logs/multi.gz"), " | sha256sum")).substr(0, 64);
  Outcome digest = Run(OneSearch(logs, absl::StrCat(R"("sha2":[")", hash, R"("])"), R"("decompress":true)"));
  CHECK(digest.Files("s1") == std::set<std::string>{tree.Path("logs/multi.gz")});
}

TEST_CASE("Metadata checks: size, mode, mtime, inverted names") {
  Tree tree;
  std::string root = Quoted(tree.root());
  CHECK(Run(OneSearch(root, R"("sizes":[">32m"])", R"("matchall":true)")).Files("s1") ==
        std::set<std::string>{tree.Path("sparse")});
  CHECK(Run(OneSearch(root, R"("sizes":["0"])", R"("matchall":true)")).Files("s1") ==
        std::set<std::string>{tree.Path("empty")});
  CHECK(Run(OneSearch(root, R"("modes":["^-rwxr-xr-x$"])", R"("matchall":true)")).Files("s1") ==
        std::set<std::string>{tree.Path("bin/blob")});
  CHECK(Run(OneSearch(root, R"("mtimes":[">90d"])", R"("matchall":true)")).Files("s1") ==
        std::set<std::string>{tree.Path("old.txt")});
  Outcome recent = Run(OneSearch(root, R"("mtimes":["<90d"])", R"("matchall":true)"));
  CHECK(recent.Files("s1").count(tree.Path("old.txt")) == 0);
  CHECK(recent.Files("s1").count(tree.Path("a.txt")) == 1);
  Outcome not_txt = Run(OneSearch(Quoted(tree.Path("l1")), R"("names":["!^f[12]$"])", R"("matchall":true)"));
  CHECK(not_txt.Files("s1") == std::set<std::string>{tree.Path("l1/l2/l3/f3"), tree.Path("l1/l2/l3/l4/f4")});
}

TEST_CASE("matchany reports each check's files; matchall only files every check keeps") {
  Tree tree;
  std::string checks = R"("names":["^a\\.txt$"],"contents":["level1"])";
  Outcome any = Run(OneSearch(Quoted(tree.root()), checks, R"("matchall":false)"));
  REQUIRE(any.entries.count("s1"));
  std::multiset<std::string> pairs;
  for (const Entry& e : any.entries.at("s1")) pairs.insert(absl::StrCat(e.file, " ", e.check));
  CHECK(pairs == std::multiset<std::string>{absl::StrCat(tree.Path("a.txt"), " names='^a\\.txt$'"),
                                            absl::StrCat(tree.Path("l1/f1"), " contents='level1'")});
  CHECK(any.total_hits == 2);
  Outcome all = Run(OneSearch(Quoted(tree.root()), checks, R"("matchall":true)"));
  CHECK_FALSE(all.found);
  CHECK(all.Files("s1").empty());
  CHECK(all.total_hits == 0);
}

TEST_CASE("macroal and mismatch find the authorized_keys file with a rogue line") {
  Tree tree;
  Write(tree.Path("l1/authorized_keys"), "# keys\nssh-ed25519 AAAAgood alice\n");
  Write(tree.Path("l1/l2/authorized_keys"), "# keys\nssh-ed25519 AAAAgood alice\nssh-rsa AAAAevil mallory\n");
  Write(tree.Path("l1/l2/l3/authorized_keys"), "");
  std::string checks = R"("names":["^authorized_keys$"],"contents":["^(#.*|\\s*|ssh-ed25519 AAAAgood alice)$"])";
  Outcome clean = Run(OneSearch(Quoted(tree.root()), checks, R"("matchall":true,"macroal":true)"));
  CHECK(clean.Files("s1") == std::set<std::string>{tree.Path("l1/authorized_keys")});
  Outcome rogue =
      Run(OneSearch(Quoted(tree.root()), checks, R"("matchall":true,"macroal":true,"mismatch":["content"])"));
  CHECK(rogue.Files("s1") ==
        std::set<std::string>{tree.Path("l1/l2/authorized_keys"), tree.Path("l1/l2/l3/authorized_keys")});
}

TEST_CASE("Several searches share one walk, each with its own paths and depth") {
  Tree tree;
  std::string params = absl::StrCat(R"({"searches":{
      "top":{"paths":[")",
                                    tree.root(), R"("],"names":["^f[0-9]$"],"options":{"matchall":true,"maxdepth":2}},
      "deep":{"paths":[")",
                                    tree.Path("l1/l2/l3"), R"("],"names":["^f[0-9]$"],"options":{"matchall":true}},
      "file":{"paths":[")",
                                    tree.Path("a.txt"), R"("],"contents":["hello"],"options":{"matchall":true}}}})");
  Outcome o = Run(params);
  REQUIRE(o.success);
  CHECK(o.Files("top") == std::set<std::string>{tree.Path("l1/f1")});
  CHECK(o.Files("deep") == std::set<std::string>{tree.Path("l1/l2/l3/f3"), tree.Path("l1/l2/l3/l4/f4")});
  CHECK(o.Files("file") == std::set<std::string>{tree.Path("a.txt")});
}

TEST_CASE("matchlimit and maxerrors stop a search and say so") {
  Tree tree;
  Outcome limited = Run(OneSearch(Quoted(tree.root()), R"("names":["."])", R"("matchall":true,"matchlimit":3)"));
  CHECK(limited.Files("s1").size() == 3);
  CHECK(limited.HasError("matchlimit of 3"));
  Outcome errors = Run(OneSearch(Quoted(tree.root()), R"("names":["."])", R"("matchall":true,"maxerrors":1)"), 1);
  CHECK(errors.HasError("stopped after 1 errors"));
}

TEST_CASE("Results are the same with one worker and with many") {
  Tree tree;
  std::string params = OneSearch(Quoted(tree.root()), R"("names":["."],"contents":["e"])", R"("matchall":false)");
  Outcome one = Run(params, 1);
  Outcome many = Run(params, 8);
  CHECK(one.Files("s1") == many.Files("s1"));
  CHECK(one.files_count == many.files_count);
}

TEST_CASE("returnsha256 reports each match's SHA-256") {
  Tree tree;
  Outcome o = Run(OneSearch(Quoted(tree.Path("a.txt")), R"("names":["a"])", R"("matchall":true,"returnsha256":true)"));
  REQUIRE(o.entries["s1"].size() == 1);
  std::string expected = ShellOutput(absl::StrCat("sha256sum ", tree.Path("a.txt"))).substr(0, 64);
  for (char& c : expected) c = static_cast<char>(toupper(c));
  CHECK(o.entries["s1"][0].sha256 == expected);
}

TEST_CASE("A deadline in the past stops the run and marks the result incomplete") {
  Tree tree;
  Outcome o = Run(OneSearch(Quoted(tree.root()), R"("names":["."])"), 2, absl::Now() - absl::Seconds(1));
  CHECK(o.success);
  CHECK(o.HasError("deadline"));
}

TEST_CASE("A missing path is an error in the result, not a failure of the run") {
  Outcome o = Run(OneSearch(R"(["/nonexistent/path"])", R"("names":["x"])"));
  CHECK(o.success);
  CHECK(o.open_failed == 1);
  CHECK(o.HasError("/nonexistent/path: no such file or directory"));
}

TEST_CASE("Invalid parameters give a failed result naming the problem") {
  Outcome o = Run(R"({"searches":{"s1":{"paths":["/"],"names":["(bad"]}}})");
  CHECK_FALSE(o.success);
  REQUIRE(o.errors.size() == 1);
  CHECK_THAT(o.errors[0], Catch::Contains("invalid name regex '(bad'"));
}

TEST_CASE("Unreadable files are counted in openfailed, never fatal") {
  Tree tree;
  chmod(tree.Path("a.txt").c_str(), 0);
  std::string params = OneSearch(Quoted(tree.root()), R"("contents":["hello"])", R"("matchall":true)");
  std::string json;
  if (geteuid() == 0) {
    // root reads everything: look as an unprivileged user would, in a child that drops privileges.
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
        perror("dropping privileges");
        _exit(1);
      }
      RunContext context;
      std::string out = FindModule("file")->Run(params, context);
      if (write(fds[1], out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(1);
      _exit(0);
    }
    close(fds[1]);
    char buf[65536];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) json.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  } else {
    RunContext context;
    json = FindModule("file")->Run(params, context);
  }
  Outcome o = Parse(json);
  CHECK(o.success);
  CHECK(o.open_failed >= 1);
  CHECK(o.HasError(absl::StrCat("open ", tree.Path("a.txt"), ": permission denied")));
  CHECK(o.Files("s1").empty());
}

}  // namespace
}  // namespace mig::modules::file
