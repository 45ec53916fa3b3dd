// Fuzzes sshkey's binary formats, which the text formats only reach through base64: the SSH wire format of
// public keys and certificates, OpenSSH's private key container, and the DER of PKCS#1, SEC1, DSA and
// PKCS#8 private keys. The first byte chooses the format; the rest is wrapped as the file would hold it.
// Any bytes give a key or an error without crashing, and a public key blob reads the same through the
// line of a .pub file (same type and fingerprints).
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "modules/sshkey/private_key.h"
#include "modules/sshkey/public_key.h"

namespace mig::modules::sshkey {
namespace {

void FuzzPublicBlob(std::string_view blob) {
  absl::StatusOr<PublicKey> key = ParsePublicKeyBlob(blob);
  if (!key.ok()) return;
  // The type is the blob's first string, so a line can name it whatever bytes it holds; a type with
  // whitespace cannot be written on a line, and only known types parse at all.
  absl::StatusOr<KeyLine> line = ParseKeyLine(absl::StrCat(key->type, " ", absl::Base64Escape(blob), " c"), false);
  if (!line.ok() || line->key.type != key->type || line->comment != "c" ||
      Sha256Fingerprint(line->key) != Sha256Fingerprint(*key) || Md5Fingerprint(line->key) != Md5Fingerprint(*key)) {
    __builtin_trap();
  }
}

void FuzzPrivateKey(std::string_view label, std::string_view der) {
  std::string text =
      absl::StrCat("-----BEGIN ", label, "-----\n", absl::Base64Escape(der), "\n-----END ", label, "-----\n");
  absl::StatusOr<PrivateKeyFile> file = ParsePrivateKeyFile(text);
  if (!file.ok() || !file->public_key.has_value()) return;
  // A derived public key is a valid blob of its own.
  if (!ParsePublicKeyBlob(file->public_key->blob).ok()) __builtin_trap();
}

void FuzzOne(uint8_t selector, std::string_view bytes) {
  switch (selector % 6) {
    case 0:
      return FuzzPublicBlob(bytes);
    case 1:
      return FuzzPrivateKey("OPENSSH PRIVATE KEY", bytes);
    case 2:
      return FuzzPrivateKey("RSA PRIVATE KEY", bytes);
    case 3:
      return FuzzPrivateKey("DSA PRIVATE KEY", bytes);
    case 4:
      return FuzzPrivateKey("EC PRIVATE KEY", bytes);
    default:
      return FuzzPrivateKey("PRIVATE KEY", bytes);
  }
}

}  // namespace
}  // namespace mig::modules::sshkey

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mig::modules::sshkey::FuzzOne(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
