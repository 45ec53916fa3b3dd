#include "crypto/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::crypto {
namespace {

std::string TempDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp ? tmp : "/tmp", "/keys-XXXXXX");
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  chmod(path.c_str(), 0600);
}

mode_t Mode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("A passphrase-protected key reads back with the passphrase and only with it") {
  std::string dir = TempDir();
  std::string path = dir + "/alice.key";
  Ed25519KeyPair pair = Ed25519KeyPair::Generate();
  REQUIRE(WriteSecretKeyFile(path, "alice", pair, std::string("correct horse"), KdfStrength::kInteractive).ok());
  CHECK(Mode(path) == 0600);
  std::string text = Read(path);
  CHECK(text.find("argon2id13") != std::string::npos);
  REQUIRE(InspectSecretKeyFile(path).ok());
  CHECK(InspectSecretKeyFile(path)->needs_passphrase);
  CHECK(InspectSecretKeyFile(path)->public_key == pair.public_key());

  absl::StatusOr<SecretKeyFile> read = ReadSecretKeyFile(path, std::string("correct horse"));
  REQUIRE(read.ok());
  CHECK(read->name == "alice");
  CHECK(read->key.public_key() == pair.public_key());
  CHECK(read->key.Sign("x") == pair.Sign("x"));

  absl::StatusOr<SecretKeyFile> wrong = ReadSecretKeyFile(path, std::string("wrong horse"));
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(std::string(wrong.status().message()), Catch::Contains("wrong passphrase"));
  absl::StatusOr<SecretKeyFile> none = ReadSecretKeyFile(path, std::nullopt);
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(std::string(none.status().message()), Catch::Contains("protected by a passphrase"));

  absl::Status again = WriteSecretKeyFile(path, "alice", pair, std::string("x"), KdfStrength::kInteractive);
  CHECK_THAT(std::string(again.message()), Catch::Contains("already exists"));
}

TEST_CASE("A key without passphrase is written only on purpose, private, and reads back") {
  std::string dir = TempDir();
  std::string path = dir + "/bot.key";
  Ed25519KeyPair pair = Ed25519KeyPair::Generate();
  umask(022);
  REQUIRE(WriteSecretKeyFile(path, "bot", pair, std::nullopt, KdfStrength::kInteractive).ok());
  CHECK(Mode(path) == 0600);
  REQUIRE(InspectSecretKeyFile(path).ok());
  CHECK_FALSE(InspectSecretKeyFile(path)->needs_passphrase);
  absl::StatusOr<SecretKeyFile> read = ReadSecretKeyFile(path, std::nullopt);
  REQUIRE(read.ok());
  CHECK(read->key.public_key() == pair.public_key());

  chmod(path.c_str(), 0644);
  absl::StatusOr<SecretKeyFile> exposed = ReadSecretKeyFile(path, std::nullopt);
  REQUIRE_FALSE(exposed.ok());
  CHECK_THAT(std::string(exposed.status().message()), Catch::Contains("can be read by other users (mode 0644)"));
}

struct Damage {
  const char* what;
  std::string (*apply)(const std::string&);
  const char* message_part;
};

TEST_CASE("Damaged key files give clear errors") {
  std::string dir = TempDir();
  std::string good_path = dir + "/good.key";
  Ed25519KeyPair pair = Ed25519KeyPair::Generate();
  REQUIRE(WriteSecretKeyFile(good_path, "alice", pair, std::string("pw"), KdfStrength::kInteractive).ok());
  const std::string good = Read(good_path);
  const Damage damages[] = {
      {"truncated", [](const std::string& s) { return s.substr(0, s.size() / 2); }, "is damaged"},
      {"empty", [](const std::string&) { return std::string(); }, "is damaged"},
      {"not ours", [](const std::string&) { return std::string("{\"format\":\"other\"}"); },
       "is not a mig secret key file"},
      {"sealed bytes changed",
       [](const std::string& s) {
         std::string out = s;
         size_t at = out.find("\"sealed\": \"") + 12;
         out[at] = out[at] == 'A' ? 'B' : 'A';
         return out;
       },
       "wrong passphrase (or the key file is corrupted)"},
      {"sealed field shortened",
       [](const std::string& s) {
         std::string out = s;
         size_t at = out.find("\"sealed\": \"") + 11;
         out.erase(at, 8);
         return out;
       },
       "\"sealed\" is damaged"},
      {"public key swapped",
       [](const std::string& s) {
         std::string out = s;
         size_t at = out.find("ed25519:") + 8;
         out[at] = out[at] == 'A' ? 'B' : 'A';
         return out;
       },
       ""},
      {"absurd memory limit",
       [](const std::string& s) {
         std::string out = s;
         size_t at = out.find("\"memlimit\": ") + 12;
         out.insert(at, "99999");
         return out;
       },
       "larger than"},
  };
  for (const Damage& d : damages) {
    INFO(d.what);
    std::string path = absl::StrCat(dir, "/damaged.key");
    Write(path, d.apply(good));
    absl::StatusOr<SecretKeyFile> read = ReadSecretKeyFile(path, std::string("pw"));
    REQUIRE_FALSE(read.ok());
    CHECK_THAT(std::string(read.status().message()), Catch::Contains(d.message_part));
  }
  CHECK_THAT(std::string(ReadSecretKeyFile(dir + "/missing.key", std::nullopt).status().message()),
             Catch::Contains("missing.key: No such file or directory"));
  // A FIFO where a key should be is refused at once, not waited on.
  REQUIRE(mkfifo((dir + "/fifo.key").c_str(), 0600) == 0);
  CHECK_THAT(std::string(ReadSecretKeyFile(dir + "/fifo.key", std::nullopt).status().message()),
             Catch::Contains("fifo.key is a FIFO, not a regular file"));
}

TEST_CASE("Public key files hold the configuration's line") {
  std::string dir = TempDir();
  Ed25519KeyPair pair = Ed25519KeyPair::Generate();
  REQUIRE(WritePublicKeyFile(dir + "/alice.key.pub", "alice", pair.public_key()).ok());
  CHECK(Read(dir + "/alice.key.pub") == absl::StrCat(pair.public_key().ToString(), " alice\n"));
  absl::StatusOr<PublicKeyFile> read = ReadPublicKeyFile(dir + "/alice.key.pub");
  REQUIRE(read.ok());
  CHECK(read->name == "alice");
  CHECK(read->key == pair.public_key());
  Write(dir + "/bad.pub", "ed25519:nope alice\n");
  CHECK_FALSE(ReadPublicKeyFile(dir + "/bad.pub").ok());
}

}  // namespace
}  // namespace mig::crypto
