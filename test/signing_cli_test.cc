// Investigator keys and signed actions through the mig binary: key generation and inspection, the
// two-person signing workflow against a configuration's ACLs, tampering, and damaged or exposed key files.
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace {

using mig::test::Mig;
using mig::test::ReadFile;
using mig::test::Result;
using mig::test::TempDir;
using mig::test::WriteFile;

constexpr char kPassphrase[] = "correct horse battery";

mode_t Mode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Two investigators with keys, and a site configuration in which the file module needs both of them.
class Site {
 public:
  Site() : dir_(TempDir()) {
    setenv("MIG_PASSPHRASE", kPassphrase, 1);
    std::string config;
    for (const char* name : {"alice", "bob"}) {
      Result r = Mig(absl::StrCat("key generate --kdf interactive --name ", name, " --out ", dir_, "/", name, ".key"));
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      absl::StrAppend(&config, r.out);
    }
    absl::StrAppend(&config,
                    "[acl \"default\"]\nminimumweight = 1\ninvestigator = alice:1\ninvestigator = bob:1\n"
                    "[acl \"file\"]\nminimumweight = 2\ninvestigator = alice:1\ninvestigator = bob:1\n");
    WriteFile(conf(), config);
  }
  std::string path(std::string_view name) const { return absl::StrCat(dir_, "/", name); }
  std::string conf() const { return path("site.conf"); }
  // `mig --config site.conf <args>`
  Result Run(const std::string& args) const { return Mig(absl::StrCat("--config ", conf(), " ", args)); }

 private:
  std::string dir_;
};

TEST_CASE("key generate writes a sealed secret key and a public key line; key show prints its id") {
  Site site;
  std::string key = site.path("alice.key");
  CHECK(Mode(key) == 0600);
  CHECK_THAT(ReadFile(key), Catch::Contains("\"kdf\": \"argon2id13\""));
  std::string pub = ReadFile(key + ".pub");
  CHECK_THAT(pub, Catch::StartsWith("ed25519:") && Catch::EndsWith(" alice\n"));
  CHECK_THAT(ReadFile(site.conf()), Catch::Contains("[investigator \"alice\"]\n    pubkey = ed25519:"));

  Result shown = Mig(absl::StrCat("key show --key ", key));
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("name:       alice") && Catch::Contains("sealed with a passphrase"));
  Result shown_pub = Mig(absl::StrCat("key show ", key, ".pub"));
  CHECK(shown_pub.exit_code == 0);
  // The same key id from both files.
  std::string id_line = shown.out.substr(shown.out.find("key id:"), 30);
  CHECK_THAT(shown_pub.out, Catch::Contains(id_line));

  Result again = Mig(absl::StrCat("key generate --name alice --out ", key));
  CHECK(again.exit_code == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists"));

  Result bad_name = Mig(absl::StrCat("key generate --name 'eve:1' --out ", site.path("eve.key")));
  CHECK(bad_name.exit_code == 2);
  CHECK_THAT(bad_name.err, Catch::Contains("--name 'eve:1'"));
}

TEST_CASE("Without MIG_PASSPHRASE or a terminal, no key is sealed with nothing; --no-passphrase is explicit") {
  std::string dir = TempDir();
  unsetenv("MIG_PASSPHRASE");
  Result no_tty = Mig(absl::StrCat("key generate --name carol --out ", dir, "/carol.key"));
  CHECK(no_tty.exit_code == 2);
  CHECK_THAT(no_tty.err, Catch::Contains("no terminal") && Catch::Contains("MIG_PASSPHRASE"));
  CHECK(ReadFile(dir + "/carol.key").empty());

  setenv("MIG_PASSPHRASE", "", 1);
  Result empty = Mig(absl::StrCat("key generate --name carol --out ", dir, "/carol.key"));
  CHECK(empty.exit_code == 2);
  CHECK_THAT(empty.err, Catch::Contains("--no-passphrase"));
  unsetenv("MIG_PASSPHRASE");

  Result clear = Mig(absl::StrCat("key generate --no-passphrase --name robot --out ", dir, "/robot.key"));
  INFO(clear.err);
  REQUIRE(clear.exit_code == 0);
  CHECK(Mode(dir + "/robot.key") == 0600);
  CHECK_THAT(clear.err, Catch::Contains("NOT protected by a passphrase"));
}

// Runs mig on a new pseudo-terminal, typing `typed` line by line as its prompts come; returns what the
// terminal showed.
std::string MigOnTerminal(const std::vector<std::string>& args, const std::vector<std::string>& typed) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    unsetenv("MIG_PASSPHRASE");
    std::vector<char*> argv = {const_cast<char*>("./mig")};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("./mig", argv.data());
    _exit(127);
  }
  std::string screen;
  size_t next_line = 0;
  while (true) {
    struct pollfd p = {master, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    char buf[512];
    ssize_t n = read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO once mig has exited
    screen.append(buf, static_cast<size_t>(n));
    // Answer each prompt (a line ending in ": ") once.
    if (next_line < typed.size() && screen.size() >= 2 && screen.compare(screen.size() - 2, 2, ": ") == 0) {
      std::string line = typed[next_line++] + "\n";
      REQUIRE(write(master, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return screen;
}

TEST_CASE("On a terminal the passphrase is asked twice, with echo off") {
  std::string dir = TempDir();
  std::string key = dir + "/dave.key";
  std::string screen = MigOnTerminal({"key", "generate", "--kdf", "interactive", "--name", "dave", "--out", key},
                                     {"typed secret 1", "typed secret 1"});
  INFO(screen);
  CHECK_THAT(screen, Catch::Contains("passphrase to protect ") && Catch::Contains("again, to confirm: "));
  CHECK_THAT(screen, !Catch::Contains("typed secret"));
  CHECK_THAT(screen, Catch::Contains("[investigator \"dave\"]"));
  // The key is sealed with what was typed.
  Result show = Mig(absl::StrCat("key show ", key));
  CHECK_THAT(show.out, Catch::Contains("sealed with a passphrase"));
  std::string action = dir + "/a.json";
  Result printed = Mig("file -path /etc -name x -p");
  REQUIRE(printed.exit_code == 0);
  WriteFile(action, printed.out);
  setenv("MIG_PASSPHRASE", "typed secret 1", 1);
  Result signed_action = Mig(absl::StrCat("action sign -i ", action, " --key ", key));
  CHECK(signed_action.exit_code == 0);
  setenv("MIG_PASSPHRASE", "typed secret 2", 1);
  CHECK(Mig(absl::StrCat("action sign -i ", action, " --key ", key)).exit_code == 2);
}

TEST_CASE("Two-person workflow: print, sign, sign, verify against the configured ACL") {
  Site site;
  std::string a = site.path("a.json");
  Result printed = site.Run("file -path /etc -name '^passwd$' -e 10m --print-action");
  INFO(printed.err);
  REQUIRE(printed.exit_code == 0);
  WriteFile(a, printed.out);
  CHECK_THAT(printed.out, Catch::Contains("\"module\": \"file\"") && Catch::Contains("\"signatures\": []"));

  Result unsigned_verify = site.Run(absl::StrCat("action verify -i ", a));
  CHECK(unsigned_verify.exit_code == 1);
  CHECK_THAT(unsigned_verify.out, Catch::Contains("REFUSED (no signature)"));

  Result alice = site.Run(absl::StrCat("action sign -i ", a, " --key ", site.path("alice.key"), " -o ", a));
  INFO(alice.err);
  REQUIRE(alice.exit_code == 0);
  CHECK_THAT(alice.err, Catch::Contains("signing action ") && Catch::Contains("signed by alice"));
  Result half = site.Run(absl::StrCat("action verify -i ", a));
  CHECK(half.exit_code == 1);
  CHECK_THAT(half.out, Catch::Contains("signature 0: alice (key "));
  CHECK_THAT(half.out, Catch::Contains("REFUSED (insufficient weight): operation 0 (file): the signers' weight 1 "
                                       "is below the minimum of 2"));

  Result twice = site.Run(absl::StrCat("action sign -i ", a, " --key ", site.path("alice.key"), " -o ", a));
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.err, Catch::Contains("already signed by alice"));

  std::string before_wrong_passphrase = ReadFile(a);
  setenv("MIG_PASSPHRASE", "not bob's passphrase", 1);
  Result wrong = site.Run(absl::StrCat("action sign -i ", a, " --key ", site.path("bob.key"), " -o ", a));
  setenv("MIG_PASSPHRASE", kPassphrase, 1);
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("wrong passphrase"));
  CHECK(ReadFile(a) == before_wrong_passphrase);

  // Bob's signature goes to stdout by default.
  Result bob = site.Run(absl::StrCat("action sign -i ", a, " --key ", site.path("bob.key")));
  REQUIRE(bob.exit_code == 0);
  WriteFile(a, bob.out);
  Result full = site.Run(absl::StrCat("action verify -i ", a));
  INFO(full.out);
  CHECK(full.exit_code == 0);
  CHECK_THAT(full.out, Catch::Contains("VERIFIED") && Catch::Contains("signed by alice, bob"));

  Result both_keys = Mig(absl::StrCat("action verify -i ", a, " --pubkey ", site.path("alice.key.pub"), " --pubkey ",
                                      site.path("bob.key.pub")));
  CHECK(both_keys.exit_code == 0);
  Result one_key = Mig(absl::StrCat("action verify -i ", a, " --pubkey ", site.path("alice.key.pub")));
  CHECK(one_key.exit_code == 1);
  CHECK_THAT(one_key.out, Catch::Contains("REFUSED (unknown signer)"));

  Result shown = site.Run(absl::StrCat("action show -i ", a));
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("operation 0: file") && Catch::Contains("\"^passwd$\""));
  CHECK_THAT(shown.out, Catch::Contains("signatures:  2") && Catch::Contains("bob (key "));

  // Changing what runs breaks both signatures.
  std::string text = ReadFile(a);
  WriteFile(a, absl::StrReplaceAll(text, {{"^passwd$", "^shadow$"}}));
  Result tampered = site.Run(absl::StrCat("action verify -i ", a));
  CHECK(tampered.exit_code == 1);
  CHECK_THAT(tampered.out, Catch::Contains("REFUSED (bad signature)"));
  CHECK_THAT(tampered.out, Catch::Contains("alice (key ") && Catch::Contains("DOES NOT VERIFY"));
  // So does changing the target.
  WriteFile(a, absl::StrReplaceAll(text, {{"status='online'", "status='online' OR 1=1"}}));
  CHECK(site.Run(absl::StrCat("action verify -i ", a)).exit_code == 1);
}

TEST_CASE("action create builds multi-operation actions and refuses what agents would refuse") {
  Site site;
  std::string params = site.path("p.json");
  WriteFile(params, R"({"searches":{"s1":{"paths":["/etc"],"names":["^hosts$"]}}})");
  Result created =
      site.Run(absl::StrCat("action create --module file --parameters ", params, " --module file --parameters ", params,
                            " --name 'two ops' --author alice", " -t \"name='web1'\" -e 1h -o ", site.path("c.json")));
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  CHECK_THAT(created.err, Catch::Contains("2 operations (file, file) on target name='web1'"));
  Result shown = site.Run(absl::StrCat("action show -i ", site.path("c.json")));
  CHECK_THAT(shown.out, Catch::Contains("name:        two ops") && Catch::Contains("operation 1: file"));

  const std::pair<std::string, std::string> refused[] = {
      {absl::StrCat("--module nosuch --parameters ", params), "unknown module 'nosuch'"},
      {absl::StrCat("--module file --parameters ", params, " -e 48h"), "maxactionvalidity"},
      {absl::StrCat("--module file --parameters ", params, " -e soon"), "expiration 'soon'"},
      {absl::StrCat("--module file --module file --parameters ", params), "one --parameters file per --module"},
      {absl::StrCat("--module file --parameters ", site.path("missing.json")), "missing.json"},
  };
  for (const auto& [args, message] : refused) {
    INFO(args);
    Result r = site.Run(absl::StrCat("action create ", args));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(message));
  }
  WriteFile(params, R"({"searches":{"s1":{"paths":["/etc"],"sizes":["huge"]}}})");
  Result bad_parameters = site.Run(absl::StrCat("action create --module file --parameters ", params));
  CHECK(bad_parameters.exit_code == 2);
  CHECK_THAT(bad_parameters.err, Catch::Contains("operation 0 (file)") && Catch::Contains("invalid size 'huge'"));
}

TEST_CASE("Exposed, truncated or foreign key files are refused with a clear error") {
  Site site;
  std::string a = site.path("a.json");
  Result printed = site.Run("file -path /etc -name x -p");
  REQUIRE(printed.exit_code == 0);
  WriteFile(a, printed.out);
  std::string key = site.path("alice.key");
  std::string original = ReadFile(key);

  chmod(key.c_str(), 0644);
  Result exposed = site.Run(absl::StrCat("action sign -i ", a, " --key ", key));
  CHECK(exposed.exit_code == 2);
  CHECK_THAT(exposed.err, Catch::Contains("alice.key"));
  CHECK_THAT(exposed.err, Catch::Contains("can be read by other users (mode 0644)"));
  chmod(key.c_str(), 0600);

  WriteFile(key, original.substr(0, original.size() / 2));
  Result truncated = site.Run(absl::StrCat("action sign -i ", a, " --key ", key));
  CHECK(truncated.exit_code == 2);
  CHECK_THAT(truncated.err, Catch::Contains("alice.key is damaged"));

  Result public_as_secret = site.Run(absl::StrCat("action sign -i ", a, " --key ", key, ".pub"));
  CHECK(public_as_secret.exit_code == 2);
  CHECK_THAT(public_as_secret.err, Catch::Contains("alice.key.pub"));

  Result not_an_action = site.Run(absl::StrCat("action sign -i ", site.conf(), " --key ", key));
  CHECK(not_an_action.exit_code == 2);
  CHECK_THAT(not_an_action.err, Catch::Contains("site.conf"));
  CHECK(ReadFile(a) == printed.out);
}

}  // namespace
