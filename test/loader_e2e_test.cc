// The loader against real processes in a temporary root (standing in for /usr/local/sbin, /etc/cron.d,
// /var/lib/mig): `mig loader --install` installs and starts the agent; releases made with `mig release
// create|sign` are installed or refused by the installed binary itself, as cron runs it; a release that does
// not start is rolled back; the loader is SIGKILLed after each step of a swap and the next run recovers; the
// HTTPS source is a TLS server on loopback with a test CA.
//
// The agents' relay is unreachable (localhost:1): they stay up, reconnecting, so "healthy" is the settle
// rule (service.h); the heartbeat rule is the same code path with another predicate.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/state_directory/agent_status.h"
#include "agent/state_directory/state_directory.h"
#include "base/amqp/testing/test_broker.h"
#include "base/http/server.h"
#include "catch2/catch.hpp"
#include "crypto/digest.h"
#include "crypto/key_file.h"
#include "protocol/release/manifest.h"
#include "test/cli_harness.h"

namespace mig::test {
namespace {

std::string Cwd() {
  char buffer[4096];
  REQUIRE(getcwd(buffer, sizeof(buffer)) != nullptr);
  return buffer;
}

std::string Sha256(const std::string& path) {
  return crypto::ComputeDigest(crypto::DigestAlgorithm::kSha256, ReadFile(path)).ToHex();
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::string Exe(int pid) {
  char target[4096];
  ssize_t n = readlink(absl::StrCat("/proc/", pid, "/exe").c_str(), target, sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : "";
}

bool Alive(int pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Where the agent's relay and the releases are, when not the defaults (an unreachable relay, a file:// source).
struct HostSetup {
  std::string source_url;
  std::string relay = "amqp://agent1:secret@localhost:1/";
  std::string certs;  // the [certs] section's lines
};

// One host: a root with an installed agent, a release directory, three release keys of which two must sign.
class Host {
 public:
  explicit Host(HostSetup setup = {}) {
    std::string source_url = setup.source_url;
    dir_ = TempDir();
    root_ = dir_ + "/root";
    releases_ = dir_ + "/releases";
    REQUIRE(system(absl::StrCat("mkdir -p ", root_, "/etc/cron.d ", releases_).c_str()) == 0);
    std::string keys;
    for (const char* name : {"r1", "r2", "r3", "stranger"}) {
      Result made = Mig(absl::StrCat("key generate --name ", name, " --out ", dir_, "/", name, ".key --no-passphrase"));
      REQUIRE(made.exit_code == 0);
      if (std::string(name) != "stranger")
        absl::StrAppend(
            &keys, "    releasekey = ", absl::StripAsciiWhitespace(made.out.substr(made.out.find("ed25519:"))), "\n");
    }
    if (source_url.empty()) source_url = absl::StrCat("file://", releases_, "/");
    config_ = dir_ + "/agent.conf";
    WriteFile(config_, absl::StrCat("[agent]\n"
                                    "    relay = ",
                                    setup.relay,
                                    "\n"
                                    "    statedir = ",
                                    state(),
                                    "\n"
                                    "    heartbeatfreq = 2s\n",
                                    setup.certs.empty() ? "" : absl::StrCat("[certs]\n", setup.certs),
                                    "[loader]\n"
                                    "    source = ",
                                    source_url, "\n", keys, "    threshold = 2\n"));
  }

  ~Host() {
    // Whatever a test left running goes.
    int pid = AgentPid();
    if (pid > 0) kill(pid, SIGKILL);
  }

  std::string state() const { return root_ + "/var/lib/mig"; }
  std::string binary() const { return root_ + "/usr/local/sbin/mig"; }
  const std::string& dir() const { return dir_; }
  const std::string& releases() const { return releases_; }
  const std::string& config() const { return config_; }

  Result Install() {
    return Mig(absl::StrCat("--config ", config_, " loader --install --root ", root_,
                            " --health-settle 1s --health-timeout 20s"));
  }

  // What cron runs, as the installed cron file says (its output captured rather than appended to the
  // log). `crash_at`: the step after which the loader SIGKILLs itself.
  Result Loader(const std::string& crash_at = "") {
    std::string cron = ReadFile(root_ + "/etc/cron.d/mig");
    size_t line = cron.find("-59/10 * * * * root ");
    REQUIRE(line != std::string::npos);
    std::string command = cron.substr(line + strlen("-59/10 * * * * root "));
    command = command.substr(0, command.find(" >>"));
    std::string env = crash_at.empty() ? "" : absl::StrCat("MIG_LOADER_CRASH_AT=", crash_at, " ");
    return Run(absl::StrCat("env ", env, command));
  }

  // The agent's pid from its status file (0 when there is none or it does not run).
  int AgentPid() const {
    absl::StatusOr<std::optional<state_directory::AgentStatus>> status =
        state_directory::ReadAgentStatus(state_directory::StateDirectory(state()));
    if (!status.ok() || !status->has_value() || !Alive((*status)->pid)) return 0;
    return (*status)->pid;
  }

  // The agent runs, from the installed binary as it is now (not a replaced one).
  void CheckAgentRunsInstalledBinary() {
    int pid = AgentPid();
    REQUIRE(pid > 0);
    CHECK(Exe(pid) == binary());
  }

  std::optional<state_directory::AgentStatus> Status() const {
    absl::StatusOr<std::optional<state_directory::AgentStatus>> status =
        state_directory::ReadAgentStatus(state_directory::StateDirectory(state()));
    REQUIRE(status.ok());
    return *status;
  }

  std::optional<std::string> InstalledVersion() const {
    std::string text = ReadFile(state_directory::StateDirectory(state()).installed_release_file());
    if (text.empty()) return std::nullopt;
    absl::StatusOr<release::Manifest> m = release::ParseManifest(text);
    REQUIRE(m.ok());
    return m->version;
  }

  // A release of `binary` as `version`, signed by `signers` with `mig release create|sign`.
  void Publish(const std::string& binary, const std::string& version, const std::vector<std::string>& signers) {
    REQUIRE(system(absl::StrCat("rm -rf ", releases_, "/*").c_str()) == 0);
    Result created =
        Mig(absl::StrCat("release create --binary ", binary, " --version ", version, " --out ", releases_));
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    for (const std::string& signer : signers) {
      Result signed_ =
          Mig(absl::StrCat("release sign -i ", releases_, "/manifest.json --key ", dir_, "/", signer, ".key"));
      INFO(signed_.err);
      REQUIRE(signed_.exit_code == 0);
    }
  }

  release::Manifest ReadManifest() {
    absl::StatusOr<release::Manifest> m = release::ParseManifest(ReadFile(releases_ + "/manifest.json"));
    REQUIRE(m.ok());
    return *m;
  }

  // Rewrites the published manifest with `change` applied, signed afresh by `signers` (so that only the
  // change is wrong, not the signatures).
  template <typename Change>
  void Republish(Change change, const std::vector<std::string>& signers) {
    release::Manifest m = ReadManifest();
    change(m);
    m.signatures.clear();
    for (const std::string& signer : signers) {
      absl::StatusOr<crypto::SecretKeyFile> key = crypto::ReadSecretKeyFile(dir_ + "/" + signer + ".key", std::nullopt);
      REQUIRE(key.ok());
      absl::StatusOr<release::ReleaseSignature> s = release::SignManifest(m, key->key);
      REQUIRE(s.ok());
      m.signatures.push_back(*s);
    }
    WriteFile(releases_ + "/manifest.json", release::ManifestToJson(m));
  }

 private:
  std::string dir_;
  std::string root_;
  std::string releases_;
  std::string config_;
};

// A second build of mig: the same program with bytes appended (ELF ignores them), so its hash differs.
std::string VariantOfMig(const std::string& dir, const std::string& tag) {
  std::string path = absl::StrCat(dir, "/mig-", tag);
  WriteFile(path, ReadFile("./mig") + "\nvariant " + tag + "\n");
  REQUIRE(chmod(path.c_str(), 0755) == 0);
  return path;
}

// An ELF binary that is not an agent: it exits at once with status 1.
std::string BinaryThatDoesNotStart(const std::string& dir) {
  std::string path = dir + "/false";
  WriteFile(path, ReadFile("/bin/false"));
  REQUIRE(chmod(path.c_str(), 0755) == 0);
  return path;
}

TEST_CASE("install, update to a good release, and refuse everything that is not one") {
  Host host;
  Result installed = host.Install();
  INFO(installed.out << installed.err);
  REQUIRE(installed.exit_code == 0);
  CHECK(absl::StrContains(installed.out, "wrote " + host.dir() + "/root/etc/cron.d/mig"));
  CHECK(absl::StrContains(ReadFile(host.dir() + "/root/etc/cron.d/mig"), host.binary() + " --config "));
  host.CheckAgentRunsInstalledBinary();
  std::string original = Sha256(host.binary());
  CHECK(original == Sha256("./mig"));

  // Up to date when the source offers nothing newer; nothing runs twice.
  int first_pid = host.AgentPid();
  std::string v2 = VariantOfMig(host.dir(), "0.2.0");
  host.Publish(v2, "0.2.0", {"r1", "r2"});
  Result updated = host.Loader();
  INFO(updated.err);
  REQUIRE(updated.exit_code == 0);
  CHECK(absl::StrContains(updated.err, "updated from 0.1.0-dev to 0.2.0"));
  CHECK(Sha256(host.binary()) == Sha256(v2));
  CHECK(Sha256(host.binary() + ".old") == original);
  CHECK(host.InstalledVersion() == "0.2.0");
  CHECK_FALSE(Exists(host.binary() + ".new"));
  CHECK_FALSE(Exists(host.state() + "/loader/journal.json"));
  CHECK(host.AgentPid() != first_pid);
  host.CheckAgentRunsInstalledBinary();

  Result again = host.Loader();
  CHECK(again.exit_code == 0);
  CHECK(absl::StrContains(again.err, "up to date: 0.2.0"));

  // Each bad release leaves 0.2.0 and its agent exactly as they were.
  std::string v3 = VariantOfMig(host.dir(), "0.3.0");
  struct Bad {
    std::string name;
    std::function<void()> publish;
    int exit_code;
    std::string message;
  };
  std::vector<Bad> bad = {
      {"too few signatures", [&] { host.Publish(v3, "0.3.0", {"r1"}); }, 1,
       "1 valid signature by distinct release keys, 2 needed"},
      {"a duplicated signer",
       [&] {
         host.Publish(v3, "0.3.0", {"r1"});
         host.Republish([](release::Manifest&) {}, {"r1", "r1"});
       },
       1, "signed twice"},
      {"an unknown key",
       [&] {
         host.Publish(v3, "0.3.0", {"r1", "stranger"});
       },
       1, "is not a release key"},
      {"an expired manifest",
       [&] {
         host.Publish(v3, "0.3.0", {"r1"});
         host.Republish(
             [](release::Manifest& m) {
               m.created = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(48)));
               m.expires = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
             },
             {"r1", "r2"});
       },
       1, "expired"},
      {"an older version",
       [&] {
         host.Publish(VariantOfMig(host.dir(), "0.1.5"), "0.1.5", {"r1", "r2"});
       },
       0, "the source offers 0.1.5, older, which is not installed"},
      {"a wrong hash",
       [&] {
         host.Publish(v3, "0.3.0", {"r1"});
         host.Republish([](release::Manifest& m) { m.files[0].sha256[0] ^= 1; }, {"r1", "r2"});
       },
       1, "SHA-256"},
      {"a truncated binary",
       [&] {
         host.Publish(v3, "0.3.0", {"r1", "r2"});
         std::string path = host.releases() + "/" + host.ReadManifest().files[0].name;
         REQUIRE(truncate(path.c_str(), 1 << 20) == 0);
       },
       1, "short download"},
      {"a tampered binary of the right size",
       [&] {
         host.Publish(v3, "0.3.0", {"r1", "r2"});
         std::string path = host.releases() + "/" + host.ReadManifest().files[0].name;
         std::string bytes = ReadFile(path);
         bytes[bytes.size() / 2] ^= 0x40;
         WriteFile(path, bytes);
       },
       1, "SHA-256"},
  };
  // In turn, not as sections: each refusal must leave the host exactly as it was, which the next one
  // relies on (and a section would reinstall everything for each).
  for (const Bad& b : bad) {
    {
      INFO(b.name);
      int pid = host.AgentPid();
      b.publish();
      Result refused = host.Loader();
      INFO(refused.err);
      CHECK(refused.exit_code == b.exit_code);
      CHECK(absl::StrContains(refused.err, b.message));
      CHECK(Sha256(host.binary()) == Sha256(v2));
      CHECK(host.InstalledVersion() == "0.2.0");
      CHECK(host.AgentPid() == pid);
      CHECK_FALSE(Exists(host.binary() + ".new"));
    }
  }

  {
    INFO("a binary that does not start is rolled back, and not tried again");
    host.Publish(BinaryThatDoesNotStart(host.dir()), "0.3.0", {"r2", "r3"});
    Result rolled_back = host.Loader();
    INFO(rolled_back.err);
    CHECK(rolled_back.exit_code == 1);
    CHECK(absl::StrContains(rolled_back.err, "the new agent exited with status 1"));
    CHECK(absl::StrContains(rolled_back.err, "rolled back to 0.2.0, which is running again"));
    CHECK(Sha256(host.binary()) == Sha256(v2));
    CHECK(host.InstalledVersion() == "0.2.0");
    host.CheckAgentRunsInstalledBinary();
    CHECK(absl::StrContains(ReadFile(host.state() + "/loader/failed.json"), "\"version\": \"0.3.0\""));

    Result not_again = host.Loader();
    CHECK(not_again.exit_code == 1);
    CHECK(absl::StrContains(not_again.err, "release 0.3.0 failed here before"));
    // A newer good release is installed after all.
    host.Publish(v3, "0.3.1", {"r1", "r3"});
    Result fixed = host.Loader();
    INFO(fixed.err);
    CHECK(fixed.exit_code == 0);
    CHECK(host.InstalledVersion() == "0.3.1");
    CHECK_FALSE(Exists(host.state() + "/loader/failed.json"));
    host.CheckAgentRunsInstalledBinary();
  }

  {
    INFO("a rollback manifest for exactly the installed version is accepted");
    host.Publish(VariantOfMig(host.dir(), "0.2.9"), "0.2.9", {"r1"});
    host.Republish([](release::Manifest& m) { m.rollback_from = "0.3.1"; }, {"r1", "r3"});
    Result rolled = host.Loader();
    INFO(rolled.err);
    CHECK(rolled.exit_code == 0);
    CHECK(host.InstalledVersion() == "0.2.9");
    // Replayed once 0.2.9 is installed, it no longer applies.
    Result replayed = host.Loader();
    CHECK(replayed.exit_code == 1);
    CHECK(host.InstalledVersion() == "0.2.9");
  }

  Result removed =
      Mig(absl::StrCat("--config ", host.dir(), "/agent.conf loader --uninstall --root ", host.dir(), "/root"));
  INFO(removed.out << removed.err);
  CHECK(removed.exit_code == 0);
  CHECK_FALSE(Exists(host.binary()));
  CHECK_FALSE(Exists(host.binary() + ".old"));
  CHECK_FALSE(Exists(host.dir() + "/root/etc/cron.d/mig"));
  CHECK_FALSE(Exists(host.state()));
  CHECK(host.AgentPid() == 0);
}

// Sanitizer builds make mig a 400 MB binary that every install and update copies several times: there the
// crash points are sampled (the recovery code is the same for all), the static build tries each.
#if defined(MIG_SANITIZERS)
constexpr bool kSanitizers = true;
constexpr const char* kUpdateSteps[] = {"swapped"};
constexpr const char* kRollbackSteps[] = {"restored"};
#else
constexpr bool kSanitizers = false;
constexpr const char* kUpdateSteps[] = {"staged", "journaled", "kept-old", "swapped", "restarted", "recorded"};
constexpr const char* kRollbackSteps[] = {"restarted", "failure-recorded", "restored"};
#endif

TEST_CASE("a loader killed after any step of an update: the next run finishes it") {
  for (const char* step : kUpdateSteps) {
    DYNAMIC_SECTION("killed after " << step) {
      Host host;
      REQUIRE(host.Install().exit_code == 0);
      std::string original = Sha256(host.binary());
      std::string v2 = VariantOfMig(host.dir(), "0.2.0");
      host.Publish(v2, "0.2.0", {"r1", "r3"});
      Result killed = host.Loader(step);
      INFO(killed.err);
      REQUIRE(killed.exit_code == 128 + SIGKILL);
      // Never half a binary: the old one or the new one.
      std::string now = Sha256(host.binary());
      CHECK((now == original || now == Sha256(v2)));

      Result recovered = host.Loader();
      INFO(recovered.err);
      CHECK(recovered.exit_code == 0);
      CHECK(Sha256(host.binary()) == Sha256(v2));
      CHECK(host.InstalledVersion() == "0.2.0");
      CHECK_FALSE(Exists(host.binary() + ".new"));
      CHECK_FALSE(Exists(host.state() + "/loader/journal.json"));
      host.CheckAgentRunsInstalledBinary();
    }
  }
}

TEST_CASE("a loader killed while rolling back: the next run finishes the rollback") {
  for (const char* step : kRollbackSteps) {
    DYNAMIC_SECTION("killed after " << step) {
      Host host;
      REQUIRE(host.Install().exit_code == 0);
      std::string original = Sha256(host.binary());
      host.Publish(BinaryThatDoesNotStart(host.dir()), "0.2.0", {"r1", "r2"});
      Result killed = host.Loader(step);
      INFO(killed.err);
      REQUIRE(killed.exit_code == 128 + SIGKILL);

      Result recovered = host.Loader();
      INFO(recovered.err);
      CHECK(recovered.exit_code == 1);
      CHECK(Sha256(host.binary()) == original);
      CHECK_FALSE(host.InstalledVersion().has_value());
      CHECK(absl::StrContains(ReadFile(host.state() + "/loader/failed.json"), "\"version\": \"0.2.0\""));
      CHECK_FALSE(Exists(host.state() + "/loader/journal.json"));
      host.CheckAgentRunsInstalledBinary();
    }
  }
}

TEST_CASE("a disk too full for the new binary: refused, the old binary and agent untouched") {
  if (kSanitizers) {
    WARN("skipped in sanitizer builds: each install and update there copies and hashes a 400 MB mig");
    return;
  }
  Host host;
  // The binary's directory on a tmpfs with room for one binary and a half: the release cannot be staged.
  std::string sbin = host.dir() + "/root/usr/local/sbin";
  REQUIRE(system(absl::StrCat("mkdir -p ", sbin).c_str()) == 0);
  uint64_t binary_size = ReadFile("./mig").size();
  if (system(absl::StrCat("mount -t tmpfs -o size=", binary_size * 3 / 2, " tmpfs ", sbin, " 2>/dev/null").c_str()) !=
      0) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk case is not run");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { (void)system(absl::StrCat("umount -l ", path).c_str()); }
  } unmount{sbin};
  Result installed = host.Install();
  INFO(installed.out << installed.err);
  REQUIRE(installed.exit_code == 0);
  std::string original = Sha256(host.binary());
  int pid = host.AgentPid();
  host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1", "r2"});
  Result full = host.Loader();
  INFO(full.err);
  CHECK(full.exit_code == 3);
  CHECK(absl::StrContains(full.err, "No space left on device"));
  CHECK(Sha256(host.binary()) == original);
  CHECK_FALSE(Exists(host.binary() + ".new"));
  CHECK_FALSE(Exists(host.state() + "/loader/journal.json"));
  CHECK(host.AgentPid() == pid);
  host.CheckAgentRunsInstalledBinary();
  kill(pid, SIGKILL);
}

// Serves a release directory over HTTPS with the //base/http test certificate (CN localhost).
std::unique_ptr<http::Server> ServeReleases(const std::string& directory) {
  std::string testdata = Cwd() + "/base/http/testdata/";
  absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(
      {.tls_cert_pem = ReadFile(testdata + "server.crt"), .tls_key_pem = ReadFile(testdata + "server.key")},
      [directory](const http::Request& request) {
        std::string name(absl::StripPrefix(request.Path(), "/releases/"));
        std::string path = directory + "/" + name;
        if (absl::StrContains(name, "/") || !Exists(path)) return http::ErrorResponse(404, "no such file");
        http::Response response;
        response.content_type = "application/octet-stream";
        response.body = ReadFile(path);
        return response;
      });
  REQUIRE(server.ok());
  return *std::move(server);
}

TEST_CASE("releases over HTTPS, the server checked against the configured CA") {
  if (kSanitizers) {
    WARN("skipped in sanitizer builds: each install and update there copies and hashes a 400 MB mig");
    return;
  }
  std::string testdata = Cwd() + "/base/http/testdata/";
  std::string releases = TempDir();
  std::unique_ptr<http::Server> server = ServeReleases(releases);
  std::string url = absl::StrCat("https://localhost:", server->port(), "/releases/");

  SECTION("the right CA: installed") {
    Host host({.source_url = url, .certs = absl::StrCat("    ca = ", testdata, "ca.crt\n")});
    REQUIRE(host.Install().exit_code == 0);
    host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1", "r2"});
    REQUIRE(system(absl::StrCat("cp ", host.releases(), "/* ", releases, "/").c_str()) == 0);
    Result updated = host.Loader();
    INFO(updated.err);
    CHECK(updated.exit_code == 0);
    CHECK(host.InstalledVersion() == "0.2.0");
    host.CheckAgentRunsInstalledBinary();
  }
  SECTION("another CA: the server is not trusted, nothing changes") {
    Host host({.source_url = url, .certs = absl::StrCat("    ca = ", testdata, "other_ca.crt\n")});
    REQUIRE(host.Install().exit_code == 0);
    std::string before = Sha256(host.binary());
    host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1", "r2"});
    REQUIRE(system(absl::StrCat("cp ", host.releases(), "/* ", releases, "/").c_str()) == 0);
    Result refused = host.Loader();
    INFO(refused.err);
    CHECK(refused.exit_code == 3);
    CHECK(absl::StrContains(refused.err, "certificate"));
    CHECK(Sha256(host.binary()) == before);
    CHECK_FALSE(host.InstalledVersion().has_value());
  }
}

TEST_CASE("class special-file: a FIFO, a device or a link where the source's manifest should be is refused at once") {
  if (kSanitizers) {
    WARN("skipped in sanitizer builds: each install there copies and hashes a 400 MB mig");
    return;
  }
  Host host;
  REQUIRE(host.Install().exit_code == 0);
  const std::string manifest = host.releases() + "/manifest.json";
  struct Case {
    const char* what;
    std::function<void()> make;
    const char* error;
  };
  const Case cases[] = {
      {"FIFO", [&] { REQUIRE(mkfifo(manifest.c_str(), 0644) == 0); }, "manifest.json is a FIFO, not a regular file"},
      {"device", [&] { REQUIRE(symlink("/dev/zero", manifest.c_str()) == 0); },
       "manifest.json is a symbolic link, not a regular file"},
      {"link to a host file", [&] { REQUIRE(symlink("/etc/passwd", manifest.c_str()) == 0); },
       "manifest.json is a symbolic link, not a regular file"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    unlink(manifest.c_str());
    c.make();
    Result refused = host.Loader();
    INFO(refused.err);
    CHECK(refused.exit_code == 1);  // refused, as any release that is not one
    CHECK(absl::StrContains(refused.err, c.error));
  }
  // Nothing was left holding the lock: a good release installs on the next run.
  unlink(manifest.c_str());
  host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1", "r2"});
  Result updated = host.Loader();
  INFO(updated.err);
  CHECK(updated.exit_code == 0);
  CHECK(host.InstalledVersion() == "0.2.0");
}

TEST_CASE("class stalled-peer: an update source that never answers ends at the loader's deadline, releasing its lock") {
  if (kSanitizers) {
    WARN("skipped in sanitizer builds: each install there copies and hashes a 400 MB mig");
    return;
  }
  // A TCP listener that never accepts: the connection is made (the kernel's backlog) and the TLS handshake waits
  // for ever, far longer than the deadline (the HTTP client's own timeout is minutes).
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(listen(listener, 16) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  std::string testdata = Cwd() + "/base/http/testdata/";
  Host host({.source_url = absl::StrCat("https://localhost:", ntohs(address.sin_port), "/releases/"),
             .certs = absl::StrCat("    ca = ", testdata, "ca.crt\n")});
  REQUIRE(host.Install().exit_code == 0);
  const std::string loader =
      absl::StrCat(host.binary(), " --config ", host.config(), " loader --root ", host.dir(), "/root --deadline 2s");
  Result stopped = Run(loader);
  INFO(stopped.err);
  CHECK(stopped.exit_code == 3);
  CHECK(absl::StrContains(stopped.err, "the run did not finish within 2s: stopped"));
  // The lock died with it: the next run gets as far as the source again (and is stopped the same way), instead
  // of "another mig loader is running".
  Result again = Run(loader);
  CHECK(absl::StrContains(again.err, "the run did not finish within 2s"));
  CHECK_FALSE(absl::StrContains(again.err, "another mig loader is running"));
  host.CheckAgentRunsInstalledBinary();
  close(listener);
}

TEST_CASE("an agent that heartbeated must be followed by one that heartbeats too") {
  if (kSanitizers) {
    WARN("skipped in sanitizer builds: each install and update there copies and hashes a 400 MB mig");
    return;
  }
  // Started once for the three sections.
  amqp::testing::TestBroker& broker = amqp::testing::TestBroker::Shared({"agent1"});
  const std::string site = broker.site_dir();
  Host host({.relay = absl::StrCat("amqps://localhost:", broker.amqps_port(), "/mig"),
             .certs = absl::StrCat("    ca = ", site, "/ca.crt\n    cert = ", site,
                                   "/agents/agent1.crt\n    key = ", site, "/agents/agent1.key\n")});
  Result installed = host.Install();
  INFO(installed.out << installed.err);
  REQUIRE(installed.exit_code == 0);
  auto heartbeating = [&] {
    std::optional<state_directory::AgentStatus> status = host.Status();
    return status && status->state == state_directory::AgentState::kConnected && status->heartbeat.has_value();
  };
  for (int i = 0; i < 100 && !heartbeating(); ++i) absl::SleepFor(absl::Milliseconds(100));
  REQUIRE(heartbeating());

  SECTION("a good release: the loader returns once the new agent has heartbeated") {
    host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1", "r2"});
    absl::Time before = absl::Now();
    Result updated = host.Loader();
    INFO(updated.err);
    CHECK(updated.exit_code == 0);
    std::optional<state_directory::AgentStatus> status = host.Status();
    REQUIRE(status.has_value());
    CHECK(status->state == state_directory::AgentState::kConnected);
    REQUIRE(status->heartbeat.has_value());
    CHECK(*status->heartbeat >= before);
    host.CheckAgentRunsInstalledBinary();
  }

  SECTION("a release that runs but never reaches the relay is rolled back") {
    // It says it is connecting, as an agent that cannot reach the relay would, and stays up.
    std::string silent = host.dir() + "/silent";
    WriteFile(silent,
              absl::StrCat("#!/bin/sh\n"
                           "now=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n"
                           "printf '{\"pid\":%d,\"version\":\"0.2.0\",\"state\":\"connecting\",\"started\":\"%s\","
                           "\"updated\":\"%s\"}\\n' $$ $now $now > ",
                           host.state(),
                           "/agent-status.json\n"
                           "exec sleep 600\n"));
    host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1"});
    std::string name = host.ReadManifest().files[0].name;
    REQUIRE(system(absl::StrCat("cp ", silent, " ", host.releases(), "/", name).c_str()) == 0);
    std::string bytes = ReadFile(silent);
    host.Republish(
        [&](release::Manifest& m) {
          m.files[0].size = bytes.size();
          crypto::DigestValue digest = crypto::ComputeDigest(crypto::DigestAlgorithm::kSha256, bytes);
          std::copy(digest.data(), digest.data() + 32, m.files[0].sha256.begin());
        },
        {"r1", "r2"});
    std::string original = Sha256(host.binary());
    Result rolled_back = host.Loader();
    INFO(rolled_back.err);
    CHECK(rolled_back.exit_code == 1);
    CHECK(absl::StrContains(rolled_back.err, "published no heartbeat within 20s"));
    CHECK(absl::StrContains(rolled_back.err, "which is running again"));
    CHECK(Sha256(host.binary()) == original);
    host.CheckAgentRunsInstalledBinary();
    CHECK(heartbeating());
  }

  SECTION("with the relay down, the settle rule judges the release: an outage is not a broken release") {
    REQUIRE(broker.Stop().ok());
    for (int i = 0; i < 100 && heartbeating(); ++i) absl::SleepFor(absl::Milliseconds(100));
    REQUIRE_FALSE(heartbeating());
    host.Publish(VariantOfMig(host.dir(), "0.2.0"), "0.2.0", {"r1", "r2"});
    Result updated = host.Loader();
    INFO(updated.err);
    CHECK(updated.exit_code == 0);
    CHECK(host.InstalledVersion() == "0.2.0");
    REQUIRE(broker.Resume().ok());
  }
  Mig(absl::StrCat("--config ", host.dir(), "/agent.conf loader --uninstall --root ", host.dir(), "/root"));
}

}  // namespace
}  // namespace mig::test
