// The memory module against real processes: a helper holding known bytes (testdata_process.cc) and
// /bin/sleep with a marker in its environment.
#include "modules/memory/scan.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "modules/memory/parameters.h"
#include "modules/memory/process_memory.h"
#include "modules/memory/render.h"
#include "modules/module.h"
#include "modules/result.h"

extern char** environ;

namespace mig::modules::memory {
namespace {

// A marker no process holds but the ones given it: random, and built here at run time.
std::string RandomMarker(std::string_view prefix) {
  std::random_device device;
  std::mt19937_64 random(device());
  return absl::StrFormat("%s-%016x%016x", prefix, random(), random());
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) absl::StrAppendFormat(&out, "%02x", c);
  return out;
}

std::string TempPath(std::string_view name) {
  const char* base = std::getenv("TEST_TMPDIR");
  return absl::StrCat(base != nullptr ? base : "/tmp", "/", name, "-", getpid());
}

// A child process, killed and reaped when the test is done with it.
class Child {
 public:
  Child(std::vector<std::string> argv, std::vector<std::string> extra_environment) {
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<std::string> env_strings = std::move(extra_environment);
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    std::vector<char*> env;
    for (std::string& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    out_ = out[0];
  }
  ~Child() { Kill(); }

  pid_t pid() const { return pid_; }

  // Waits until the child's memory maps show `text` (a library the dynamic loader maps after posix_spawn has
  // returned: the state a test checks, not a moment to guess). False if it never does within 30 s.
  bool WaitUntilMapped(std::string_view text) {
    std::string maps_path = absl::StrCat("/proc/", pid_, "/maps");
    for (int i = 0; i < 3000; ++i) {
      std::ifstream maps(maps_path);
      std::string contents((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
      if (contents.find(text) != std::string::npos) return true;
      usleep(10 * 1000);
    }
    return false;
  }

  // The first line the child prints: it has set itself up when it prints.
  std::string ReadLine() {
    std::string line;
    char c;
    while (read(out_, &c, 1) == 1 && c != '\n') line.push_back(c);
    return line;
  }

  // Kills and reaps it, so that /proc/<pid> is gone when this returns.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    close(out_);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

int64_t Int(simdjson::simdjson_result<simdjson::dom::element> e) {
  int64_t value = -1;
  if (e.get(value) != simdjson::SUCCESS) return -1;
  return value;
}

std::string Text(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view value;
  if (e.get(value) != simdjson::SUCCESS) return "";
  return std::string(value);
}

std::string HelperPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  REQUIRE(srcdir != nullptr);
  return absl::StrCat(srcdir, "/mig/modules/memory/testdata_process");
}

// The helper process, holding `marker` across a page boundary, at marker_address.
struct Helper {
  explicit Helper(const std::string& marker, std::vector<std::string> extra_args = {})
      : child(
            [&] {
              std::vector<std::string> argv = {HelperPath(), std::string(marker.rbegin(), marker.rend())};
              for (std::string& a : extra_args) argv.push_back(std::move(a));
              return argv;
            }(),
            {}) {
    std::string line = child.ReadLine();
    REQUIRE(absl::SimpleHexAtoi(line, &marker_address));
  }
  Child child;
  uint64_t marker_address = 0;
};

Search MakeSearch(std::vector<std::string> names, std::vector<std::string> contents, std::vector<std::string> bytes,
                  bool match_all) {
  Search s;
  s.names = std::move(names);
  s.contents = std::move(contents);
  s.bytes = std::move(bytes);
  s.options.match_all = match_all;
  return s;
}

Parameters OneSearch(Search search) {
  Parameters p;
  p.searches.emplace("s1", std::move(search));
  REQUIRE(ValidateParameters(p).ok());
  return p;
}

ScanOptions Only(pid_t pid) {
  ScanOptions options;
  options.only_pids = std::vector<pid_t>{pid};
  return options;
}

// Failures other than mappings skipped for their size (a sanitizer's shadow memory, when tests are built
// with one).
size_t ReadFailures(const ScanOutcome& outcome) {
  size_t skipped = 0;
  for (const std::string& failure : outcome.failures) {
    if (failure.find("larger than") != std::string::npos) ++skipped;
  }
  return outcome.failure_count - skipped;
}

std::vector<pid_t> Pids(const std::vector<MatchedProcess>& processes) {
  std::vector<pid_t> pids;
  for (const MatchedProcess& p : processes) pids.push_back(p.pid);
  return pids;
}

TEST_CASE("Through the registry: -name and -content find the helper, and only it") {
  std::string marker = RandomMarker("mig-memory-test");
  Helper helper(marker);
  const Module* module = FindModule("memory");
  REQUIRE(module != nullptr);
  std::string parameters = absl::StrCat(R"({"searches":{"s1":{"names":["/testdata_process$"],"contents":[")", marker,
                                        R"("],"options":{"matchall":true}},"s2":{"bytes":[")", Hex(marker),
                                        R"("],"names":["/testdata_process$"],"options":{"matchall":true}}}})");
  std::string result = module->Run(parameters, RunContext{});
  absl::StatusOr<ParsedResult> parsed = ParseResult(result);
  REQUIRE(parsed.ok());
  INFO(result);
  CHECK(parsed->success);
  CHECK(parsed->found_anything);
  for (const char* label : {"s1", "s2"}) {
    INFO(label);
    simdjson::dom::array entries;
    REQUIRE(parsed->elements[label].get(entries) == simdjson::SUCCESS);
    REQUIRE(entries.size() == 1);
    simdjson::dom::element entry = *entries.begin();
    CHECK(Int(entry["process"]["pid"]) == helper.child.pid());
    CHECK(Text(entry["process"]["name"]) == ProcessName(helper.child.pid()).value_or("?"));
    CHECK(Text(entry["process"]["name"]).find("/testdata_process") != std::string::npos);
    bool match_all = false;
    CHECK(entry["search"]["options"]["matchall"].get(match_all) == simdjson::SUCCESS);
    CHECK(match_all);
  }
  CHECK(Int(parsed->statistics["totalhits"]) == 2);
  CHECK(Int(parsed->statistics["processcount"]) > 1);
  CHECK(Int(parsed->statistics["memoryread"]) > 0);

  absl::StatusOr<std::string> text = module->Render(result, {.show = Show::kFound});
  REQUIRE(text.ok());
  std::string name = ProcessName(helper.child.pid()).value_or("?");
  CHECK(text->find(absl::StrCat(name, " [pid:", helper.child.pid(), "] in search 's1'\n")) != std::string::npos);
  CHECK(text->find(absl::StrCat(name, " [pid:", helper.child.pid(), "] in search 's2'\n")) != std::string::npos);
  CHECK(text->find("Statistics: ") != std::string::npos);
}

TEST_CASE("Content and bytes are found across chunk boundaries thanks to the overlap, and not without it") {
  std::string marker = RandomMarker("straddling");
  Helper helper(marker);
  const long page = sysconf(_SC_PAGESIZE);
  for (bool use_bytes : {false, true}) {
    INFO((use_bytes ? "bytes" : "content"));
    Parameters p =
        use_bytes ? OneSearch(MakeSearch({}, {}, {Hex(marker)}, true)) : OneSearch(MakeSearch({}, {marker}, {}, true));
    ScanOptions overlapping = Only(helper.child.pid());
    overlapping.walk = {.chunk_size = static_cast<size_t>(page), .overlap = 64};
    ScanOutcome found = Scan(p, RunContext{}, overlapping);
    CHECK(Pids(found.searches[0].processes) == std::vector<pid_t>{helper.child.pid()});

    ScanOptions disjoint = Only(helper.child.pid());
    disjoint.walk = {.chunk_size = static_cast<size_t>(page), .overlap = 1};
    ScanOutcome missed = Scan(p, RunContext{}, disjoint);
    CHECK(missed.searches[0].processes.empty());
    CHECK(missed.memory_read > 0);
  }
}

TEST_CASE("offset and maxlength bound what is read of each process") {
  std::string marker = RandomMarker("bounded");
  Helper helper(marker);
  struct Case {
    uint64_t offset;
    uint64_t max_length;
    bool found;
  };
  const uint64_t at = helper.marker_address;
  const Case cases[] = {
      {0, 0, true},
      {at, 0, true},
      {at + 1, 0, false},  // the only copy starts before the offset
      {at, marker.size(), true},
      {at, marker.size() - 1, false},  // the match must end within maxlength bytes of the offset
      {at - 100, marker.size() + 100, true},
      {at - 100, marker.size() + 99, false},
      {0, 4096, false},
  };
  for (const Case& c : cases) {
    INFO(absl::StrFormat("offset %x maxlength %d", c.offset, c.max_length));
    for (bool use_bytes : {false, true}) {
      Search s = use_bytes ? MakeSearch({}, {}, {Hex(marker)}, true) : MakeSearch({}, {marker}, {}, true);
      s.options.offset = c.offset;
      s.options.max_length = c.max_length;
      ScanOutcome outcome = Scan(OneSearch(s), RunContext{}, Only(helper.child.pid()));
      CHECK(outcome.searches[0].processes.empty() == !c.found);
      if (c.max_length != 0) CHECK(outcome.memory_read <= c.max_length + (1 << 20));
    }
  }
}

TEST_CASE("matchall needs every check; matchany reports each check's processes") {
  std::string marker = RandomMarker("present");
  std::string absent = RandomMarker("absent");
  Helper helper(marker);
  pid_t pid = helper.child.pid();
  struct Case {
    std::vector<std::string> contents;
    bool match_all;
    std::vector<std::vector<pid_t>> per_check;  // matchany: name, then contents
    std::vector<pid_t> all;                     // matchall
  };
  const Case cases[] = {
      {{marker}, true, {}, {pid}},
      {{marker, absent}, true, {}, {}},
      {{marker, absent}, false, {{pid}, {pid}, {}}, {}},
      {{absent}, false, {{pid}, {}}, {}},
  };
  for (const Case& c : cases) {
    INFO((c.match_all ? "matchall " : "matchany ") << c.contents.size() << " contents");
    Parameters p = OneSearch(MakeSearch({"/testdata_process$"}, c.contents, {}, c.match_all));
    ScanOutcome outcome = Scan(p, RunContext{}, Only(pid));
    if (c.match_all) {
      CHECK(Pids(outcome.searches[0].processes) == c.all);
      continue;
    }
    REQUIRE(outcome.searches[0].per_check.size() == c.per_check.size());
    for (size_t i = 0; i < c.per_check.size(); ++i) CHECK(Pids(outcome.searches[0].per_check[i]) == c.per_check[i]);
    // A check that matched nothing still has its line in the results, as MIG writes it.
    std::string json = ResultJson(p, outcome);
    absl::StatusOr<std::string> text = RenderResultText(json, {.show = Show::kAll});
    REQUIRE(text.ok());
    CHECK(text->find(absl::StrCat("[pid:", pid, "] in search 's1' on checks name='/testdata_process$'")) !=
          std::string::npos);
    CHECK(text->find(absl::StrCat("0 match found in search 's1' on checks content='", absent, "'")) !=
          std::string::npos);
  }
}

TEST_CASE("Libraries, and a marker in a dynamic program's environment") {
  std::string marker = RandomMarker("environment");
  Child sleeper({"/bin/sleep", "3600"}, {absl::StrCat("MIG_MEMORY_TEST_MARKER=", marker)});
  // posix_spawn returns once execve succeeded, before ld.so has mapped libc into the new program.
  REQUIRE(sleeper.WaitUntilMapped("/libc"));
  struct Case {
    std::vector<std::string> libraries;
    std::vector<std::string> contents;
    bool found;
  };
  const Case cases[] = {
      {{"/libc[.-]"}, {}, true},
      {{"/libc[.-]"}, {marker}, true},
      {{}, {absl::StrCat("MIG_MEMORY_TEST_MARKER=", marker, "$")}, false},  // $ is the end of a region, not a string
      {{}, {absl::StrCat("(?m)MIG_MEMORY_TEST_MARKER=", marker, "\\x00")}, true},
      {{"no-such-library"}, {marker}, false},
  };
  for (const Case& c : cases) {
    INFO((c.libraries.empty() ? "" : c.libraries[0]) << " " << (c.contents.empty() ? "" : c.contents[0]));
    Search s = MakeSearch({"sleep"}, c.contents, {}, true);
    s.libraries = c.libraries;
    ScanOutcome outcome = Scan(OneSearch(s), RunContext{}, Only(sleeper.pid()));
    CHECK(outcome.searches[0].processes.empty() == !c.found);
  }
}

TEST_CASE("A process that exits during the scan is counted as gone, and the scan goes on") {
  std::string marker = RandomMarker("exiting");
  Helper exiting(marker);
  Helper staying(marker);
  Search search = MakeSearch({}, {marker}, {}, true);
  search.options.log_failures = true;
  Parameters p = OneSearch(search);
  ScanOptions options;
  options.only_pids = std::vector<pid_t>{exiting.child.pid(), staying.child.pid()};
  options.walk = {.chunk_size = 4096, .overlap = 64};
  pid_t exiting_pid = exiting.child.pid();
  options.before_window = [&](pid_t pid, const Window&) {
    if (pid == exiting_pid) exiting.child.Kill();
  };
  ScanOutcome outcome = Scan(p, RunContext{}, options);
  CHECK(outcome.processes_gone == 1);
  CHECK(ReadFailures(outcome) == 0);
  CHECK(Pids(outcome.searches[0].processes) == std::vector<pid_t>{staying.child.pid()});
  CHECK(outcome.process_count == 2);

  // Gone before it is looked at: counted, neither inspected nor a failure.
  ScanOutcome again = Scan(p, RunContext{}, Only(exiting_pid));
  CHECK(again.processes_gone == 1);
  CHECK(again.process_count == 0);
  CHECK(again.failure_count == 0);
}

TEST_CASE("Unreadable regions are counted, listed with logfailures, and never fatal") {
  std::string marker = RandomMarker("failing");
  std::string file = TempPath("mig-memory-short-file");
  Helper helper(marker, {file});
  for (bool log_failures : {false, true}) {
    Search s = MakeSearch({}, {marker}, {}, true);
    s.options.log_failures = log_failures;
    s.options.offset = 0;
    Parameters p = OneSearch(s);
    // The marker is searched for everywhere; the mapping past the file's end fails wherever it lies.
    ScanOptions options = Only(helper.child.pid());
    ScanOutcome outcome = Scan(p, RunContext{}, options);
    CHECK(Pids(outcome.searches[0].processes) == std::vector<pid_t>{helper.child.pid()});
    (void)outcome;
    Search absent = MakeSearch({}, {RandomMarker("absent")}, {}, true);
    absent.options.log_failures = log_failures;
    ScanOutcome full = Scan(OneSearch(absent), RunContext{}, options);
    CHECK(full.failure_count >= 1);
    CHECK(full.failures.empty() == !log_failures);
    if (log_failures) {
      // Built with a sanitizer the helper also has shadow memory, skipped and listed too.
      bool file_listed = false;
      for (const std::string& failure : full.failures) {
        file_listed = file_listed || (failure.find(absl::StrCat("process ", helper.child.pid())) == 0 &&
                                      failure.find(file) != std::string::npos);
      }
      CHECK(file_listed);
    }
    std::string json = ResultJson(OneSearch(absent), full);
    absl::StatusOr<ParsedResult> parsed = ParseResult(json);
    REQUIRE(parsed.ok());
    CHECK(parsed->success);
  }
  unlink(file.c_str());
}

TEST_CASE("A scan stops at its deadline or when cancelled, and says its results are incomplete") {
  Parameters p = OneSearch(MakeSearch({}, {RandomMarker("never")}, {}, false));
  RunContext past;
  past.deadline = absl::Now() - absl::Seconds(1);
  ScanOutcome late = Scan(p, past);
  CHECK(late.incomplete);
  REQUIRE(late.errors.size() == 1);
  CHECK(late.errors[0].find("deadline") != std::string::npos);

  std::atomic<bool> cancelled{true};
  RunContext stopped;
  stopped.cancelled = &cancelled;
  ScanOutcome cancel = Scan(p, stopped);
  CHECK(cancel.incomplete);
  REQUIRE(cancel.errors.size() == 1);
  CHECK(cancel.errors[0].find("cancelled") != std::string::npos);
  std::string json = ResultJson(p, cancel);
  CHECK(ParseResult(json)->success);
}

TEST_CASE("This process is skipped: it holds the patterns it searches for") {
  std::string marker = RandomMarker("self");
  Parameters p = OneSearch(MakeSearch({}, {marker}, {}, true));
  ScanOutcome skipped = Scan(p, RunContext{}, Only(getpid()));
  CHECK(skipped.searches[0].processes.empty());
  CHECK(skipped.process_count == 0);
  ScanOptions include_self = Only(getpid());
  include_self.skip_self = false;
  ScanOutcome found = Scan(p, RunContext{}, include_self);
  CHECK(Pids(found.searches[0].processes) == std::vector<pid_t>{getpid()});
}

TEST_CASE("Invalid parameters give a failed result naming the value") {
  const Module* module = FindModule("memory");
  REQUIRE(module != nullptr);
  std::string result = module->Run(R"({"searches":{"s1":{"bytes":["xyz"]}}})", RunContext{});
  absl::StatusOr<ParsedResult> parsed = ParseResult(result);
  REQUIRE(parsed.ok());
  CHECK_FALSE(parsed->success);
  REQUIRE(parsed->errors.size() == 1);
  CHECK(parsed->errors[0].find("'xyz'") != std::string::npos);
}

}  // namespace
}  // namespace mig::modules::memory
