#include "modules/scribe/evr/differential_testing.h"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"

namespace mig::modules::scribe::testing {
namespace {

constexpr char kDpkgStatus[] = "/var/lib/dpkg/status";
constexpr char kAptLists[] = "/var/lib/apt/lists";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The values of "Version:" fields, and the versions of "Source: name (version)" fields, of a control file.
void CollectVersions(std::string_view control, std::vector<std::string>* versions) {
  for (std::string_view line : absl::StrSplit(control, '\n')) {
    if (absl::ConsumePrefix(&line, "Version:")) {
      std::string_view version = absl::StripAsciiWhitespace(line);
      if (!version.empty()) versions->emplace_back(version);
    } else if (absl::ConsumePrefix(&line, "Source:")) {
      size_t open = line.find('(');
      size_t close = line.rfind(')');
      if (open != std::string_view::npos && close != std::string_view::npos && open < close) {
        std::string_view version = absl::StripAsciiWhitespace(line.substr(open + 1, close - open - 1));
        if (!version.empty()) versions->emplace_back(version);
      }
    }
  }
}

// [begin, end) of each run of digits.
std::vector<std::pair<size_t, size_t>> DigitRuns(std::string_view s) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < s.size();) {
    if (!IsDigit(s[i])) {
      ++i;
      continue;
    }
    size_t begin = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    runs.emplace_back(begin, i);
  }
  return runs;
}

std::vector<size_t> PositionsOf(std::string_view s, bool (*wanted)(char)) {
  std::vector<size_t> positions;
  for (size_t i = 0; i < s.size(); ++i) {
    if (wanted(s[i])) positions.push_back(i);
  }
  return positions;
}

std::string Increment(std::string digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return digits;
    }
    digits[i] = '0';
  }
  return "1" + digits;
}

// digits - 1, or digits itself when it is zero.
std::string Decrement(std::string digits) {
  if (std::all_of(digits.begin(), digits.end(), [](char c) { return c == '0'; })) return digits;
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '0') {
      --digits[i];
      return digits;
    }
    digits[i] = '9';
  }
  return digits;
}

std::string LongNumber(Random& random) {
  std::string digits(20 + random.Below(12), '0');
  for (char& c : digits) c = static_cast<char>('0' + random.Below(10));
  digits[0] = static_cast<char>('1' + random.Below(9));
  return digits;
}

// Where the epoch ends (just past its colon) when `version` has one of digits; 0 otherwise.
size_t EpochEnd(std::string_view version) {
  size_t i = 0;
  while (i < version.size() && IsDigit(version[i])) ++i;
  return i > 0 && i < version.size() && version[i] == ':' ? i + 1 : 0;
}

// A spelling of `version` that both dpkg and rpm (with our release rule) read as the same version.
std::string EqualSpelling(std::string_view version, VersionScheme scheme, Random& random) {
  std::string v(version);
  std::vector<std::pair<size_t, size_t>> runs = DigitRuns(v);
  switch (random.Below(4)) {
    case 0:
      if (v.find(':') == std::string::npos) return "0:" + v;
      return v;
    case 1:
      if (!runs.empty()) {
        size_t at = random.Pick(runs).first;
        v.insert(at, std::string(1 + random.Below(3), '0'));
      }
      return v;
    case 2:
      if (v.find('-') == std::string::npos) return v + "-0";
      return v;
    default:
      if (scheme == VersionScheme::kRpm) {
        // rpm skips any separator.
        std::replace(v.begin(), v.end(), '.', '_');
      } else if (EpochEnd(v) > 0 && v.compare(0, 2, "0:") != 0) {
        v.insert(0, "0");
      }
      return v;
  }
}

}  // namespace

namespace {

std::vector<std::string> ReadHostPackageVersions() {
  std::vector<std::string> versions;
  {
    std::ifstream status(kDpkgStatus, std::ios::binary);
    if (!status) FAIL("cannot read " << kDpkgStatus << ": this test compares with the real dpkg of a Debian host");
    std::stringstream text;
    text << status.rdbuf();
    CollectVersions(text.str(), &versions);
  }
  size_t from_status = versions.size();

  std::vector<std::string> lists;
  if (DIR* dir = opendir(kAptLists)) {
    while (dirent* entry = readdir(dir)) {
      if (absl::EndsWith(entry->d_name, "_Packages.lz4")) lists.push_back(absl::StrCat(kAptLists, "/", entry->d_name));
    }
    closedir(dir);
  }
  std::sort(lists.begin(), lists.end());
  if (lists.empty()) {
    FAIL("no " << kAptLists
               << "/*_Packages.lz4: run `apt-get update` (this test needs the apt lists of a Debian "
                  "host)");
  }
  std::string lz4cat = FindToolOrFail("lz4cat");
  for (const std::string& list : lists) {
    ToolRun run = RunTool({lz4cat, list}, Capture::kStdout);
    if (run.exit_code != 0) FAIL("lz4cat " << list << " failed (exit " << run.exit_code << ")");
    CollectVersions(run.output, &versions);
  }
  if (from_status == 0 || versions.size() == from_status) {
    FAIL("no versions in " << kDpkgStatus << " (" << from_status << ") or in the apt lists");
  }
  std::sort(versions.begin(), versions.end());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  return versions;
}

}  // namespace

std::vector<std::string> HostPackageVersions() {
  // Read once per test binary (the lists are tens of MiB); a failure fails every caller.
  static const std::vector<std::string>* const kVersions = new std::vector<std::string>(ReadHostPackageVersions());
  return *kVersions;
}

std::string MutateVersion(std::string_view version, VersionScheme scheme, Random& random) {
  if (version.empty()) return "0";
  std::string v(version);
  std::vector<std::pair<size_t, size_t>> runs = DigitRuns(v);
  bool rpm = scheme == VersionScheme::kRpm;
  switch (random.Below(13)) {
    case 0: {  // a suffix
      static const std::vector<std::string> kSuffixes = {"~rc1", "~", "+b1", ".1", "-1", "a", "~~", "+", "0", ".0"};
      static const std::vector<std::string> kRpmSuffixes = {"^git1", "^", "~rc1^1", "^~", "^20240101"};
      return v + (rpm && random.OneIn(2) ? random.Pick(kRpmSuffixes) : random.Pick(kSuffixes));
    }
    case 1: {  // a digit run bumped
      if (runs.empty()) return v + "1";
      auto [begin, end] = random.Pick(runs);
      return v.replace(begin, end - begin, Increment(v.substr(begin, end - begin)));
    }
    case 2: {  // lowered
      if (runs.empty()) return v + "0";
      auto [begin, end] = random.Pick(runs);
      return v.replace(begin, end - begin, Decrement(v.substr(begin, end - begin)));
    }
    case 3: {  // zero-padded
      if (runs.empty()) return v + "00";
      size_t at = random.Pick(runs).first;
      return v.insert(at, std::string(1 + random.Below(3), '0'));
    }
    case 4: {  // stripped of its leading zeros, or zeroed
      if (runs.empty()) return "0" + v;
      auto [begin, end] = random.Pick(runs);
      size_t zeros = 0;
      while (begin + zeros + 1 < end && v[begin + zeros] == '0') ++zeros;
      if (zeros > 0) return v.erase(begin, zeros);
      return v.replace(begin, end - begin, std::string(end - begin, '0'));
    }
    case 5: {  // an epoch added, changed or removed
      size_t epoch_end = EpochEnd(v);
      if (epoch_end == 0) return absl::StrCat(random.Below(3), ":", v);
      if (random.OneIn(2)) return v.substr(epoch_end);
      return Increment(v.substr(0, epoch_end - 1)) + v.substr(epoch_end - 1);
    }
    case 6: {  // the revision dropped (or a zero one added)
      size_t hyphen = v.rfind('-');
      if (hyphen == std::string::npos) return v + "-0";
      return v.substr(0, hyphen);
    }
    case 7: {  // a letter's case swapped
      std::vector<size_t> letters = PositionsOf(v, IsAlpha);
      if (letters.empty()) return v + "a";
      size_t at = random.Pick(letters);
      v[at] = static_cast<char>(v[at] ^ 0x20);
      return v;
    }
    case 8: {  // a separator changed
      std::vector<size_t> separators =
          PositionsOf(v, [](char c) { return c == '.' || c == '+' || c == '~' || c == '^' || c == '_'; });
      if (separators.empty()) return v + ".";
      static const std::string kDpkgSeparators = ".+~";
      static const std::string kRpmSeparators = ".+~^_";
      const std::string& choices = rpm ? kRpmSeparators : kDpkgSeparators;
      size_t at = random.Pick(separators);
      v[at] = choices[random.Below(choices.size())];
      return v;
    }
    case 9: {  // a '~' (or for rpm a '^') inserted
      size_t at = 1 + random.Below(v.size());
      return v.insert(at, rpm && random.OneIn(2) ? "^" : "~");
    }
    case 10:  // cut short
      return v.substr(0, 1 + random.Below(v.size()));
    case 11: {  // a byte above 0x7f, or a plain letter
      size_t at = 1 + random.Below(v.size());
      return v.insert(at, random.OneIn(3) ? "\xc3\xa9" : "b");
    }
    default: {  // a very long digit run
      if (runs.empty() || random.OneIn(3)) return absl::StrCat(v, ".", LongNumber(random));
      auto [begin, end] = random.Pick(runs);
      return v.replace(begin, end - begin, LongNumber(random));
    }
  }
}

std::string DamageVersion(std::string_view version, Random& random) {
  if (version.empty()) return " ";
  std::string v(version);
  size_t epoch_end = EpochEnd(v);
  std::string_view without_epoch = std::string_view(v).substr(epoch_end);
  switch (random.Below(15)) {
    case 0: {  // an embedded blank
      size_t at = 1 + random.Below(v.size());
      return v.insert(at, random.OneIn(2) ? " " : "\t");
    }
    case 1:  // an empty epoch
      return absl::StrCat(":", without_epoch);
    case 2:  // an epoch without digits
      return absl::StrCat(random.OneIn(2) ? "a:" : "x1:", without_epoch);
    case 3:  // an epoch that is not a number
      return absl::StrCat("1a:", without_epoch);
    case 4:  // a negative epoch (after a blank: dpkg would take "-1:..." for an option)
      return absl::StrCat(" -1:", without_epoch);
    case 5: {  // epochs around INT_MAX, and one with many zeros
      static const std::vector<std::string> kEpochs = {
          "2147483648:", "99999999999999999999:", "2147483647:", "4294967296:", "0000000000000000000001:"};
      return absl::StrCat(random.Pick(kEpochs), without_epoch);
    }
    case 6:  // an empty revision
      return v + "-";
    case 7:  // nothing after the colon
      return epoch_end > 0 ? v.substr(0, epoch_end) : "1:";
    case 8:  // an empty upstream version
      return absl::StrCat("1:-", without_epoch);
    case 9:  // blanks around it (valid)
      return " " + v + "\t ";
    case 10:  // epochs strtol() reads with a sign (valid)
      return absl::StrCat(random.OneIn(2) ? "+1:" : " -0:", without_epoch);
    case 11:  // a colon after the first one, or with no number before it
      return v + ":1";
    case 12:  // an empty upstream version, or a negative epoch
      return " -" + v;
    case 13:  // a trailing blank (valid), or trailing garbage
      return v + (random.OneIn(2) ? " " : " x");
    default:
      return v;
  }
}

std::vector<VersionPair> MakeVersionPairs(const std::vector<std::string>& versions, size_t count, VersionScheme scheme,
                                          Random& random) {
  REQUIRE(versions.size() >= 2);
  // dpkg would read a leading '-' as an option.
  auto usable = [scheme](const std::string& v) { return CheckVersion(v, scheme).ok() && v[0] != '-'; };
  std::vector<VersionPair> pairs;
  pairs.reserve(count);
  size_t attempts = 0;
  while (pairs.size() < count) {
    REQUIRE(++attempts < 100 * count);
    const std::string& v = random.Pick(versions);
    VersionPair pair;
    switch (pairs.size() % 10) {
      case 0:  // far apart
        pair = {v, random.Pick(versions)};
        break;
      case 1: {  // neighbours in byte order: mostly versions of one package
        size_t i = random.Below(versions.size() - 1);
        pair = {versions[i], versions[i + 1]};
        break;
      }
      case 2:
      case 3:
      case 4:
      case 5:  // a version and a variation of it
        pair = {v, MutateVersion(v, scheme, random)};
        break;
      case 6:
      case 7:  // two variations of one version
        pair = {MutateVersion(v, scheme, random), MutateVersion(v, scheme, random)};
        break;
      case 8: {  // a variation and a variation of it
        std::string once = MutateVersion(v, scheme, random);
        pair = {once, MutateVersion(once, scheme, random)};
        break;
      }
      default:  // equal spellings
        pair = {v, EqualSpelling(v, scheme, random)};
        break;
    }
    // Identical strings prove nothing that the unit tests do not.
    if (pair.a == pair.b || !usable(pair.a) || !usable(pair.b)) continue;
    if (random.OneIn(2)) std::swap(pair.a, pair.b);
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

std::string FindToolOrFail(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string dirs = absl::StrCat(path != nullptr ? path : "", ":/usr/bin:/bin");
  for (std::string_view dir : absl::StrSplit(dirs, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  FAIL(name << " is not installed (searched " << dirs
            << "): this test compares with the real tool of a Debian 12 host; run tools/setup.sh");
  return "";
}

ToolRun RunTool(const std::vector<std::string>& argv, Capture capture) {
  ToolRun run;
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  char locale[] = "LC_ALL=C";
  char path[] = "PATH=/usr/bin:/bin";
  char home[] = "HOME=/tmp";
  char* env[] = {locale, path, home, nullptr};

  // Close-on-exec, so that a tool started by another thread meanwhile does not hold the write end open.
  int pipe_fds[2] = {-1, -1};
  if (capture != Capture::kNothing && pipe2(pipe_fds, O_CLOEXEC) != 0) {
    run.output = absl::StrCat("pipe: ", strerror(errno));
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  for (int fd : {1, 2}) {
    bool captured = (fd == 1 && capture == Capture::kStdout) || (fd == 2 && capture == Capture::kStderr);
    if (captured) {
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], fd);
    } else {
      posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0);
    }
  }
  pid_t pid = 0;
  int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);
  if (error != 0) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    run.output = absl::StrCat("cannot start ", argv[0], ": ", strerror(error));
    return run;
  }
  if (pipe_fds[0] >= 0) {
    char buffer[1 << 16];
    while (true) {
      ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      run.output.append(buffer, static_cast<size_t>(n));
    }
    close(pipe_fds[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) fn(i);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
}

}  // namespace mig::modules::scribe::testing
