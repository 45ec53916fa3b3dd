#include "modules/sshkey/public_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "crypto/digest.h"
#include "modules/sshkey/wire.h"

namespace mig::modules::sshkey {
namespace {

struct EcdsaCurve {
  std::string_view curve;  // the curve name inside the blob
  int bits;
  size_t point_size;  // uncompressed: 0x04, x, y
};

constexpr EcdsaCurve kNistp256{"nistp256", 256, 65};
constexpr EcdsaCurve kNistp384{"nistp384", 384, 97};
constexpr EcdsaCurve kNistp521{"nistp521", 521, 133};

absl::Status ReadEcdsaPoint(WireReader& reader, const EcdsaCurve& curve) {
  MIG_ASSIGN_OR_RETURN(std::string_view curve_name, reader.String());
  if (curve_name != curve.curve) {
    return absl::InvalidArgumentError(absl::StrCat("curve '", curve_name, "' where '", curve.curve, "' was expected"));
  }
  MIG_ASSIGN_OR_RETURN(std::string_view point, reader.String());
  if (point.size() != curve.point_size || point[0] != 0x04) {
    return absl::InvalidArgumentError(absl::StrCat("not an uncompressed ", curve.curve, " point"));
  }
  return absl::OkStatus();
}

absl::Status ReadEd25519(WireReader& reader) {
  MIG_ASSIGN_OR_RETURN(std::string_view public_key, reader.String());
  if (public_key.size() != 32) return absl::InvalidArgumentError("an Ed25519 key is not 32 bytes");
  return absl::OkStatus();
}

// Fills bits and display_type, and consumes the key's fields after the type name.
absl::Status ReadKeyFields(WireReader& reader, PublicKey* key) {
  const std::string& type = key->type;
  if (type == "ssh-rsa") {
    MIG_ASSIGN_OR_RETURN(std::string_view e, reader.Mpint());
    MIG_ASSIGN_OR_RETURN(std::string_view n, reader.Mpint());
    if (e.empty() || n.empty()) return absl::InvalidArgumentError("RSA key with a zero exponent or modulus");
    key->bits = BitLength(n);
    key->display_type = "RSA";
  } else if (type == "ssh-dss") {
    std::string_view numbers[4];  // p, q, g, y
    for (std::string_view& number : numbers) {
      MIG_ASSIGN_OR_RETURN(number, reader.Mpint());
      if (number.empty()) return absl::InvalidArgumentError("DSA key with a zero parameter");
    }
    std::string_view p = numbers[0];
    key->bits = BitLength(p);
    key->display_type = "DSA";
  } else if (type == "ecdsa-sha2-nistp256" || type == "ecdsa-sha2-nistp384" || type == "ecdsa-sha2-nistp521") {
    const EcdsaCurve& curve = type.back() == '6' ? kNistp256 : type.back() == '4' ? kNistp384 : kNistp521;
    MIG_RETURN_IF_ERROR(ReadEcdsaPoint(reader, curve));
    key->bits = curve.bits;
    key->display_type = "ECDSA";
  } else if (type == "ssh-ed25519") {
    MIG_RETURN_IF_ERROR(ReadEd25519(reader));
    key->bits = 256;
    key->display_type = "ED25519";
  } else if (type == "sk-ecdsa-sha2-nistp256@openssh.com") {
    MIG_RETURN_IF_ERROR(ReadEcdsaPoint(reader, kNistp256));
    MIG_RETURN_IF_ERROR(reader.String().status());  // application, "ssh:" usually
    key->bits = 256;
    key->display_type = "ECDSA-SK";
  } else if (type == "sk-ssh-ed25519@openssh.com") {
    MIG_RETURN_IF_ERROR(ReadEd25519(reader));
    MIG_RETURN_IF_ERROR(reader.String().status());
    key->bits = 256;
    key->display_type = "ED25519-SK";
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unsupported key type '", absl::CHexEscape(type), "'"));
  }
  return absl::OkStatus();
}

// authorized_keys options end at the first whitespace outside double quotes (where \" is a quote).
std::string_view TakeOptions(std::string_view* line) {
  bool quoted = false;
  size_t i = 0;
  for (; i < line->size(); ++i) {
    char c = (*line)[i];
    if (!quoted && (c == ' ' || c == '\t')) break;
    if (c == '\\' && quoted && i + 1 < line->size() && (*line)[i + 1] == '"') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    }
  }
  std::string_view options = line->substr(0, i);
  line->remove_prefix(i);
  return options;
}

std::string_view TakeField(std::string_view* line) {
  *line = absl::StripLeadingAsciiWhitespace(*line);
  size_t end = 0;
  while (end < line->size() && (*line)[end] != ' ' && (*line)[end] != '\t') ++end;
  std::string_view field = line->substr(0, end);
  line->remove_prefix(end);
  return field;
}

bool IsPlainKeyType(std::string_view type) {
  for (std::string_view known :
       {"ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519",
        "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com"}) {
    if (type == known) return true;
  }
  return false;
}

// "ssh-ed25519-cert-v01@openssh.com" -> "ssh-ed25519"; "sk-ssh-ed25519-cert-v01@openssh.com" ->
// "sk-ssh-ed25519@openssh.com". Empty for anything else.
std::string CertifiedKeyType(std::string_view type) {
  constexpr std::string_view kCertSuffix = "-cert-v01@openssh.com";
  if (!absl::ConsumeSuffix(&type, kCertSuffix)) return "";
  std::string base(type);
  if (absl::StartsWith(base, "sk-")) base += "@openssh.com";
  return IsPlainKeyType(base) ? base : "";
}

// A certificate (PROTOCOL.certkeys): type, nonce, the certified key's fields, then serial, cert type, key id,
// principals, validity, critical options, extensions, reserved, signature key, signature. Fingerprints are
// those of the certified key, as ssh-keygen computes them.
absl::Status ReadCertificate(WireReader& reader, PublicKey* key) {
  MIG_RETURN_IF_ERROR(reader.String().status());  // nonce
  std::string_view fields_start = reader.rest();
  PublicKey certified{.type = CertifiedKeyType(key->type)};
  MIG_RETURN_IF_ERROR(ReadKeyFields(reader, &certified));
  std::string_view fields = fields_start.substr(0, fields_start.size() - reader.rest().size());
  for (int i = 0; i < 3; ++i) MIG_RETURN_IF_ERROR(reader.Uint32().status());  // serial (64 bits), type
  for (int i = 0; i < 2; ++i) MIG_RETURN_IF_ERROR(reader.String().status());  // key id, principals
  for (int i = 0; i < 4; ++i) MIG_RETURN_IF_ERROR(reader.Uint32().status());  // valid after, valid before
  for (int i = 0; i < 5; ++i) MIG_RETURN_IF_ERROR(reader.String().status());  // options ... signature
  key->blob.clear();
  uint32_t n = static_cast<uint32_t>(certified.type.size());
  key->blob = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  absl::StrAppend(&key->blob, certified.type, fields);
  key->bits = certified.bits;
  key->display_type = absl::StrCat(certified.display_type, "-CERT");
  return absl::OkStatus();
}

}  // namespace

bool IsKnownKeyType(std::string_view type) { return IsPlainKeyType(type) || !CertifiedKeyType(type).empty(); }

absl::StatusOr<PublicKey> ParsePublicKeyBlob(std::string_view blob) {
  WireReader reader(blob);
  PublicKey key;
  MIG_ASSIGN_OR_RETURN(std::string_view type, reader.String());
  key.type = std::string(type);
  if (CertifiedKeyType(type).empty()) {
    MIG_RETURN_IF_ERROR(ReadKeyFields(reader, &key));
    key.blob = std::string(blob);
  } else {
    MIG_RETURN_IF_ERROR(ReadCertificate(reader, &key));
  }
  if (!reader.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(reader.rest().size(), " unexpected bytes after the ", type, " key"));
  }
  return key;
}

std::string Md5Fingerprint(const PublicKey& key) {
  crypto::DigestValue md5 = crypto::ComputeDigest(crypto::DigestAlgorithm::kMd5, key.blob);
  std::string hex = md5.ToHex();
  std::string out = "MD5:";
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out += ':';
    out.append(hex, i, 2);
  }
  return out;
}

std::string Sha256Fingerprint(const PublicKey& key) {
  crypto::DigestValue sha256 = crypto::ComputeDigest(crypto::DigestAlgorithm::kSha256, key.blob);
  std::string encoded =
      absl::Base64Escape(std::string_view(reinterpret_cast<const char*>(sha256.data()), sha256.size()));
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return absl::StrCat("SHA256:", encoded);
}

absl::StatusOr<KeyLine> ParseKeyLine(std::string_view line, bool allow_options) {
  KeyLine result;
  std::string_view rest = absl::StripAsciiWhitespace(line);
  std::string_view type = TakeField(&rest);
  if (!IsKnownKeyType(type)) {
    if (!allow_options) {
      return absl::InvalidArgumentError(absl::StrCat("unknown key type '", absl::CHexEscape(type.substr(0, 64)), "'"));
    }
    rest = absl::StripAsciiWhitespace(line);
    result.options = std::string(TakeOptions(&rest));
    type = TakeField(&rest);
    if (!IsKnownKeyType(type)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown key type '", absl::CHexEscape(type.substr(0, 64)), "'"));
    }
  }
  std::string_view encoded = TakeField(&rest);
  std::string blob;
  if (encoded.empty() || !absl::Base64Unescape(encoded, &blob)) {
    return absl::InvalidArgumentError(absl::StrCat(type, " key: invalid base64"));
  }
  absl::StatusOr<PublicKey> key = ParsePublicKeyBlob(blob);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(type, " key: ", key.status().message()));
  if (key->type != type) {
    return absl::InvalidArgumentError(absl::StrCat("the line says ", type, " but the key is ", key->type));
  }
  result.key = *std::move(key);
  result.comment = std::string(absl::StripAsciiWhitespace(rest));
  return result;
}

}  // namespace mig::modules::sshkey
