// Keys of every type and file format, generated here with ssh-keygen (and openssl where ssh-keygen cannot
// write the format), read by this module and compared with what `ssh-keygen -l` prints for them.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "catch2/catch.hpp"
#include "modules/sshkey/private_key.h"
#include "modules/sshkey/public_key.h"
#include "modules/sshkey/scan.h"
#include "test/shell.h"

namespace mig::modules::sshkey {
namespace {

using ::mig::test::Shell;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  REQUIRE(out.good());
}

const std::string& KeyDirectory() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string d = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/sshkeys");
    std::system(absl::StrCat("rm -rf '", d, "'").c_str());
    mkdir(d.c_str(), 0700);
    return d;
  }();
  return dir;
}

// One line of `ssh-keygen -l`: "<bits> <fingerprint> <comment> (<TYPE>)".
struct Listed {
  int bits = 0;
  std::string sha256;
  std::string md5;
  std::string type;
};

std::vector<Listed> KeygenList(const std::string& file) {
  std::vector<Listed> listed;
  std::string sha = Shell(absl::StrCat("ssh-keygen -l -f '", file, "'"));
  std::string md5 = Shell(absl::StrCat("ssh-keygen -l -E md5 -f '", file, "'"));
  std::vector<std::string> sha_lines = absl::StrSplit(sha, '\n', absl::SkipEmpty());
  std::vector<std::string> md5_lines = absl::StrSplit(md5, '\n', absl::SkipEmpty());
  REQUIRE(sha_lines.size() == md5_lines.size());
  for (size_t i = 0; i < sha_lines.size(); ++i) {
    std::vector<std::string> sha_fields = absl::StrSplit(sha_lines[i], ' ');
    std::vector<std::string> md5_fields = absl::StrSplit(md5_lines[i], ' ');
    REQUIRE(sha_fields.size() >= 3);
    Listed l;
    l.bits = std::stoi(sha_fields[0]);
    l.sha256 = sha_fields[1];
    l.md5 = md5_fields[1];
    l.type = std::string(absl::StripSuffix(absl::StripPrefix(sha_fields.back(), "("), ")"));
    listed.push_back(l);
  }
  return listed;
}

void CheckSame(const KeyEntry& ours, const Listed& keygen) {
  CHECK(ours.fingerprint_sha256 == keygen.sha256);
  CHECK(ours.fingerprint_md5 == keygen.md5);
  CHECK(ours.bits == keygen.bits);
  CHECK(ours.key_type == keygen.type);
}

std::vector<KeyEntry> Inspect(const std::string& path) {
  std::vector<std::string> errors;
  std::vector<KeyEntry> keys = InspectFile(path, ReadFile(path), &errors);
  INFO(path);
  for (const std::string& e : errors) UNSCOPED_INFO(e);
  CHECK(errors.empty());
  return keys;
}

struct KeyKind {
  const char* name;
  const char* keygen_args;
  bool pem;  // ssh-keygen can write it as PEM and PKCS#8 (not Ed25519)
};

constexpr KeyKind kKinds[] = {
    {"rsa2048", "-t rsa -b 2048", true},   {"rsa3072", "-t rsa -b 3072", true},   {"dsa", "-t dsa", true},
    {"ecdsa256", "-t ecdsa -b 256", true}, {"ecdsa384", "-t ecdsa -b 384", true}, {"ecdsa521", "-t ecdsa -b 521", true},
    {"ed25519", "-t ed25519", false},
};

struct Format {
  const char* suffix;
  const char* keygen_args;
  bool encrypted;
  const char* armour;       // what the file must start with, to be sure of what is tested
  bool fingerprints_known;  // encrypted PEM and PKCS#8 keys hide their public key
};

constexpr Format kFormats[] = {
    {"openssh", "-N ''", false, "-----BEGIN OPENSSH PRIVATE KEY-----", true},
    {"openssh_encrypted", "-N 'correct horse'", true, "-----BEGIN OPENSSH PRIVATE KEY-----", true},
    {"pem", "-N '' -m PEM", false, "-----BEGIN ", true},
    {"pem_encrypted", "-N 'correct horse' -m PEM", true, "-----BEGIN ", false},
    {"pkcs8", "-N '' -m PKCS8", false, "-----BEGIN PRIVATE KEY-----", true},
    {"pkcs8_encrypted", "-N 'correct horse' -m PKCS8", true, "-----BEGIN ENCRYPTED PRIVATE KEY-----", false},
};

TEST_CASE("Private and public keys of every type and format match ssh-keygen -l") {
  for (const KeyKind& kind : kKinds) {
    for (const Format& format : kFormats) {
      if (!kind.pem && std::string_view(format.suffix).substr(0, 3) == "pem") continue;
      if (!kind.pem && std::string_view(format.suffix).substr(0, 5) == "pkcs8") continue;
      std::string path = absl::StrCat(KeyDirectory(), "/", kind.name, "_", format.suffix);
      Shell(absl::StrCat("ssh-keygen -q ", kind.keygen_args, " ", format.keygen_args, " -C 'comment of ", kind.name,
                         "' -f '", path, "' </dev/null"));
      INFO(path);
      std::string text = ReadFile(path);
      REQUIRE(text.rfind(format.armour, 0) == 0);
      if (std::string_view(format.suffix) == "pem_encrypted")
        REQUIRE(text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos);

      // The .pub ssh-keygen wrote beside it is the reference for every format.
      std::vector<Listed> reference = KeygenList(path + ".pub");
      REQUIRE(reference.size() == 1);
      std::vector<KeyEntry> pub = Inspect(path + ".pub");
      REQUIRE(pub.size() == 1);
      CHECK(pub[0].kind == kKindPublic);
      CHECK(pub[0].comment == absl::StrCat("comment of ", kind.name));
      CheckSame(pub[0], reference[0]);

      std::vector<KeyEntry> keys = Inspect(path);
      REQUIRE(keys.size() == 1);
      CHECK(keys[0].kind == kKindPrivate);
      CHECK(keys[0].encrypted == format.encrypted);
      if (format.fingerprints_known) {
        CheckSame(keys[0], reference[0]);
      } else {
        CHECK(keys[0].fingerprint_sha256.empty());
        CHECK(keys[0].fingerprint_md5.empty());
      }
      if (std::string_view(format.suffix) == "openssh")
        CHECK(keys[0].comment == absl::StrCat("comment of ", kind.name));
    }
  }
}

// ssh-keygen cannot write Ed25519 as PKCS#8; openssl can, and gives the public key to build the reference.
TEST_CASE("PKCS#8 Ed25519 keys from openssl get the public key derived from the seed") {
  std::string path = absl::StrCat(KeyDirectory(), "/openssl_ed25519.pem");
  Shell(absl::StrCat("openssl genpkey -algorithm ed25519 -out '", path, "'"));
  std::string public_der;
  REQUIRE(absl::Base64Unescape(Shell(absl::StrCat("openssl pkey -in '", path, "' -pubout -outform DER | base64 -w0")),
                               &public_der));
  REQUIRE(public_der.size() >= 32);
  std::string blob = std::string("\0\0\0\x0bssh-ed25519\0\0\0\x20", 19) + public_der.substr(public_der.size() - 32);
  Write(path + ".pub", absl::StrCat("ssh-ed25519 ", absl::Base64Escape(blob), " from openssl\n"));
  std::vector<Listed> reference = KeygenList(path + ".pub");
  REQUIRE(reference.size() == 1);
  std::vector<KeyEntry> keys = Inspect(path);
  REQUIRE(keys.size() == 1);
  CHECK_FALSE(keys[0].encrypted);
  CheckSame(keys[0], reference[0]);

  std::string encrypted = absl::StrCat(KeyDirectory(), "/openssl_ed25519_encrypted.pem");
  Shell(absl::StrCat("openssl genpkey -algorithm ed25519 -aes256 -pass pass:secret12 -out '", encrypted, "'"));
  keys = Inspect(encrypted);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].encrypted);
  CHECK(keys[0].key_type.empty());
}

std::string PublicBlob(const std::string& pub_path) {
  std::vector<std::string> fields = absl::StrSplit(ReadFile(pub_path), ' ');
  REQUIRE(fields.size() >= 2);
  std::string blob;
  REQUIRE(absl::Base64Unescape(fields[1], &blob));
  return blob;
}

std::string WireString(std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  return out + std::string(s);
}

// FIDO keys need a token to generate; their public keys are built here from real points and checked
// against ssh-keygen -l, which reads them without a token.
TEST_CASE("FIDO sk-ecdsa and sk-ed25519 public keys match ssh-keygen -l") {
  std::string ecdsa = absl::StrCat(KeyDirectory(), "/ecdsa256_openssh.pub");
  std::string ed25519 = absl::StrCat(KeyDirectory(), "/ed25519_openssh.pub");
  for (const std::string& p : {ecdsa, ed25519}) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) {
      Shell(absl::StrCat("ssh-keygen -q -t ", p == ecdsa ? "ecdsa -b 256" : "ed25519", " -N '' -f '",
                         p.substr(0, p.size() - 4), "'"));
    }
  }
  // ecdsa blob: type, curve, point. ed25519 blob: type, key.
  std::string ecdsa_blob = PublicBlob(ecdsa);
  std::string point = ecdsa_blob.substr(4 + 19 + 4 + 8);
  std::string sk_ecdsa =
      WireString("sk-ecdsa-sha2-nistp256@openssh.com") + WireString("nistp256") + point + WireString("ssh:");
  std::string ed_blob = PublicBlob(ed25519);
  std::string sk_ed = WireString("sk-ssh-ed25519@openssh.com") + ed_blob.substr(4 + 11) + WireString("ssh:");
  std::string path = absl::StrCat(KeyDirectory(), "/fido.pub");
  Write(path, absl::StrCat("sk-ecdsa-sha2-nistp256@openssh.com ", absl::Base64Escape(sk_ecdsa), " token one\n",
                           "sk-ssh-ed25519@openssh.com ", absl::Base64Escape(sk_ed), " token two\n"));
  std::vector<Listed> reference = KeygenList(path);
  REQUIRE(reference.size() == 2);
  std::vector<KeyEntry> keys = Inspect(path);
  REQUIRE(keys.size() == 2);
  CheckSame(keys[0], reference[0]);
  CheckSame(keys[1], reference[1]);
  CHECK(keys[0].key_type == "ECDSA-SK");
  CHECK(keys[1].key_type == "ED25519-SK");
  CHECK(keys[1].comment == "token two");
  CHECK(keys[1].line == 2);
}

TEST_CASE("Certificates list the certified key's fingerprints, as ssh-keygen -l does") {
  std::string ca = absl::StrCat(KeyDirectory(), "/ca");
  Shell(absl::StrCat("ssh-keygen -q -t ed25519 -N '' -f '", ca, "'"));
  for (const char* type : {"ed25519", "rsa", "ecdsa"}) {
    std::string key = absl::StrCat(KeyDirectory(), "/certified_", type);
    Shell(absl::StrCat("ssh-keygen -q -t ", type, " -N '' -C certified -f '", key, "'"));
    Shell(absl::StrCat("ssh-keygen -q -s '", ca, "' -I identity -n alice,bob -V +52w '", key, ".pub' 2>/dev/null"));
    std::string cert = key + "-cert.pub";
    INFO(cert);
    std::vector<Listed> reference = KeygenList(cert);
    REQUIRE(reference.size() == 1);
    std::vector<KeyEntry> keys = Inspect(cert);
    REQUIRE(keys.size() == 1);
    CheckSame(keys[0], reference[0]);
    CHECK(keys[0].key_type.find("-CERT") != std::string::npos);
  }
}

TEST_CASE("authorized_keys entries, with options, match ssh-keygen -l line by line") {
  std::string rsa = absl::StrCat(KeyDirectory(), "/ak_rsa");
  std::string ed = absl::StrCat(KeyDirectory(), "/ak_ed25519");
  Shell(absl::StrCat("ssh-keygen -q -t rsa -b 2048 -N '' -C alice -f '", rsa, "'"));
  Shell(absl::StrCat("ssh-keygen -q -t ed25519 -N '' -C bob -f '", ed, "'"));
  std::string rsa_line(absl::StripTrailingAsciiWhitespace(ReadFile(rsa + ".pub")));
  std::string ed_line(absl::StripTrailingAsciiWhitespace(ReadFile(ed + ".pub")));
  std::string dir = absl::StrCat(KeyDirectory(), "/home");
  mkdir(dir.c_str(), 0700);
  std::string path = dir + "/authorized_keys";
  Write(path, absl::StrCat("# a comment\n\n", rsa_line, "\n",
                           "command=\"echo 'hello world' \\\"quoted\\\"\",no-pty,from=\"10.0.0.0/8\" ", ed_line, "\n",
                           "  restrict ", rsa_line, " second copy\n"));
  std::vector<Listed> reference = KeygenList(path);
  REQUIRE(reference.size() == 3);
  std::vector<KeyEntry> keys = Inspect(path);
  REQUIRE(keys.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(keys[i].kind == kKindAuthorizedKeys);
    CheckSame(keys[i], reference[i]);
  }
  CHECK(keys[0].line == 3);
  CHECK(keys[1].comment == "bob");
  CHECK(keys[2].line == 5);

  // A damaged line is reported once per file, and the other entries are still read.
  std::vector<std::string> errors;
  keys = InspectFile(
      path,
      absl::StrCat(rsa_line, "\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== broken\n", "garbage here\n", ed_line, "\n"),
      &errors);
  CHECK(keys.size() == 2);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find(path + " contained unparsable data: line 2: ssh-rsa key:") == 0);
  CHECK(errors[0].find("(and 1 more lines)") != std::string::npos);
}

std::string Der(uint8_t tag, std::string_view body) {
  std::string out(1, static_cast<char>(tag));
  if (body.size() < 0x80) {
    out += static_cast<char>(body.size());
  } else {
    out += static_cast<char>(0x82);
    out += static_cast<char>(body.size() >> 8);
    out += static_cast<char>(body.size() & 0xff);
  }
  return absl::StrCat(out, body);
}

// A positive DER INTEGER of `bits` bits: a top bit, ones below (odd, as p must be for the exponentiation).
std::string DerInteger(int bits) {
  std::string number((bits + 7) / 8 + 1, '\xff');
  number[0] = 0;
  int top = (bits - 1) % 8;
  number[1] = static_cast<char>((1 << (top + 1)) - 1);
  return Der(0x02, number);
}

std::string DsaPkcs8(int p_bits, int q_bits, int x_bits) {
  std::string parameters = Der(0x30, absl::StrCat(DerInteger(p_bits), DerInteger(q_bits), DerInteger(2)));
  std::string algorithm = Der(0x30, absl::StrCat(Der(0x06, "\x2a\x86\x48\xce\x38\x04\x01"), parameters));
  std::string info = Der(0x30, absl::StrCat(Der(0x02, std::string(1, '\0')), algorithm, Der(0x04, DerInteger(x_bits))));
  return absl::StrCat("-----BEGIN PRIVATE KEY-----\n", absl::Base64Escape(info), "\n-----END PRIVATE KEY-----\n");
}

// Deriving a PKCS#8 DSA key's public value is an exponentiation whose cost grows with x's size times p's
// squared: only parameters a DSA key can have are worked on (a crafted 2 KiB file took a second each).
TEST_CASE("class bounded-work: a DSA key is only derived from parameters a DSA key can have") {
  struct Case {
    int p_bits, q_bits, x_bits;
    const char* error_part;  // nullptr: derived
  };
  constexpr Case kCases[] = {
      {2048, 256, 255, nullptr},
      {8192, 160, 8192, "DSA private value is not between 0 and q"},
      {2048, 160, 160, "DSA private value is not between 0 and q"},  // x = q
      {2048, 257, 200, "larger than a DSA key has"},
      {10001, 256, 200, "larger than a DSA key has"},
  };
  for (const Case& c : kCases) {
    INFO(c.p_bits << " " << c.q_bits << " " << c.x_bits);
    absl::StatusOr<PrivateKeyFile> key = ParsePrivateKeyFile(DsaPkcs8(c.p_bits, c.q_bits, c.x_bits));
    if (c.error_part == nullptr) {
      INFO(key.status().message());
      REQUIRE(key.ok());
      REQUIRE(key->public_key.has_value());
      CHECK(key->public_key->bits == c.p_bits);
      continue;
    }
    REQUIRE_FALSE(key.ok());
    INFO(key.status().message());
    CHECK(std::string(key.status().message()).find(c.error_part) != std::string::npos);
  }
}

// Found by key_file_fuzzer: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQA" (a modulus written as one zero byte) was
// listed as a 0-bit RSA key with fingerprints. Numbers are RFC 4251 mpints (zero is the empty string) and a
// key's numbers must be what a key has: none of RSA's or DSA's is zero.
TEST_CASE("class key-or-nothing: a public key whose numbers no key has is refused") {
  const std::string e = WireString(std::string("\x01\x00\x01", 3));
  const std::string one = WireString("\x01");
  const std::string zero = WireString("");
  const std::string zero_byte = WireString(std::string(1, '\0'));
  struct Case {
    std::string blob;
    const char* error_part;
  };
  const Case kCases[] = {
      {WireString("ssh-rsa") + e + zero_byte, "superfluous leading zero"},
      {WireString("ssh-rsa") + e + zero, "zero exponent or modulus"},
      {WireString("ssh-rsa") + zero + one, "zero exponent or modulus"},
      {WireString("ssh-dss") + zero + one + one + one, "DSA key with a zero parameter"},
      {WireString("ssh-dss") + one + one + one + zero, "DSA key with a zero parameter"},
      {WireString("ssh-dss") + one + one + zero_byte + one, "superfluous leading zero"},
  };
  for (const Case& c : kCases) {
    INFO(absl::CHexEscape(c.blob));
    absl::StatusOr<PublicKey> key = ParsePublicKeyBlob(c.blob);
    REQUIRE_FALSE(key.ok());
    INFO(key.status().message());
    CHECK(std::string(key.status().message()).find(c.error_part) != std::string::npos);
  }
  absl::StatusOr<PublicKey> smallest = ParsePublicKeyBlob(WireString("ssh-dss") + one + one + one + one);
  REQUIRE(smallest.ok());
  CHECK(smallest->bits == 1);
}

struct BadKey {
  const char* line;
  const char* error_part;
};

TEST_CASE("Malformed public keys are refused with the reason") {
  const BadKey cases[] = {
      {"ssh-rsa", "invalid base64"},
      {"ssh-rsa !!!!", "invalid base64"},
      {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", "truncated"},
      {"ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAAQE= x", "the line says ssh-ed25519 but the key is ssh-rsa"},
      {"ssh-foo AAAA", "unknown key type 'ssh-foo'"},
      {"from=\"x\" ssh-rsa AAAA", "unknown key type 'from=\\\"x\\\"'"},
  };
  for (const BadKey& c : cases) {
    INFO(c.line);
    absl::StatusOr<KeyLine> key = ParseKeyLine(c.line, false);
    REQUIRE_FALSE(key.ok());
    INFO(key.status().message());
    CHECK(std::string(key.status().message()).find(c.error_part) != std::string::npos);
  }
  CHECK(absl::IsNotFound(ParsePrivateKeyFile("just some text").status()));
  CHECK_FALSE(ParsePrivateKeyFile("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n").ok());
  CHECK_FALSE(ParsePrivateKeyFile("-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n").ok());
  CHECK_FALSE(
      ParsePrivateKeyFile("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n").ok());
}

}  // namespace
}  // namespace mig::modules::sshkey
