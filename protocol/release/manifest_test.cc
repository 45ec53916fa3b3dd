#include "protocol/release/manifest.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "catch2/catch.hpp"

namespace mig::release {
namespace {

constexpr char kSha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

constexpr char kManifest[] = R"({
  "format": "mig-release-v1",
  "version": "0.2.0",
  "created": "2027-01-15T08:00:00Z",
  "expires": "2027-02-14T08:00:00Z",
  "platform": "linux-x86_64",
  "files": [
    {"name": "mig-0.2.0", "size": 123, "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "mode": "0755"},
    {"name": "NOTES.txt", "size": 0, "sha256": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "mode": "0644"}
  ],
  "signatures": []
})";

const absl::Time kCreated = absl::FromUnixSeconds(1800000000);  // 2027-01-15T08:00:00Z
const absl::Time kNow = kCreated + absl::Hours(1);

crypto::Ed25519KeyPair Key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return crypto::Ed25519KeyPair::FromSeed(seed);
}

Manifest Parsed(std::string_view json = kManifest) {
  absl::StatusOr<Manifest> m = ParseManifest(json);
  INFO(m.status().message());
  REQUIRE(m.ok());
  return *m;
}

// A manifest installable at kNow over 0.1.0.
Manifest Release(std::string version = "0.2.0") {
  Manifest m;
  m.version = version;
  m.created = kCreated;
  m.expires = kCreated + absl::Hours(24 * 30);
  m.files.push_back({absl::StrCat("mig-", version), 123, {}, 0755});
  return m;
}

void Sign(Manifest& m, const crypto::Ed25519KeyPair& key) {
  absl::StatusOr<ReleaseSignature> s = SignManifest(m, key);
  INFO(s.status().message());
  REQUIRE(s.ok());
  m.signatures.push_back(*s);
}

void CheckSame(const Manifest& a, const Manifest& b) {
  CHECK(a.version == b.version);
  CHECK(a.created == b.created);
  CHECK(a.expires == b.expires);
  CHECK(a.platform == b.platform);
  CHECK(a.rollback_from == b.rollback_from);
  REQUIRE(a.files.size() == b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    CHECK(a.files[i].name == b.files[i].name);
    CHECK(a.files[i].size == b.files[i].size);
    CHECK(a.files[i].sha256 == b.files[i].sha256);
    CHECK(a.files[i].mode == b.files[i].mode);
  }
  REQUIRE(a.signatures.size() == b.signatures.size());
  for (size_t i = 0; i < a.signatures.size(); ++i) {
    CHECK(a.signatures[i].key_id == b.signatures[i].key_id);
    CHECK(a.signatures[i].signature == b.signatures[i].signature);
  }
}

TEST_CASE("A release manifest parses into every field") {
  Manifest m = Parsed();
  CHECK(m.version == "0.2.0");
  CHECK(m.created == kCreated);
  CHECK(m.expires == kCreated + absl::Hours(24 * 30));
  CHECK(m.platform == "linux-x86_64");
  CHECK_FALSE(m.rollback_from.has_value());
  REQUIRE(m.files.size() == 2);
  CHECK(m.files[0].name == "mig-0.2.0");
  CHECK(m.files[0].size == 123);
  CHECK(m.files[0].sha256[0] == 0xe3);
  CHECK(m.files[0].sha256[31] == 0x55);
  CHECK(m.files[0].mode == 0755);
  CHECK(m.files[1].mode == 0644);
  CHECK(m.signatures.empty());
  CHECK(BinaryFile(m).name == "mig-0.2.0");
  // Signatures may be left out (an unsigned manifest); modes may have three digits; times any offset.
  Manifest short_form = Parsed(absl::StrReplaceAll(
      kManifest, {{",\n  \"signatures\": []", ""}, {"\"0644\"", "\"644\""}, {"08:00:00Z", "10:00:00+02:00"}}));
  CheckSame(short_form, m);
}

TEST_CASE("ManifestToJson round-trips exactly, compact and indented, with and without a rollback") {
  Manifest plain = Parsed();
  Sign(plain, Key(1));
  Sign(plain, Key(2));
  Manifest rollback = Release("0.1.5-rc.2");
  rollback.rollback_from = "0.2.0";
  Sign(rollback, Key(3));
  for (const Manifest* m : {&plain, &rollback}) {
    for (bool indent : {false, true}) {
      std::string json = ManifestToJson(*m, indent);
      INFO(json);
      Manifest again = Parsed(json);
      CheckSame(again, *m);
      CHECK(ManifestToJson(again, indent) == json);
      CHECK(*SigningBytes(again) == *SigningBytes(*m));
    }
  }
  CHECK(ManifestToJson(plain, false).find("rollbackfrom") == std::string::npos);
  CHECK_THAT(ManifestToJson(rollback, false), Catch::Contains(R"("rollbackfrom":"0.2.0")"));
  CHECK_THAT(ManifestToJson(plain, false), Catch::Contains(R"("mode":"0755")") &&
                                               Catch::Contains(R"("created":"2027-01-15T08:00:00Z")") &&
                                               Catch::Contains(absl::StrCat(R"("sha256":")", kSha, "\"")));
  CHECK_THAT(ManifestToJson(plain), Catch::Contains("\n  \"version\": \"0.2.0\""));
}

struct ErrorCase {
  std::string json;
  const char* message_part;
};

TEST_CASE("Malformed manifests are refused with the field named") {
  auto with = [](std::string_view from, std::string_view to) {
    std::string out = absl::StrReplaceAll(kManifest, {{from, to}});
    REQUIRE(out != kManifest);
    return out;
  };
  const std::string file1 =
      R"({"name": "mig-0.2.0", "size": 123, "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "mode": "0755"})";
  std::string many_files = "[";
  for (int i = 0; i < 17; ++i) {
    absl::StrAppend(&many_files, i ? "," : "", absl::StrReplaceAll(file1, {{"mig-0.2.0", absl::StrCat("f", i)}}));
  }
  many_files += "]";
  std::string many_signatures = "[";
  for (int i = 0; i < 17; ++i) {
    absl::StrAppend(&many_signatures, i ? "," : "", R"({"keyid": "0123456789abcdef", "signature": ")",
                    crypto::SignatureToBase64({}), "\"}");
  }
  many_signatures += "]";
  std::string deep = "{\"files\":";
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  deep += "}";
  const std::string signature =
      absl::StrCat(R"({"keyid": "0123456789abcdef", "signature": ")", crypto::SignatureToBase64({}), "\"}");
  const ErrorCase cases[] = {
      // Unknown fields, at every level.
      {with("\"platform\"", "\"platfrom\""), "unknown field \"platfrom\""},
      {with("\"mode\": \"0644\"", "\"mode\": \"0644\", \"owner\": \"root\""), "files[1]: unknown field \"owner\""},
      {with("\"signatures\": []",
            absl::StrCat("\"signatures\": [", absl::StrReplaceAll(signature, {{"\"keyid\"", "\"by\": 1, \"keyid\""}}),
                         "]")),
       "signatures[0]: unknown field \"by\""},
      // Duplicate keys.
      {with("\"version\": \"0.2.0\"", "\"version\": \"0.2.0\", \"version\": \"9.0.0\""),
       "field \"version\" appears more than once"},
      {with("\"size\": 0", "\"size\": 0, \"size\": 1"), "files[1]: field \"size\" appears more than once"},
      // Wrong types.
      {with("\"version\": \"0.2.0\"", "\"version\": 2"), "version: expected a string, got number"},
      {with("\"size\": 123", "\"size\": \"123\""), "files[0].size: expected a whole number, got string"},
      {with("\"size\": 123", "\"size\": -1"), "files[0].size"},
      {with("\"size\": 123", "\"size\": 1.5"), "files[0].size: 1.5 is not a whole number"},
      {with("\"mode\": \"0755\"", "\"mode\": 493"), "files[0].mode: expected a string, got number"},
      {with("\"signatures\": []", "\"signatures\": null"), "signatures: expected an array, got null"},
      {with("\"signatures\": []", "\"signatures\": [], \"rollbackfrom\": null"),
       "rollbackfrom: expected a string, got null"},
      {R"({"format":"mig-release-v1","version":"1","created":"2027-01-15T08:00:00Z","expires":"2027-02-14T08:00:00Z","platform":"p","files":{}})",
       "files: expected an array, got object"},
      {"[]", "document: expected an object, got array"},
      // Missing fields.
      {with("\"format\": \"mig-release-v1\",", ""), "format: missing"},
      {with("\"version\": \"0.2.0\",", ""), "version: missing"},
      {with("\"created\": \"2027-01-15T08:00:00Z\",", ""), "created: missing"},
      {with("\"expires\": \"2027-02-14T08:00:00Z\",", ""), "expires: missing"},
      {with("\"platform\": \"linux-x86_64\",", ""), "platform: missing"},
      {with("\"size\": 123, ", ""), "files[0]: needs \"name\", \"size\", \"sha256\" and \"mode\""},
      {with("\"signatures\": []",
            absl::StrCat("\"signatures\": [",
                         absl::StrReplaceAll(signature, {{"\"keyid\": \"0123456789abcdef\", ", ""}}), "]")),
       "signatures[0]: needs \"keyid\" and \"signature\""},
      // Bad values.
      {with("\"mig-release-v1\"", "\"mig-release-v2\""), "format: 'mig-release-v2' is not supported"},
      {with("\"version\": \"0.2.0\"", "\"version\": \"0.2.x\""), "version: '0.2.x' is not a version"},
      {with("\"version\": \"0.2.0\"", "\"version\": \"0.2.0\", \"rollbackfrom\": \"latest\""),
       "rollbackfrom: 'latest' is not a version"},
      {with("\"version\": \"0.2.0\"", "\"version\": \"0.2.0\", \"rollbackfrom\": \"0.2.0\""),
       "rollbackfrom: a rollback from 0.2.0 must be to an older version, not 0.2.0"},
      {with("\"version\": \"0.2.0\"", "\"version\": \"0.2.0\", \"rollbackfrom\": \"0.1.0\""),
       "rollbackfrom: a rollback from 0.1.0 must be to an older version"},
      {with("2027-01-15T08:00:00Z", "yesterday"), "created: 'yesterday' is not an RFC 3339 time"},
      {with("2027-01-15T08:00:00Z", "2027-01-15T08:00:00.5Z"), "created: '2027-01-15T08:00:00.5Z' has a fraction"},
      {with("2027-02-14T08:00:00Z", "1969-12-31T23:59:59Z"), "expires: '1969-12-31T23:59:59Z' is not between 1970"},
      {with("2027-02-14T08:00:00Z", "2027-01-15T08:00:00Z"), "expires: the manifest expires before it was created"},
      {with("\"linux-x86_64\"", "\"linux/x86_64\""), "platform: 'linux/x86_64' is not a platform"},
      {with("\"linux-x86_64\"", "\"\""), "platform: empty"},
      {with(kSha, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
       "files[0].sha256: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' is not a SHA-256"},
      {with(kSha, "e3b0c44298fc1c14"), "files[0].sha256: 'e3b0c44298fc1c14' is not a SHA-256 (64 lowercase hex"},
      {with(kSha, std::string(64, 'g')), "files[0].sha256"},
      {with(kSha, std::string(65, 'a')), "files[0].sha256: 65 bytes, more than the limit of 64"},
      {with("\"mode\": \"0755\"", "\"mode\": \"0775\""), "files[0].mode: 0775 lets group or others write"},
      {with("\"mode\": \"0755\"", "\"mode\": \"0757\""), "files[0].mode: 0757 lets group or others write"},
      {with("\"mode\": \"0755\"", "\"mode\": \"4755\""), "files[0].mode: 4755 has setuid"},
      {with("\"mode\": \"0755\"", "\"mode\": \"0855\""), "files[0].mode: '0855' is not a mode in octal"},
      {with("\"mode\": \"0755\"", "\"mode\": \"75\""), "files[0].mode: '75' is not a mode"},
      {with("\"mode\": \"0755\"", "\"mode\": \"00755\""), "files[0].mode: '00755' is not a mode"},
      {with("\"mig-0.2.0\"", "\"../mig\""), "files[0].name: '../mig' is not a plain file name"},
      {with("\"mig-0.2.0\"", "\"bin/mig\""), "files[0].name: 'bin/mig' is not a plain file name"},
      {with("\"mig-0.2.0\"", "\"mig..0\""), "files[0].name: 'mig..0' is not a plain file name"},
      {with("\"mig-0.2.0\"", "\".mig\""), "files[0].name: '.mig' is not a plain file name"},
      {with("\"mig-0.2.0\"", "\"-mig\""), "files[0].name: '-mig' is not a plain file name"},
      {with("\"mig-0.2.0\"", "\"\""), "files[0].name: empty file name"},
      {with("\"mig-0.2.0\"", "\"mig\\u0000\""), "files[0].name"},
      {with("\"NOTES.txt\"", "\"mig-0.2.0\""), "files[1].name: 'mig-0.2.0' is listed twice"},
      {with("\"size\": 123", "\"size\": 1073741825"), "files[0].size: 1073741825 is larger than 1073741824"},
      {absl::StrReplaceAll(kManifest, {{"\"files\": [", "\"files\": [], \"x\": ["}}), "unknown field \"x\""},
      {R"({"format":"mig-release-v1","version":"1","created":"2027-01-15T08:00:00Z","expires":"2027-02-14T08:00:00Z","platform":"p","files":[]})",
       "files: a release needs at least one file"},
      {absl::StrCat(
           R"({"format":"mig-release-v1","version":"1","created":"2027-01-15T08:00:00Z","expires":"2027-02-14T08:00:00Z","platform":"p","files":)",
           many_files, "}"),
       "files: 17 files, more than the limit of 16"},
      {with("\"signatures\": []", absl::StrCat("\"signatures\": ", many_signatures)),
       "signatures: 17 signatures, more than the limit of 16"},
      {with("\"signatures\": []",
            absl::StrCat("\"signatures\": [",
                         absl::StrReplaceAll(signature, {{"0123456789abcdef", "0123456789ABCDEF"}}), "]")),
       "signatures[0].keyid: '0123456789ABCDEF' is not a key id"},
      {with("\"signatures\": []", R"("signatures": [{"keyid": "0123456789abcdef", "signature": "c2hvcnQ="}])"),
       "signatures[0].signature: 'c2hvcnQ=' is not a base64 Ed25519 signature"},
      // Oversized, not JSON, too deep.
      {std::string(kMaxManifestBytes + 1, ' '), "release manifest is 1048577 bytes, more than the limit of 1048576"},
      {"", "release manifest is empty"},
      {"{\"format\":", "not valid JSON"},
      {deep, "nested deeper than 8 levels"},
  };
  for (const ErrorCase& c : cases) {
    INFO(c.json.substr(0, 300));
    absl::StatusOr<Manifest> m = ParseManifest(c.json);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(m.status().message()), Catch::Contains(c.message_part));
  }
}

TEST_CASE("The signed bytes: the release domain, then every field but the signatures") {
  Manifest base = Parsed();
  const std::string original = *SigningBytes(base);
  CHECK(original.rfind("mig-release-v1\n{\"created\":\"2027-01-15T08:00:00Z\",", 0) == 0);
  CHECK(original.find("signature") == std::string::npos);
  CHECK(original.find("mig-action-v1") == std::string::npos);
  // Signatures are not signed: co-signing keeps the others valid.
  Manifest signed_once = base;
  Sign(signed_once, Key(1));
  CHECK(*SigningBytes(signed_once) == original);

  std::vector<std::pair<const char*, std::function<void(Manifest&)>>> changes = {
      {"version", [](Manifest& m) { m.version = "0.2.1"; }},
      {"created", [](Manifest& m) { m.created -= absl::Seconds(1); }},
      {"expires", [](Manifest& m) { m.expires += absl::Seconds(1); }},
      {"platform", [](Manifest& m) { m.platform = "linux-arm64"; }},
      {"rollbackfrom", [](Manifest& m) { m.rollback_from = "0.3.0"; }},
      {"file name", [](Manifest& m) { m.files[1].name = "NOTES.md"; }},
      {"file size", [](Manifest& m) { m.files[0].size += 1; }},
      {"file hash", [](Manifest& m) { m.files[0].sha256[17] ^= 1; }},
      {"file mode", [](Manifest& m) { m.files[0].mode = 0700; }},
      {"file order", [](Manifest& m) { std::swap(m.files[0], m.files[1]); }},
      {"file removed", [](Manifest& m) { m.files.pop_back(); }},
  };
  for (auto& [what, change] : changes) {
    INFO(what);
    Manifest changed = base;
    change(changed);
    absl::StatusOr<std::string> bytes = SigningBytes(changed);
    REQUIRE(bytes.ok());
    CHECK(*bytes != original);
  }

  // A manifest built in code that a loader would refuse cannot be signed.
  const std::pair<const char*, std::function<void(Manifest&)>> invalid[] = {
      {"files[0].name: 'bin/mig' is not a plain file name", [](Manifest& m) { m.files[0].name = "bin/mig"; }},
      {"files[0].mode: 4755 has setuid", [](Manifest& m) { m.files[0].mode = 04755; }},
      {"version: 'v2' is not a version", [](Manifest& m) { m.version = "v2"; }},
      {"created: '2027-01-15T08:00:00.25Z' has a fraction", [](Manifest& m) { m.created += absl::Milliseconds(250); }},
      {"files: a release needs at least one file", [](Manifest& m) { m.files.clear(); }},
  };
  for (auto& [message, change] : invalid) {
    Manifest changed = base;
    change(changed);
    absl::StatusOr<std::string> bytes = SigningBytes(changed);
    REQUIRE_FALSE(bytes.ok());
    CHECK_THAT(std::string(bytes.status().message()), Catch::Contains(message));
    CHECK_FALSE(SignManifest(changed, Key(1)).ok());
  }
}

struct SignatureCase {
  const char* what;
  std::vector<uint8_t> signers;  // keys (by seed) that sign, in order
  std::vector<uint8_t> release_keys;
  uint64_t threshold;
  std::function<void(Manifest&)> after_signing;  // tampering, or nothing
  absl::StatusCode code;
  const char* message_part;
};

TEST_CASE("VerifyManifestSignatures counts distinct valid release keys against the threshold") {
  auto nothing = [](Manifest&) {};
  const SignatureCase cases[] = {
      {"2 of 3 met", {1, 2}, {1, 2, 3}, 2, nothing, absl::StatusCode::kOk, ""},
      {"3 of 3 met", {3, 1, 2}, {1, 2, 3}, 3, nothing, absl::StatusCode::kOk, ""},
      {"more than enough", {1, 2, 3}, {1, 2, 3}, 1, nothing, absl::StatusCode::kOk, ""},
      {"a stranger besides enough release keys", {9, 1, 2}, {1, 2, 3}, 2, nothing, absl::StatusCode::kOk, ""},
      {"too few",
       {1},
       {1, 2, 3},
       2,
       nothing,
       absl::StatusCode::kFailedPrecondition,
       "1 valid signature by distinct release keys, 2 needed"},
      {"unsigned",
       {},
       {1, 2, 3},
       1,
       nothing,
       absl::StatusCode::kFailedPrecondition,
       "0 valid signatures by distinct release keys, 1 needed: the manifest is not signed"},
      {"the same key twice counts once",
       {1, 1},
       {1, 2, 3},
       2,
       nothing,
       absl::StatusCode::kFailedPrecondition,
       "signed twice, counted once"},
      {"an unknown key", {1, 9}, {1, 2, 3}, 2, nothing, absl::StatusCode::kFailedPrecondition, "signature 1: key "},
      {"a signature that does not verify",
       {1, 2},
       {1, 2, 3},
       2,
       [](Manifest& m) { m.signatures[1].signature[5] ^= 1; },
       absl::StatusCode::kFailedPrecondition,
       "signature 1: does not verify"},
      {"a field changed after signing",
       {1, 2},
       {1, 2, 3},
       1,
       [](Manifest& m) { m.files[0].size += 1; },
       absl::StatusCode::kFailedPrecondition,
       "signature 0: does not verify"},
      {"another version after signing",
       {1, 2},
       {1, 2, 3},
       1,
       [](Manifest& m) { m.version = "9.9.9"; },
       absl::StatusCode::kFailedPrecondition,
       "0 valid signatures"},
      {"a rollback made of a release",
       {1, 2},
       {1, 2, 3},
       1,
       [](Manifest& m) { m.rollback_from = "0.3.0"; },
       absl::StatusCode::kFailedPrecondition,
       "does not verify"},
      {"threshold 0", {1, 2}, {1, 2, 3}, 0, nothing, absl::StatusCode::kInvalidArgument, "threshold of 0"},
      {"threshold above the keys",
       {1, 2},
       {1, 2},
       3,
       nothing,
       absl::StatusCode::kInvalidArgument,
       "a threshold of 3 release signatures cannot be met by 2 distinct release keys"},
      {"a key listed twice is one key",
       {1},
       {1, 1},
       2,
       nothing,
       absl::StatusCode::kInvalidArgument,
       "cannot be met by 1 distinct release key"},
      {"no release keys", {1}, {}, 1, nothing, absl::StatusCode::kInvalidArgument, "cannot be met by 0"},
  };
  for (const SignatureCase& c : cases) {
    INFO(c.what);
    Manifest m = Parsed();
    for (uint8_t signer : c.signers) Sign(m, Key(signer));
    c.after_signing(m);
    std::vector<crypto::Ed25519PublicKey> keys;
    for (uint8_t k : c.release_keys) keys.push_back(Key(k).public_key());
    absl::Status status = VerifyManifestSignatures(m, keys, c.threshold);
    INFO(status.message());
    CHECK(status.code() == c.code);
    CHECK_THAT(std::string(status.message()), Catch::Contains(c.message_part));
  }
}

TEST_CASE("VerifyManifestSignatures names what was wrong with each signature that did not count") {
  Manifest m = Parsed();
  Sign(m, Key(1));
  Sign(m, Key(1));
  Sign(m, Key(9));
  Sign(m, Key(2));
  m.signatures[3].signature[0] ^= 0x80;
  absl::Status status = VerifyManifestSignatures(m, {Key(1).public_key(), Key(2).public_key()}, 2);
  INFO(status.message());
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  const std::string message(status.message());
  const std::string id1 = Key(1).public_key().KeyId(), id2 = Key(2).public_key().KeyId();
  const std::string id9 = Key(9).public_key().KeyId();
  CHECK(message == absl::StrCat("1 valid signature by distinct release keys, 2 needed; signature 1: key ", id1,
                                " signed twice, counted once; signature 2: key ", id9,
                                " is not a release key; signature 3: does not verify (key ", id2, ")"));
}

TEST_CASE("A signature made for an action's bytes never passes for a release's") {
  Manifest m = Parsed();
  crypto::Ed25519KeyPair key = Key(1);
  std::string bytes = *SigningBytes(m);
  // The same JSON signed under another domain does not verify.
  std::string other_domain = absl::StrCat("mig-action-v1\n", bytes.substr(bytes.find('\n') + 1));
  m.signatures.push_back({key.public_key().KeyId(), key.Sign(other_domain)});
  CHECK_FALSE(VerifyManifestSignatures(m, {key.public_key()}, 1).ok());
  m.signatures[0].signature = key.Sign(bytes);
  CHECK(VerifyManifestSignatures(m, {key.public_key()}, 1).ok());
}

struct InstallCase {
  const char* what;
  std::function<void(Manifest&)> change;
  std::optional<std::string> installed;
  absl::Time now;
  const char* refusal;  // nullptr: installable
};

TEST_CASE("CheckInstallable: fresh, for this platform, one binary, and forward (or a true rollback)") {
  auto nothing = [](Manifest&) {};
  auto rollback = [](std::string to, std::string from) {
    return [to, from](Manifest& m) {
      m.version = to;
      m.files[0].name = absl::StrCat("mig-", to);
      m.rollback_from = from;
    };
  };
  const InstallCase cases[] = {
      {"newer version", nothing, "0.1.0", kNow, nullptr},
      {"newer by pre-release order", nothing, "0.2.0-rc.3", kNow, nullptr},
      {"first install", nothing, std::nullopt, kNow, nullptr},
      {"with other files besides the binary",
       [](Manifest& m) {
         m.files.push_back({"NOTES", 1, {}, 0644});
       },
       "0.1.0", kNow, nullptr},
      {"same version", nothing, "0.2.0", kNow, "release 0.2.0 is not newer than the installed 0.2.0"},
      {"same version spelled differently", nothing, "0.2", kNow, "is not newer than the installed 0.2"},
      {"older version", nothing, "0.3.0", kNow, "release 0.2.0 is not newer than the installed 0.3.0"},
      {"expired", nothing, "0.1.0", kCreated + absl::Hours(24 * 30) + absl::Seconds(1),
       "expired at 2027-02-14T08:00:00Z"},
      {"at the expiry instant", nothing, "0.1.0", kCreated + absl::Hours(24 * 30), nullptr},
      {"created 5 minutes ahead of this clock", nothing, "0.1.0", kCreated - absl::Minutes(5), nullptr},
      {"created more than 5 minutes ahead", nothing, "0.1.0", kCreated - absl::Minutes(5) - absl::Seconds(1),
       "created at 2027-01-15T08:00:00Z, in the future"},
      {"wrong platform", [](Manifest& m) { m.platform = "linux-arm64"; }, "0.1.0", kNow,
       "the release is for linux-arm64, not for this host's linux-x86_64"},
      {"no binary", [](Manifest& m) { m.files[0].name = "agent-0.2.0"; }, "0.1.0", kNow,
       "the release has 0 files whose name starts with 'mig'"},
      {"two binaries",
       [](Manifest& m) {
         m.files.push_back({"mig-old", 1, {}, 0755});
       },
       "0.1.0", kNow, "the release has 2 files whose name starts with 'mig'"},
      {"rollback from the installed version", rollback("0.1.0", "0.2.0"), "0.2.0", kNow, nullptr},
      {"rollback from an equal spelling", rollback("0.1.0", "0.2"), "0.2.0", kNow, nullptr},
      {"rollback replayed after a newer install", rollback("0.1.0", "0.2.0"), "0.3.0", kNow,
       "the release is a rollback from 0.2.0 to 0.1.0, but 0.3.0 is installed"},
      {"rollback from another version", rollback("0.1.0", "0.2.0"), "0.1.5", kNow, "but 0.1.5 is installed"},
      {"rollback on a first install", rollback("0.1.0", "0.2.0"), std::nullopt, kNow, "but nothing is installed"},
      {"rollback that goes forward", rollback("0.3.0", "0.2.0"), "0.2.0", kNow,
       "a rollback from 0.2.0 to 0.3.0, which is not older"},
      {"rollback to the same version", rollback("0.2.0", "0.2.0"), "0.2.0", kNow, "which is not older"},
      {"bad installed version", nothing, "latest", kNow, "installed version: 'latest' is not a version"},
  };
  for (const InstallCase& c : cases) {
    INFO(c.what);
    Manifest m = Release();
    c.change(m);
    absl::Status status = CheckInstallable(m, c.installed, c.now);
    INFO(status.message());
    if (c.refusal == nullptr) {
      CHECK(status.ok());
    } else {
      CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
      CHECK_THAT(std::string(status.message()), Catch::Contains(c.refusal));
    }
  }
}

struct VersionOrder {
  const char* a;
  const char* b;
  int order;  // sign of CompareVersions(a, b)
};

TEST_CASE("Versions order as semantic versions") {
  constexpr VersionOrder kCases[] = {
      {"1.2", "1.2.0", 0},
      {"1.2.0", "1.2.0.0", 0},
      {"1", "1.0.0", 0},
      {"1.0.0-rc.1", "1.0.0", -1},
      {"1.0.0-rc.2", "1.0.0-rc.10", -1},
      {"1.0.0-1", "1.0.0-alpha", -1},
      {"1.0.0-alpha", "1.0.0-alpha.1", -1},
      {"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
      {"1.0.0-alpha.beta", "1.0.0-beta", -1},
      {"1.0.0-beta.11", "1.0.0-rc.1", -1},
      {"1.0.0-Z", "1.0.0-a", -1},
      {"1.0.0-rc-1", "1.0.0-rc.1", 1},
      {"0.10.0", "0.9.9", 1},
      {"0.9.9", "0.10.0", -1},
      {"1.0.0", "0.99.99.99", 1},
      {"1.2.3.4", "1.2.3.5", -1},
      {"2147483647", "2147483646", 1},
      {"1.0.0-99999999999999999999", "1.0.0-100000000000000000000", -1},
      {"1.0.0-rc.1", "1.0.0-rc.1", 0},
      {"1.0-rc.1", "1.0.0-rc.1", 0},
      {"0.1.0-dev", "0.1.0", -1},
  };
  for (const VersionOrder& c : kCases) {
    INFO(c.a << " vs " << c.b);
    REQUIRE(CheckVersion(c.a).ok());
    REQUIRE(CheckVersion(c.b).ok());
    int ab = CompareVersions(c.a, c.b), ba = CompareVersions(c.b, c.a);
    CHECK((ab > 0) - (ab < 0) == c.order);
    CHECK((ba > 0) - (ba < 0) == -c.order);
  }
}

struct BadVersion {
  const char* version;
  const char* why;
};

TEST_CASE("CheckVersion refuses what is not a version, saying why") {
  const BadVersion cases[] = {
      {"", "empty"},
      {"v1.0.0", "the numbers are dotted decimal digits"},
      {"1..0", "the numbers are dotted decimal digits"},
      {"1.0.", "the numbers are dotted decimal digits"},
      {".1", "the numbers are dotted decimal digits"},
      {"-rc.1", "the numbers are dotted decimal digits"},
      {"1.0.0.0.0", "more than 4 numbers"},
      {"1.02.0", "a number has a leading zero"},
      {"2147483648", "a number is 2^31 or more"},
      {"99999999999999999999", "a number is 2^31 or more"},
      {"1.0.0-", "empty pre-release after '-'"},
      {"1.0.0-rc..1", "an empty pre-release identifier"},
      {"1.0.0-rc.", "an empty pre-release identifier"},
      {"1.0.0-rc.01", "a numeric pre-release identifier has a leading zero"},
      {"1.0.0-rc_1", "the pre-release is letters, digits, '.' and '-'"},
      {"1.0.0+build.5", "the numbers are dotted decimal digits"},
      {"1.0.0-rc+build", "the pre-release is letters, digits, '.' and '-'"},
      {"1.0.0 ", "the numbers are dotted decimal digits"},
      {"1.0.0-\xc3\xa9", "the pre-release is letters"},
  };
  for (const BadVersion& c : cases) {
    INFO(c.version);
    absl::Status status = CheckVersion(c.version);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(status.message()), Catch::Contains(c.why));
  }
  CHECK_THAT(std::string(CheckVersion(std::string(65, '1')).message()), Catch::Contains("longer than 64 bytes"));
  CHECK(CheckVersion("0.1.0-dev").ok());
  CHECK(CheckVersion("1.0.0-rc-1.x-y.0").ok());
}

}  // namespace
}  // namespace mig::release
