#include "crypto/key_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "sodium.h"

namespace mig::crypto {
namespace {

constexpr std::string_view kFormat = "mig-secret-key-v1";
// A key file cannot make us spend more than this deriving its key, whatever it claims.
constexpr uint64_t kMaxOpsLimit = 16;
constexpr uint64_t kMaxMemLimit = uint64_t{2} << 30;

std::string B64(const void* data, size_t size) {
  return absl::Base64Escape(std::string_view(static_cast<const char*>(data), size));
}

absl::Status WriteKeyFile(const std::string& path, const std::string& contents, mode_t mode, bool overwrite) {
  if (!overwrite && access(path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(path, " already exists; not overwriting it"));
  }
  return WriteFileAtomically(path, contents, mode);
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, bool must_be_private) {
  absl::StatusOr<UniqueFd> fd = OpenRegularFile(path);
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (fstat(fd->get(), &st) != 0)
    return absl::UnavailableError(absl::StrCat("cannot stat ", path, ": ", strerror(errno)));
  if (must_be_private && (st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(path, " can be read by other users (mode ",
                                                    absl::StrFormat("%04o", st.st_mode & 07777),
                                                    "); a secret key must be private: chmod 600 ", path));
  }
  absl::StatusOr<std::string> text = ReadFdBounded(fd->get(), 64 << 10, path);
  if (absl::IsResourceExhausted(text.status())) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is too large to be a key file"));
  }
  return text;
}

void StrengthLimits(KdfStrength strength, uint64_t* ops, uint64_t* mem) {
  switch (strength) {
    case KdfStrength::kInteractive:
      *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
      *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
      break;
    case KdfStrength::kModerate:
      *ops = crypto_pwhash_OPSLIMIT_MODERATE;
      *mem = crypto_pwhash_MEMLIMIT_MODERATE;
      break;
    case KdfStrength::kSensitive:
      *ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
      *mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
      break;
  }
}

absl::Status DeriveKey(const std::string& passphrase, const unsigned char* salt, uint64_t ops, uint64_t mem,
                       unsigned char key[crypto_secretbox_KEYBYTES]) {
  if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase.data(), passphrase.size(), salt, ops, mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("not enough memory to derive the key from the passphrase");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Base64Field(simdjson::dom::object object, std::string_view key, size_t size,
                                        const std::string& path) {
  simdjson::dom::element e;
  if (object[key].get(e) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing \"", key, "\" (corrupted key file?)"));
  }
  MIG_ASSIGN_OR_RETURN(std::string text, json::AsString(e, key));
  std::string raw;
  if (!absl::Base64Unescape(text, &raw) || raw.size() != size) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": \"", key, "\" is damaged (corrupted key file?)"));
  }
  return raw;
}

}  // namespace

absl::Status WriteSecretKeyFile(const std::string& path, std::string_view name, const Ed25519KeyPair& key,
                                const std::optional<std::string>& passphrase, KdfStrength strength, bool overwrite) {
  EnsureSodiumInitialized();
  json::JsonWriter w(2);
  w.BeginObject();
  w.Field("format", kFormat);
  w.Field("name", name);
  w.Field("publickey", key.public_key().ToString());
  if (!passphrase.has_value()) {
    w.Field("kdf", "none");
    w.Field("seed", B64(key.seed().data(), key.seed().size()));
  } else {
    if (passphrase->empty()) return absl::InvalidArgumentError("the passphrase is empty");
    uint64_t ops, mem;
    StrengthLimits(strength, &ops, &mem);
    unsigned char salt[crypto_pwhash_SALTBYTES];
    unsigned char nonce[crypto_secretbox_NONCEBYTES];
    randombytes_buf(salt, sizeof(salt));
    randombytes_buf(nonce, sizeof(nonce));
    unsigned char box_key[crypto_secretbox_KEYBYTES];
    MIG_RETURN_IF_ERROR(DeriveKey(*passphrase, salt, ops, mem, box_key));
    unsigned char sealed[32 + crypto_secretbox_MACBYTES];
    crypto_secretbox_easy(sealed, key.seed().data(), 32, nonce, box_key);
    sodium_memzero(box_key, sizeof(box_key));
    w.Field("kdf", "argon2id13");
    w.Field("opslimit", ops);
    w.Field("memlimit", mem);
    w.Field("salt", B64(salt, sizeof(salt)));
    w.Field("nonce", B64(nonce, sizeof(nonce)));
    w.Field("sealed", B64(sealed, sizeof(sealed)));
  }
  w.EndObject();
  std::string contents = std::move(w).Take() + "\n";
  absl::Status status = WriteKeyFile(path, contents, 0600, overwrite);
  sodium_memzero(contents.data(), contents.size());
  return status;
}

absl::Status WritePublicKeyFile(const std::string& path, std::string_view name, const Ed25519PublicKey& key,
                                bool overwrite) {
  return WriteKeyFile(path, absl::StrCat(key.ToString(), " ", name, "\n"), 0644, overwrite);
}

namespace {

absl::StatusOr<std::string> KdfOf(simdjson::dom::object root, const std::string& path) {
  simdjson::dom::element e;
  if (root["kdf"].get(e) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing \"kdf\" (corrupted key file?)"));
  }
  return json::AsString(e, "kdf");
}

absl::StatusOr<simdjson::dom::object> ParseKeyFile(const json::JsonDocument& doc, const std::string& path) {
  absl::StatusOr<simdjson::dom::object> root = json::AsObject(doc.root(), "");
  if (!root.ok()) return absl::InvalidArgumentError(absl::StrCat(path, " is not a mig secret key file"));
  std::string_view format;
  if ((*root)["format"].get(format) != simdjson::SUCCESS || format != kFormat) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a mig secret key file (", kFormat, ")"));
  }
  MIG_RETURN_IF_ERROR(json::CheckKeys(
      *root, path, {"format", "name", "publickey", "kdf", "opslimit", "memlimit", "salt", "nonce", "sealed", "seed"}));
  return *root;
}

}  // namespace

absl::StatusOr<SecretKeyFileSummary> InspectSecretKeyFile(const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, /*must_be_private=*/true));
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> doc = json::JsonDocument::Parse(text, path);
  sodium_memzero(text.data(), text.size());
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(path, " is damaged: ", doc.status().message()));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, ParseKeyFile(**doc, path));
  std::string_view name, public_text;
  if (root["name"].get(name) != simdjson::SUCCESS || root["publickey"].get(public_text) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing name or publickey (corrupted key file?)"));
  }
  SecretKeyFileSummary summary;
  summary.name = std::string(name);
  MIG_ASSIGN_OR_RETURN(summary.public_key, Ed25519PublicKey::Parse(public_text));
  MIG_ASSIGN_OR_RETURN(std::string kdf, KdfOf(root, path));
  summary.needs_passphrase = kdf != "none";
  return summary;
}

absl::StatusOr<SecretKeyFile> ReadSecretKeyFile(const std::string& path, const std::optional<std::string>& passphrase) {
  EnsureSodiumInitialized();
  MIG_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, /*must_be_private=*/true));
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> doc = json::JsonDocument::Parse(text, path);
  sodium_memzero(text.data(), text.size());
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(path, " is damaged: ", doc.status().message()));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, ParseKeyFile(**doc, path));

  SecretKeyFile out{"", Ed25519KeyPair::FromSeed({})};
  std::string_view name, public_text;
  if (root["name"].get(name) != simdjson::SUCCESS || root["publickey"].get(public_text) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing name or publickey (corrupted key file?)"));
  }
  MIG_ASSIGN_OR_RETURN(Ed25519PublicKey expected, Ed25519PublicKey::Parse(public_text));
  MIG_ASSIGN_OR_RETURN(std::string kdf, KdfOf(root, path));

  std::array<uint8_t, 32> seed;
  if (kdf == "none") {
    MIG_ASSIGN_OR_RETURN(std::string raw, Base64Field(root, "seed", 32, path));
    memcpy(seed.data(), raw.data(), 32);
    sodium_memzero(raw.data(), raw.size());
  } else if (kdf == "argon2id13") {
    if (!passphrase.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is protected by a passphrase; none was given"));
    }
    simdjson::dom::element ops_element, mem_element;
    if (root["opslimit"].get(ops_element) != simdjson::SUCCESS ||
        root["memlimit"].get(mem_element) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": missing opslimit or memlimit (corrupted key file?)"));
    }
    MIG_ASSIGN_OR_RETURN(uint64_t ops, json::AsCount(ops_element, "opslimit", kMaxOpsLimit));
    MIG_ASSIGN_OR_RETURN(uint64_t mem, json::AsCount(mem_element, "memlimit", kMaxMemLimit));
    if (ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": key derivation parameters are too weak"));
    }
    MIG_ASSIGN_OR_RETURN(std::string salt, Base64Field(root, "salt", crypto_pwhash_SALTBYTES, path));
    MIG_ASSIGN_OR_RETURN(std::string nonce, Base64Field(root, "nonce", crypto_secretbox_NONCEBYTES, path));
    MIG_ASSIGN_OR_RETURN(std::string sealed, Base64Field(root, "sealed", 32 + crypto_secretbox_MACBYTES, path));
    unsigned char box_key[crypto_secretbox_KEYBYTES];
    MIG_RETURN_IF_ERROR(DeriveKey(*passphrase, reinterpret_cast<const unsigned char*>(salt.data()), ops, mem, box_key));
    int rc = crypto_secretbox_open_easy(seed.data(), reinterpret_cast<const unsigned char*>(sealed.data()),
                                        sealed.size(), reinterpret_cast<const unsigned char*>(nonce.data()), box_key);
    sodium_memzero(box_key, sizeof(box_key));
    if (rc != 0) {
      return absl::PermissionDeniedError(absl::StrCat(path, ": wrong passphrase (or the key file is corrupted)"));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unknown key derivation '", kdf, "'"));
  }
  out.key = Ed25519KeyPair::FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  if (!(out.key.public_key() == expected)) {
    return absl::DataLossError(absl::StrCat(path, " is corrupted: its secret does not match its public key"));
  }
  out.name = std::string(name);
  return out;
}

absl::StatusOr<PublicKeyFile> ReadPublicKeyFile(const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, /*must_be_private=*/false));
  std::string_view line = absl::StripAsciiWhitespace(text);
  std::vector<std::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 1));
  absl::StatusOr<Ed25519PublicKey> key = Ed25519PublicKey::Parse(parts[0]);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
  PublicKeyFile out;
  out.key = *key;
  if (parts.size() > 1) out.name = std::string(absl::StripAsciiWhitespace(parts[1]));
  return out;
}

}  // namespace mig::crypto
