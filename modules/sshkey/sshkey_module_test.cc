// The sshkey module through the registry, on a directory tree built here: depth limits, links (including a
// loop), special and oversized files, and the result and its text rendering.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/result.h"

namespace mig::modules::sshkey {
namespace {

void Run(const std::string& command) {
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

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

struct Found {
  ParsedResult result;
  std::set<std::string> keys;  // "path type"
};

Found RunSshkey(const std::string& parameters) {
  const Module* module = FindModule("sshkey");
  REQUIRE(module != nullptr);
  std::string json = module->Run(parameters, RunContext{});
  INFO(json);
  absl::StatusOr<ParsedResult> result = ParseResult(json);
  REQUIRE(result.ok());
  Found found{std::move(*result), {}};
  simdjson::dom::array keys;
  REQUIRE(found.result.elements["keys"].get(keys) == simdjson::SUCCESS);
  for (simdjson::dom::element key : keys) {
    std::string_view path, type;
    REQUIRE(key["path"].get(path) == simdjson::SUCCESS);
    REQUIRE(key["type"].get(type) == simdjson::SUCCESS);
    found.keys.insert(absl::StrCat(path, " ", type));
  }
  return found;
}

TEST_CASE("sshkey walks a tree within its depth, without following directory links") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string root = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/sshkey_tree");
  Run(absl::StrCat("rm -rf '", root, "' && mkdir -p '", root, "/alice/.ssh' '", root, "/bob/a/b/c/d'"));
  Run(absl::StrCat("ssh-keygen -q -t ed25519 -N '' -C alice -f '", root, "/alice/.ssh/id_ed25519'"));
  Run(absl::StrCat("cp '", root, "/alice/.ssh/id_ed25519.pub' '", root, "/alice/.ssh/authorized_keys'"));
  Run(absl::StrCat("cp '", root, "/alice/.ssh/id_ed25519' '", root, "/bob/a/b/c/d/deep_key'"));
  // A loop, a link to a key file, a FIFO, an oversized file that starts like a key, and binary noise.
  Run(absl::StrCat("ln -s .. '", root, "/bob/a/loop'"));
  Run(absl::StrCat("ln -s ../alice/.ssh/id_ed25519 '", root, "/bob/linked_key'"));
  Run(absl::StrCat("mkfifo '", root, "/bob/fifo'"));
  std::string key_text = ReadFile(absl::StrCat(root, "/alice/.ssh/id_ed25519"));
  Write(absl::StrCat(root, "/bob/huge"), key_text + std::string(1 << 20, '#'));
  constexpr char kNoise[] = "\0\x01ssh-\xff-----BEGIN \n";
  Write(absl::StrCat(root, "/bob/noise"), std::string(kNoise, sizeof(kNoise) - 1));
  // Binary files (a NUL in the first 8 KiB) are not searched, even when a key follows.
  Write(absl::StrCat(root, "/bob/binary_with_key"), std::string("\x7f"
                                                                "ELF\0\0",
                                                                6) +
                                                        key_text);
  Run(absl::StrCat("ln -s nowhere '", root, "/bob/dangling'"));
  // Armour inside other text that does not parse is no error; a file that starts with it is.
  Write(absl::StrCat(root, "/bob/notes.py"),
        "KEY = '''\n-----BEGIN RSA PRIVATE KEY-----\nnot base64!\n"
        "-----END RSA PRIVATE KEY-----'''\n");
  Write(absl::StrCat(root, "/bob/a/broken.pem"),
        "-----BEGIN RSA PRIVATE KEY-----\nnot base64!\n"
        "-----END RSA PRIVATE KEY-----\n");

  Found all = RunSshkey(absl::StrCat(R"({"paths":[")", root, R"("]})"));
  CHECK(all.result.success);
  CHECK(all.result.found_anything);
  REQUIRE(all.result.errors.size() == 1);
  CHECK(all.result.errors[0] == absl::StrCat(root, "/bob/a/broken.pem: RSA PRIVATE KEY: invalid base64"));
  std::set<std::string> expected = {
      absl::StrCat(root, "/alice/.ssh/id_ed25519 private"),
      absl::StrCat(root, "/alice/.ssh/id_ed25519.pub public"),
      absl::StrCat(root, "/alice/.ssh/authorized_keys authorizedkeys"),
      absl::StrCat(root, "/bob/a/b/c/d/deep_key private"),
      absl::StrCat(root, "/bob/linked_key private"),
  };
  CHECK(all.keys == expected);

  // maxdepth counts like find's: depth 3 reaches root/alice/.ssh/* but not root/bob/a/b/c/d/*.
  Found shallow = RunSshkey(absl::StrCat(R"({"paths":[")", root, R"("],"maxdepth":3})"));
  expected.erase(absl::StrCat(root, "/bob/a/b/c/d/deep_key private"));
  CHECK(shallow.keys == expected);
  CHECK(shallow.result.errors.size() == 1);
  Found top = RunSshkey(absl::StrCat(R"({"paths":[")", root, R"("],"maxdepth":1})"));
  CHECK(top.keys.empty());
  CHECK_FALSE(top.result.found_anything);

  // A file as a search path, and a path that does not exist.
  Found file =
      RunSshkey(absl::StrCat(R"({"paths":[")", root, R"(/alice/.ssh/authorized_keys",")", root, R"(/nowhere"]})"));
  CHECK(file.keys.size() == 1);
  REQUIRE(file.result.errors.size() == 1);
  CHECK(file.result.errors[0] == absl::StrCat(root, "/nowhere: No such file or directory"));
}

TEST_CASE("sshkey results render as MIG's client prints them") {
  const Module* module = FindModule("sshkey");
  REQUIRE(module != nullptr);
  std::string result = R"({"foundanything":true,"success":true,"elements":{"keys":[
      {"fingerprint_md5":"MD5:0c:6c","fingerprint_sha256":"SHA256:k2hv","path":"/root/.ssh/id_ed25519",
       "encrypted":false,"type":"private","keytype":"ED25519","bits":256,"comment":"","line":0},
      {"fingerprint_md5":"","fingerprint_sha256":"","path":"/root/old.pem","encrypted":true,"type":"private",
       "keytype":"","bits":0,"comment":"","line":0},
      {"fingerprint_md5":"aa:bb","fingerprint_sha256":"SHA256:x","path":"/home/a/.ssh/authorized_keys",
       "encrypted":false,"type":"authorizedkeys"}]},
      "statistics":{"filescount":12,"execruntime":"1.2ms"},"errors":["/x: Permission denied"]})";
  absl::StatusOr<std::string> found = module->Render(result, {.show = Show::kFound});
  REQUIRE(found.ok());
  CHECK(
      *found ==
      "/root/.ssh/id_ed25519 [private] encrypted=false md5fp=MD5:0c:6c sha256fp=SHA256:k2hv keytype=ED25519 bits=256\n"
      "/root/old.pem [private] encrypted=true md5fp=unknown sha256fp=unknown\n"
      "/home/a/.ssh/authorized_keys [authorizedkeys] md5fp=aa:bb sha256fp=SHA256:x\n"
      "1 error (-show all lists them)\n"
      "Statistics: 12 files checked, ran in 1.2ms.\n");
  absl::StatusOr<std::string> all = module->Render(result, {.show = Show::kAll});
  REQUIRE(all.ok());
  CHECK(all->find("/x: Permission denied\n") != std::string::npos);
}

TEST_CASE("sshkey refuses bad parameters in its result") {
  const Module* module = FindModule("sshkey");
  REQUIRE(module != nullptr);
  absl::StatusOr<ParsedResult> bad = ParseResult(module->Run(R"({"maxdepth":5000})", RunContext{}));
  REQUIRE(bad.ok());
  CHECK_FALSE(bad->success);
  REQUIRE(bad->errors.size() == 1);
  CHECK(bad->errors[0].find("maxdepth") != std::string::npos);
}

}  // namespace
}  // namespace mig::modules::sshkey
