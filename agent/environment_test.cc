// The heartbeat's environment, from this host, compared with what the host's own tools say.
#include "agent/environment.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "agent/state_directory/release_records.h"
#include "agent/state_directory/state_directory.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "protocol/release/manifest.h"
#include "test/shell.h"

namespace mig::agent {
namespace {

using ::mig::test::Shell;

std::string Trimmed(const std::string& text) { return std::string(absl::StripAsciiWhitespace(text)); }

TEST_CASE("The environment is this host's: os-release, uname, PID 1, addresses") {
  Environment environment = ReadEnvironment();
  CHECK(environment.os == "linux");
  CHECK(environment.arch == Trimmed(Shell("uname -m")));
  CHECK(environment.kernel == Trimmed(Shell("uname -r")));
  CHECK(environment.hostname == Trimmed(Shell("uname -n")));
  CHECK(environment.ident == Trimmed(Shell(". /etc/os-release && echo \"$PRETTY_NAME\"")));
  CHECK(environment.release == Trimmed(Shell(". /etc/os-release && echo \"$VERSION_ID\"")));
  CHECK_FALSE(environment.init.empty());
  // Every global address `ip` lists is there (the sandbox may have none but loopback).
  std::string ip = Shell("ip -o addr show scope global 2>/dev/null | awk '{print $4}'");
  for (std::string_view line : absl::StrSplit(ip, '\n', absl::SkipEmpty())) {
    INFO(line);
    CHECK(std::find(environment.addresses.begin(), environment.addresses.end(), std::string(line)) !=
          environment.addresses.end());
  }
  std::string json = EnvironmentJson(environment);
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> document = json::JsonDocument::Parse(json, "environment");
  REQUIRE(document.ok());
  std::string_view arch;
  REQUIRE((*document)->root()["arch"].get(arch) == simdjson::SUCCESS);
  CHECK(arch == environment.arch);
}

TEST_CASE("os-release and the init system are read under another root") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string root = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/envroot");
  Shell(absl::StrCat("rm -rf ", root, " && mkdir -p ", root, "/etc ", root, "/proc/1"));
  Shell(absl::StrCat("printf 'NAME=Test\\nPRETTY_NAME=\"Test Linux 9\"\\nVERSION_ID=\"9.3\"\\n' > ", root,
                     "/etc/os-release && echo systemd > ", root, "/proc/1/comm"));
  Environment environment = ReadEnvironment({.root = root});
  CHECK(environment.ident == "Test Linux 9");
  CHECK(environment.release == "9.3");
  CHECK(environment.init == "systemd");
}

TEST_CASE("The loader's records become migrelease and migreleasefailed") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string state = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/envstate");
  Shell(absl::StrCat("rm -rf ", state, " && mkdir -p ", state, "/loader"));
  std::string none = EnvironmentJson(ReadEnvironment({.state_dir = state}));
  CHECK(none.find("migrelease") == std::string::npos);

  release::Manifest installed;
  installed.version = "0.2.0";
  installed.created = absl::FromUnixSeconds(1800000000);
  installed.expires = installed.created + absl::Hours(24);
  installed.files.push_back({.name = "mig-0.2.0", .size = 10});
  const state_directory::StateDirectory paths(state);
  Shell(absl::StrCat("cat > ", paths.installed_release_file(), " <<'EOF'\n", release::ManifestToJson(installed),
                     "\nEOF"));
  REQUIRE(
      state_directory::WriteFailedRelease(paths, {.version = "0.3.0", .sha256 = "ab", .reason = "it exited\nlog lines"})
          .ok());
  Environment environment = ReadEnvironment({.state_dir = state});
  CHECK(environment.mig_release == "0.2.0");
  CHECK(environment.mig_release_failed == "0.3.0: it exited");
  std::string json = EnvironmentJson(environment);
  CHECK(json.find("\"migrelease\":\"0.2.0\",\"migreleasefailed\":\"0.3.0: it exited\"") != std::string::npos);
}

}  // namespace
}  // namespace mig::agent
