#include "protocol/release/manifest.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/rfc3339.h"
#include "base/status_macros.h"
#include "protocol/action/canonical.h"
#include "protocol/validity.h"

namespace mig::release {
namespace {

using json::AsArray;
using json::AsObject;
using json::AsString;
using json::ChildPath;
using json::IndexPath;

// What release signatures cover starts with this, so that no signed release can pass for a signed action
// ("mig-action-v1\n"), nor an action for a release.
constexpr std::string_view kSigningDomain = "mig-release-v1\n";
// root -> files -> file -> value.
constexpr size_t kMaxDepth = 8;
constexpr size_t kMaxVersionBytes = 64;
constexpr size_t kMaxPlatformBytes = 64;
constexpr size_t kMaxFileNameBytes = 255;
constexpr size_t kMaxVersionNumbers = 4;
constexpr int64_t kMaxVersionNumber = (int64_t{1} << 31) - 1;

absl::Status Invalid(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

absl::StatusOr<std::string> BoundedString(simdjson::dom::element e, const std::string& path, size_t max) {
  MIG_ASSIGN_OR_RETURN(std::string value, AsString(e, path));
  if (value.size() > max) {
    return Invalid(path, absl::StrCat(value.size(), " bytes, more than the limit of ", max));
  }
  return value;
}

// Times are whole seconds between 1970 and 9999, so that every one that parses prints back the same and
// none becomes absl's infinite past or future.
absl::StatusOr<absl::Time> AsTime(simdjson::dom::element e, const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, BoundedString(e, path, 64));
  absl::StatusOr<absl::Time> parsed = ParseRfc3339(text);
  if (!parsed.ok()) return Invalid(path, parsed.status().message());
  absl::Time time = *parsed;
  static const absl::Time kLast = absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  if (time < absl::UnixEpoch() || time >= kLast) {
    return Invalid(path, absl::StrCat("'", text, "' is not between 1970 and 9999"));
  }
  if (absl::FromUnixSeconds(absl::ToUnixSeconds(time)) != time) {
    return Invalid(path, absl::StrCat("'", text, "' has a fraction of a second; manifests use whole seconds"));
  }
  return time;
}

std::string ManifestTime(absl::Time time) {
  // %E*S prints a fraction only when there is one: ParseManifest refuses it, so a manifest built in code
  // with one cannot be signed (SigningBytes), rather than being signed for a time it does not hold.
  return FormatRfc3339(time);
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

std::string LowerHex(const uint8_t* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

// Lowercase only: one spelling per hash, as the tools that print them (sha256sum, mig) write them.
absl::StatusOr<std::array<uint8_t, 32>> ParseSha256(std::string_view text, const std::string& path) {
  if (text.size() != 64 || !std::all_of(text.begin(), text.end(), IsLowerHex)) {
    return Invalid(path, absl::StrCat("'", text.substr(0, 80), "' is not a SHA-256 (64 lowercase hex digits)"));
  }
  std::array<uint8_t, 32> out;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(HexValue(text[2 * i]) << 4 | HexValue(text[2 * i + 1]));
  }
  return out;
}

absl::Status CheckMode(uint32_t mode, const std::string& path) {
  if ((mode & ~uint32_t{0777}) != 0) {
    return Invalid(path, absl::StrFormat("%04o has setuid, setgid or sticky bits; a release file may not", mode));
  }
  if ((mode & 022) != 0) {
    return Invalid(path, absl::StrFormat("%04o lets group or others write the file; a release file may not", mode));
  }
  return absl::OkStatus();
}

// "0755" or "755": three or four octal digits.
absl::StatusOr<uint32_t> ParseMode(std::string_view text, const std::string& path) {
  if (text.size() < 3 || text.size() > 4 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; })) {
    return Invalid(path, absl::StrCat("'", text.substr(0, 16), "' is not a mode in octal like \"0755\""));
  }
  uint32_t mode = 0;
  for (char c : text) mode = mode * 8 + static_cast<uint32_t>(c - '0');
  MIG_RETURN_IF_ERROR(CheckMode(mode, path));
  return mode;
}

// A plain file name in the manifest's directory: letters, digits and . _ - +, not starting with '.' or '-'
// (no hidden files, nothing that reads as a flag) and without "..", so it can name nothing elsewhere.
absl::Status CheckFileName(std::string_view name, const std::string& path) {
  if (name.empty()) return Invalid(path, "empty file name");
  if (name.size() > kMaxFileNameBytes) {
    return Invalid(path, absl::StrCat(name.size(), " bytes, more than the limit of ", kMaxFileNameBytes));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '+') {
      return Invalid(path, absl::StrCat("'", name, "' is not a plain file name (letters, digits and . _ - + only)"));
    }
  }
  if (name.front() == '.' || name.front() == '-' || absl::StrContains(name, "..")) {
    return Invalid(path, absl::StrCat("'", name, "' is not a plain file name (no leading '.' or '-', no \"..\")"));
  }
  return absl::OkStatus();
}

absl::Status CheckPlatform(std::string_view platform, const std::string& path) {
  if (platform.empty()) return Invalid(path, "empty");
  for (char c : platform) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return Invalid(path, absl::StrCat("'", platform, "' is not a platform like ", kThisPlatform));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AsVersion(simdjson::dom::element e, const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string version, BoundedString(e, path, kMaxVersionBytes));
  absl::Status valid = CheckVersion(version);
  if (!valid.ok()) return Invalid(path, valid.message());
  return version;
}

absl::Status ParseFiles(simdjson::dom::element e, std::vector<ReleaseFile>* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, AsArray(e, "files"));
  if (array.size() == 0) return Invalid("files", "a release needs at least one file");
  if (array.size() > kMaxManifestFiles) {
    return Invalid("files", absl::StrCat(array.size(), " files, more than the limit of ", kMaxManifestFiles));
  }
  std::set<std::string> names;
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string path = IndexPath("files", index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, AsObject(item, path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, path, {"name", "size", "sha256", "mode"}));
    ReleaseFile file;
    bool has_name = false, has_size = false, has_sha256 = false, has_mode = false;
    for (simdjson::dom::key_value_pair field : object) {
      std::string field_path = ChildPath(path, field.key);
      if (field.key == "name") {
        MIG_ASSIGN_OR_RETURN(file.name, BoundedString(field.value, field_path, kMaxFileNameBytes));
        MIG_RETURN_IF_ERROR(CheckFileName(file.name, field_path));
        has_name = true;
      } else if (field.key == "size") {
        MIG_ASSIGN_OR_RETURN(file.size, json::AsCount(field.value, field_path, kMaxReleaseFileBytes));
        has_size = true;
      } else if (field.key == "sha256") {
        MIG_ASSIGN_OR_RETURN(std::string text, BoundedString(field.value, field_path, 64));
        MIG_ASSIGN_OR_RETURN(file.sha256, ParseSha256(text, field_path));
        has_sha256 = true;
      } else if (field.key == "mode") {
        MIG_ASSIGN_OR_RETURN(std::string text, BoundedString(field.value, field_path, 16));
        MIG_ASSIGN_OR_RETURN(file.mode, ParseMode(text, field_path));
        has_mode = true;
      }
    }
    if (!has_name || !has_size || !has_sha256 || !has_mode) {
      return Invalid(path, "needs \"name\", \"size\", \"sha256\" and \"mode\"");
    }
    if (!names.insert(file.name).second) {
      return Invalid(ChildPath(path, "name"), absl::StrCat("'", file.name, "' is listed twice"));
    }
    out->push_back(std::move(file));
  }
  return absl::OkStatus();
}

absl::Status ParseSignatures(simdjson::dom::element e, std::vector<ReleaseSignature>* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, AsArray(e, "signatures"));
  if (array.size() > kMaxManifestSignatures) {
    return Invalid("signatures",
                   absl::StrCat(array.size(), " signatures, more than the limit of ", kMaxManifestSignatures));
  }
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string path = IndexPath("signatures", index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, AsObject(item, path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, path, {"keyid", "signature"}));
    simdjson::dom::element key_id, signature;
    if (object["keyid"].get(key_id) != simdjson::SUCCESS || object["signature"].get(signature) != simdjson::SUCCESS) {
      return Invalid(path, "needs \"keyid\" and \"signature\"");
    }
    ReleaseSignature s;
    std::string key_id_path = ChildPath(path, "keyid");
    MIG_ASSIGN_OR_RETURN(s.key_id, BoundedString(key_id, key_id_path, 16));
    if (s.key_id.size() != 16 || !std::all_of(s.key_id.begin(), s.key_id.end(), IsLowerHex)) {
      return Invalid(key_id_path, absl::StrCat("'", s.key_id, "' is not a key id (16 lowercase hex digits)"));
    }
    MIG_ASSIGN_OR_RETURN(std::string text, BoundedString(signature, ChildPath(path, "signature"), 128));
    absl::StatusOr<crypto::Ed25519Signature> bytes = crypto::SignatureFromBase64(text);
    if (!bytes.ok()) return Invalid(ChildPath(path, "signature"), bytes.status().message());
    s.signature = *bytes;
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::StatusOr<Manifest> ParseRoot(simdjson::dom::element root_element) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, AsObject(root_element, ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(
      root, "", {"format", "version", "created", "expires", "platform", "rollbackfrom", "files", "signatures"}));
  Manifest m;
  std::set<std::string_view> seen;
  for (simdjson::dom::key_value_pair field : root) {
    std::string path(field.key);
    seen.insert(field.key);
    if (field.key == "format") {
      MIG_ASSIGN_OR_RETURN(std::string format, BoundedString(field.value, path, 64));
      if (format != kManifestFormat) {
        return Invalid(path, absl::StrCat("'", format, "' is not supported (this mig reads ", kManifestFormat, ")"));
      }
    } else if (field.key == "version") {
      MIG_ASSIGN_OR_RETURN(m.version, AsVersion(field.value, path));
    } else if (field.key == "created") {
      MIG_ASSIGN_OR_RETURN(m.created, AsTime(field.value, path));
    } else if (field.key == "expires") {
      MIG_ASSIGN_OR_RETURN(m.expires, AsTime(field.value, path));
    } else if (field.key == "platform") {
      MIG_ASSIGN_OR_RETURN(m.platform, BoundedString(field.value, path, kMaxPlatformBytes));
      MIG_RETURN_IF_ERROR(CheckPlatform(m.platform, path));
    } else if (field.key == "rollbackfrom") {
      MIG_ASSIGN_OR_RETURN(m.rollback_from, AsVersion(field.value, path));
    } else if (field.key == "files") {
      MIG_RETURN_IF_ERROR(ParseFiles(field.value, &m.files));
    } else if (field.key == "signatures") {
      MIG_RETURN_IF_ERROR(ParseSignatures(field.value, &m.signatures));
    }
  }
  // Only signatures may be left out (an unsigned manifest); everything else is what a release is.
  for (std::string_view required : {"format", "version", "created", "expires", "platform", "files"}) {
    if (seen.count(required) == 0) return Invalid(required, "missing: a release manifest needs it");
  }
  if (m.expires <= m.created) return Invalid("expires", "the manifest expires before it was created");
  if (m.rollback_from.has_value() && CompareVersions(m.version, *m.rollback_from) >= 0) {
    return Invalid("rollbackfrom",
                   absl::StrCat("a rollback from ", *m.rollback_from, " must be to an older version, not ", m.version));
  }
  return m;
}

void WriteFields(json::JsonWriter& w, const Manifest& m, bool with_signatures) {
  w.Field("format", kManifestFormat);
  w.Field("version", m.version);
  w.Field("created", ManifestTime(m.created));
  w.Field("expires", ManifestTime(m.expires));
  w.Field("platform", m.platform);
  if (m.rollback_from.has_value()) w.Field("rollbackfrom", *m.rollback_from);
  w.Key("files");
  w.BeginArray();
  for (const ReleaseFile& f : m.files) {
    w.BeginObject();
    w.Field("name", f.name);
    w.Field("size", f.size);
    w.Field("sha256", LowerHex(f.sha256.data(), f.sha256.size()));
    w.Field("mode", absl::StrFormat("%04o", f.mode));
    w.EndObject();
  }
  w.EndArray();
  if (with_signatures) {
    w.Key("signatures");
    w.BeginArray();
    for (const ReleaseSignature& s : m.signatures) {
      w.BeginObject();
      w.Field("keyid", s.key_id);
      w.Field("signature", crypto::SignatureToBase64(s.signature));
      w.EndObject();
    }
    w.EndArray();
  }
}

// A version split into its numbers (missing ones 0) and its pre-release identifiers.
struct ParsedVersion {
  std::array<int64_t, kMaxVersionNumbers> numbers{};
  std::vector<std::string_view> pre_release;
};

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

absl::StatusOr<ParsedVersion> ParseVersion(std::string_view version) {
  auto bad = [version](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("'", version.substr(0, kMaxVersionBytes + 8),
                                                   "' is not a version like 0.2.0 or 1.0.0-rc.1: ", why));
  };
  if (version.empty()) return bad("empty");
  if (version.size() > kMaxVersionBytes) return bad(absl::StrCat("longer than ", kMaxVersionBytes, " bytes"));
  ParsedVersion parsed;
  size_t dash = version.find('-');
  std::string_view numbers = version.substr(0, dash);
  std::vector<std::string_view> parts = absl::StrSplit(numbers, '.');
  if (parts.size() > kMaxVersionNumbers) return bad(absl::StrCat("more than ", kMaxVersionNumbers, " numbers"));
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (!IsDigits(part)) return bad("the numbers are dotted decimal digits");
    // One spelling per number: "01" and "1" would be the same version written two ways.
    if (part.size() > 1 && part.front() == '0') return bad("a number has a leading zero");
    int64_t value = 0;
    if (part.size() > 10 || !absl::SimpleAtoi(part, &value) || value > kMaxVersionNumber) {
      return bad("a number is 2^31 or more");
    }
    parsed.numbers[i] = value;
  }
  if (dash == std::string_view::npos) return parsed;
  std::string_view pre_release = version.substr(dash + 1);
  if (pre_release.empty()) return bad("empty pre-release after '-'");
  for (char c : pre_release) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') {
      return bad("the pre-release is letters, digits, '.' and '-'");
    }
  }
  parsed.pre_release = absl::StrSplit(pre_release, '.');
  for (std::string_view identifier : parsed.pre_release) {
    if (identifier.empty()) return bad("an empty pre-release identifier");
    if (IsDigits(identifier) && identifier.size() > 1 && identifier.front() == '0') {
      return bad("a numeric pre-release identifier has a leading zero");
    }
  }
  return parsed;
}

// Numeric identifiers have no leading zeros (ParseVersion), so the longer is the larger and equal lengths
// compare bytewise, whatever their size.
int CompareIdentifiers(std::string_view a, std::string_view b) {
  bool a_numeric = IsDigits(a), b_numeric = IsDigits(b);
  if (a_numeric && b_numeric) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (a_numeric != b_numeric) return a_numeric ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c == 0 ? 0 : 1);
}

}  // namespace

absl::StatusOr<Manifest> ParseManifest(std::string_view json) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(json, "release manifest", kMaxManifestBytes, kMaxDepth));
  return ParseRoot(doc->root());
}

std::string ManifestToJson(const Manifest& manifest, bool indent) {
  json::JsonWriter w(indent ? 2 : 0);
  w.BeginObject();
  WriteFields(w, manifest, /*with_signatures=*/true);
  w.EndObject();
  return std::move(w).Take();
}

absl::StatusOr<std::string> SigningBytes(const Manifest& manifest) {
  // Written, then read back by the parser a loader uses: a manifest built in code that a loader would
  // refuse is refused here, before anyone signs it. The canonical form is then canonical.h's alone.
  json::JsonWriter w;
  w.BeginObject();
  WriteFields(w, manifest, /*with_signatures=*/false);
  w.EndObject();
  std::string unsigned_json = std::move(w).Take();
  MIG_ASSIGN_OR_RETURN(auto doc,
                       json::JsonDocument::Parse(unsigned_json, "release manifest", kMaxManifestBytes, kMaxDepth));
  absl::StatusOr<Manifest> checked = ParseRoot(doc->root());
  if (!checked.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the manifest is not valid: ", checked.status().message()));
  }
  MIG_ASSIGN_OR_RETURN(std::string canonical, action::CanonicalJson(doc->root(), ""));
  return absl::StrCat(kSigningDomain, canonical);
}

absl::StatusOr<ReleaseSignature> SignManifest(const Manifest& manifest, const crypto::Ed25519KeyPair& key) {
  MIG_ASSIGN_OR_RETURN(std::string bytes, SigningBytes(manifest));
  ReleaseSignature s;
  s.key_id = key.public_key().KeyId();
  s.signature = key.Sign(bytes);
  return s;
}

absl::Status VerifyManifestSignatures(const Manifest& manifest,
                                      const std::vector<crypto::Ed25519PublicKey>& release_keys, uint64_t threshold) {
  if (threshold == 0) {
    return absl::InvalidArgumentError("a release signature threshold of 0 would accept unsigned releases");
  }
  // Distinct keys: listing one key twice must not let one signer meet a threshold of two.
  std::vector<crypto::Ed25519PublicKey> keys;
  for (const crypto::Ed25519PublicKey& key : release_keys) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  if (keys.size() < threshold) {
    return absl::InvalidArgumentError(absl::StrCat("a threshold of ", threshold,
                                                   " release signatures cannot be met by ", keys.size(),
                                                   " distinct release key", keys.size() == 1 ? "" : "s"));
  }
  std::vector<std::string> key_ids;
  for (const crypto::Ed25519PublicKey& key : keys) key_ids.push_back(key.KeyId());
  MIG_ASSIGN_OR_RETURN(std::string bytes, SigningBytes(manifest));

  std::vector<bool> counted(keys.size(), false);
  uint64_t valid = 0;
  std::vector<std::string> problems;
  for (size_t i = 0; i < manifest.signatures.size(); ++i) {
    const ReleaseSignature& s = manifest.signatures[i];
    bool known = false;
    std::optional<size_t> signer;
    // Every key with this id is tried: ids are short fingerprints, and a key made to share a release key's id
    // must not shadow it.
    for (size_t k = 0; k < keys.size() && !signer.has_value(); ++k) {
      if (key_ids[k] != s.key_id) continue;
      known = true;
      if (keys[k].Verify(bytes, s.signature)) signer = k;
    }
    if (!known) {
      problems.push_back(absl::StrCat("signature ", i, ": key ", s.key_id, " is not a release key"));
    } else if (!signer.has_value()) {
      problems.push_back(absl::StrCat("signature ", i, ": does not verify (key ", s.key_id, ")"));
    } else if (counted[*signer]) {
      problems.push_back(absl::StrCat("signature ", i, ": key ", s.key_id, " signed twice, counted once"));
    } else {
      counted[*signer] = true;
      ++valid;
    }
  }
  if (valid >= threshold) return absl::OkStatus();
  std::string message = absl::StrCat(valid, " valid signature", valid == 1 ? "" : "s", " by distinct release keys, ",
                                     threshold, " needed");
  if (manifest.signatures.empty()) absl::StrAppend(&message, ": the manifest is not signed");
  if (!problems.empty()) absl::StrAppend(&message, "; ", absl::StrJoin(problems, "; "));
  return absl::FailedPreconditionError(message);
}

absl::Status CheckInstallable(const Manifest& manifest, const std::optional<std::string>& installed_version,
                              absl::Time now) {
  if (now > manifest.expires) {
    return absl::FailedPreconditionError(
        absl::StrCat("the release manifest expired at ", ManifestTime(manifest.expires)));
  }
  if (manifest.created > now + protocol::kDefaultClockSkew) {
    return absl::FailedPreconditionError(absl::StrCat("the release manifest was created at ",
                                                      ManifestTime(manifest.created),
                                                      ", in the future (is this host's clock right?)"));
  }
  if (manifest.platform != kThisPlatform) {
    return absl::FailedPreconditionError(
        absl::StrCat("the release is for ", manifest.platform, ", not for this host's ", kThisPlatform));
  }
  size_t binaries = 0;
  for (const ReleaseFile& f : manifest.files) {
    if (absl::StartsWith(f.name, kBinaryFilePrefix)) ++binaries;
  }
  if (binaries != 1) {
    return absl::FailedPreconditionError(absl::StrCat("the release has ", binaries, " files whose name starts with '",
                                                      kBinaryFilePrefix, "'; it needs exactly one, the mig binary"));
  }
  if (absl::Status valid = CheckVersion(manifest.version); !valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("release version: ", valid.message()));
  }
  if (installed_version.has_value()) {
    if (absl::Status valid = CheckVersion(*installed_version); !valid.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("installed version: ", valid.message()));
    }
  }
  if (manifest.rollback_from.has_value()) {
    const std::string& from = *manifest.rollback_from;
    if (absl::Status valid = CheckVersion(from); !valid.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("rollbackfrom: ", valid.message()));
    }
    if (!installed_version.has_value() || CompareVersions(from, *installed_version) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the release is a rollback from ", from, " to ", manifest.version, ", but ",
          installed_version.has_value() ? absl::StrCat(*installed_version, " is installed") : "nothing is installed"));
    }
    if (CompareVersions(manifest.version, from) >= 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("the release is a rollback from ", from, " to ", manifest.version, ", which is not older"));
    }
    return absl::OkStatus();
  }
  if (installed_version.has_value() && CompareVersions(manifest.version, *installed_version) <= 0) {
    return absl::FailedPreconditionError(absl::StrCat("release ", manifest.version, " is not newer than the installed ",
                                                      *installed_version,
                                                      " (an older release is installed only by a rollback manifest)"));
  }
  return absl::OkStatus();
}

const ReleaseFile& BinaryFile(const Manifest& manifest) {
  for (const ReleaseFile& f : manifest.files) {
    if (absl::StartsWith(f.name, kBinaryFilePrefix)) return f;
  }
  // The caller skipped CheckInstallable: installing whatever came next would be worse than stopping.
  std::fprintf(stderr, "mig: BinaryFile() called on a release manifest without a binary\n");
  std::abort();
}

absl::Status CheckVersion(std::string_view version) { return ParseVersion(version).status(); }

int CompareVersions(std::string_view a, std::string_view b) {
  absl::StatusOr<ParsedVersion> pa = ParseVersion(a), pb = ParseVersion(b);
  // Not versions at all (a broken contract): still a total order, so callers cannot crash on it.
  if (!pa.ok() || !pb.ok()) {
    if (pa.ok() != pb.ok()) return pa.ok() ? 1 : -1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c == 0 ? 0 : 1);
  }
  for (size_t i = 0; i < kMaxVersionNumbers; ++i) {
    if (pa->numbers[i] != pb->numbers[i]) return pa->numbers[i] < pb->numbers[i] ? -1 : 1;
  }
  // A pre-release comes before its release.
  if (pa->pre_release.empty() != pb->pre_release.empty()) return pa->pre_release.empty() ? 1 : -1;
  size_t common = std::min(pa->pre_release.size(), pb->pre_release.size());
  for (size_t i = 0; i < common; ++i) {
    if (int c = CompareIdentifiers(pa->pre_release[i], pb->pre_release[i]); c != 0) return c;
  }
  if (pa->pre_release.size() != pb->pre_release.size()) return pa->pre_release.size() < pb->pre_release.size() ? -1 : 1;
  return 0;
}

}  // namespace mig::release
