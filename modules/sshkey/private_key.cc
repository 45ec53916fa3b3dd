#include "modules/sshkey/private_key.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "mbedtls/bignum.h"
#include "modules/sshkey/der.h"
#include "modules/sshkey/wire.h"
#include "sodium.h"

namespace mig::modules::sshkey {
namespace {

constexpr std::string_view kOpensshMagic{"openssh-key-v1\0", 15};

// DER object identifiers, as their encoded bytes.
constexpr std::string_view kOidRsa{"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9};
constexpr std::string_view kOidDsa{"\x2a\x86\x48\xce\x38\x04\x01", 7};
constexpr std::string_view kOidEcPublicKey{"\x2a\x86\x48\xce\x3d\x02\x01", 7};
constexpr std::string_view kOidEd25519{"\x2b\x65\x70", 3};
constexpr std::string_view kOidP256{"\x2a\x86\x48\xce\x3d\x03\x01\x07", 8};
constexpr std::string_view kOidP384{"\x2b\x81\x04\x00\x22", 5};
constexpr std::string_view kOidP521{"\x2b\x81\x04\x00\x23", 5};

void AppendString(std::string* blob, std::string_view value) {
  uint32_t n = static_cast<uint32_t>(value.size());
  const char length[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                          static_cast<char>(n)};
  blob->append(length, 4);
  blob->append(value);
}

// An unsigned big-endian number (a DER INTEGER's contents, say) as an SSH mpint: no leading zeros, one zero
// byte added when the top bit is set.
void AppendMpint(std::string* blob, std::string_view number) {
  while (!number.empty() && number[0] == 0) number.remove_prefix(1);
  if (!number.empty() && (static_cast<uint8_t>(number[0]) & 0x80)) {
    AppendString(blob, absl::StrCat(std::string_view("\0", 1), number));
  } else {
    AppendString(blob, number);
  }
}

absl::StatusOr<std::string_view> PositiveInteger(DerReader& der) {
  MIG_ASSIGN_OR_RETURN(std::string_view value, der.Read(kDerInteger));
  if (value.empty() || (static_cast<uint8_t>(value[0]) & 0x80)) {
    return absl::InvalidArgumentError("a key number is negative or empty");
  }
  return value;
}

absl::StatusOr<PublicKey> KeyFromBlob(std::string blob) { return ParsePublicKeyBlob(blob); }

// PKCS#1 RSAPrivateKey: version, n, e, d, ...
absl::StatusOr<PublicKey> RsaPublicKey(std::string_view der_bytes) {
  DerReader outer(der_bytes);
  MIG_ASSIGN_OR_RETURN(DerReader key, outer.Enter(kDerSequence));
  MIG_RETURN_IF_ERROR(key.Read(kDerInteger).status());
  MIG_ASSIGN_OR_RETURN(std::string_view n, PositiveInteger(key));
  MIG_ASSIGN_OR_RETURN(std::string_view e, PositiveInteger(key));
  std::string blob;
  AppendString(&blob, "ssh-rsa");
  AppendMpint(&blob, e);
  AppendMpint(&blob, n);
  return KeyFromBlob(std::move(blob));
}

std::string DsaBlob(std::string_view p, std::string_view q, std::string_view g, std::string_view y) {
  std::string blob;
  AppendString(&blob, "ssh-dss");
  for (std::string_view number : {p, q, g, y}) AppendMpint(&blob, number);
  return blob;
}

// OpenSSL's DSA private key: version, p, q, g, y, x.
absl::StatusOr<PublicKey> DsaPublicKey(std::string_view der_bytes) {
  DerReader outer(der_bytes);
  MIG_ASSIGN_OR_RETURN(DerReader key, outer.Enter(kDerSequence));
  MIG_RETURN_IF_ERROR(key.Read(kDerInteger).status());
  std::string_view numbers[4];
  for (std::string_view& number : numbers) {
    MIG_ASSIGN_OR_RETURN(number, PositiveInteger(key));
  }
  return KeyFromBlob(DsaBlob(numbers[0], numbers[1], numbers[2], numbers[3]));
}

// The largest DSA parameters a key can have: FIPS 186 allows q of 160, 224 or 256 bits; OpenSSL refuses p
// over 10000 bits (OPENSSL_DSA_MAX_MODULUS_BITS).
constexpr int kMaxDsaQBits = 256;
constexpr int kMaxDsaPBits = 10000;

// y = g^x mod p, for PKCS#8 DSA keys, which store x alone. The work of the exponentiation grows with x's
// size times p's size squared, so it is only done for parameters a DSA key can have (0 < x < q, q and p
// within the bounds above): a crafted 2 KiB file with an 8192-bit x and p took a second, and a directory of
// them would have held a sweep for as long as its author liked.
absl::StatusOr<std::string> DsaPublicValue(std::string_view p, std::string_view q, std::string_view g,
                                           std::string_view x) {
  if (BitLength(q) > kMaxDsaQBits || BitLength(p) > kMaxDsaPBits) {
    return absl::InvalidArgumentError(absl::StrCat("DSA parameters of ", BitLength(p), " and ", BitLength(q),
                                                   " bits (p and q) are larger than a DSA key has"));
  }
  mbedtls_mpi mp, mq, mg, mx, my;
  for (mbedtls_mpi* m : {&mp, &mq, &mg, &mx, &my}) mbedtls_mpi_init(m);
  std::string y;
  int rc = mbedtls_mpi_read_binary(&mp, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  if (rc == 0) rc = mbedtls_mpi_read_binary(&mq, reinterpret_cast<const unsigned char*>(q.data()), q.size());
  if (rc == 0) rc = mbedtls_mpi_read_binary(&mg, reinterpret_cast<const unsigned char*>(g.data()), g.size());
  if (rc == 0) rc = mbedtls_mpi_read_binary(&mx, reinterpret_cast<const unsigned char*>(x.data()), x.size());
  bool x_out_of_range = rc == 0 && (mbedtls_mpi_cmp_int(&mx, 0) <= 0 || mbedtls_mpi_cmp_mpi(&mx, &mq) >= 0);
  if (x_out_of_range) rc = -1;
  if (rc == 0) rc = mbedtls_mpi_exp_mod(&my, &mg, &mx, &mp, nullptr);
  if (rc == 0) {
    y.resize(mbedtls_mpi_size(&my));
    rc = mbedtls_mpi_write_binary(&my, reinterpret_cast<unsigned char*>(y.data()), y.size());
  }
  for (mbedtls_mpi* m : {&mp, &mq, &mg, &mx, &my}) mbedtls_mpi_free(m);
  if (rc != 0) {
    return absl::InvalidArgumentError(x_out_of_range ? "DSA private value is not between 0 and q"
                                                     : "DSA parameters out of range");
  }
  return y;
}

absl::StatusOr<std::string_view> CurveName(std::string_view oid) {
  if (oid == kOidP256) return std::string_view("nistp256");
  if (oid == kOidP384) return std::string_view("nistp384");
  if (oid == kOidP521) return std::string_view("nistp521");
  return absl::InvalidArgumentError("an elliptic curve SSH does not use");
}

// SEC1 ECPrivateKey: version, d, [0] curve, [1] public point. `curve_oid` comes from PKCS#8 when the SEC1
// structure leaves it out.
absl::StatusOr<PublicKey> EcPublicKey(std::string_view der_bytes, std::string_view curve_oid) {
  DerReader outer(der_bytes);
  MIG_ASSIGN_OR_RETURN(DerReader key, outer.Enter(kDerSequence));
  MIG_RETURN_IF_ERROR(key.Read(kDerInteger).status());
  MIG_RETURN_IF_ERROR(key.Read(kDerOctetString).status());
  std::string_view point;
  while (!key.empty()) {
    uint8_t tag = key.PeekTag();
    MIG_ASSIGN_OR_RETURN(DerReader tagged, key.Enter(tag));
    if (tag == kDerContext0) {
      MIG_ASSIGN_OR_RETURN(curve_oid, tagged.Read(kDerOid));
    } else if (tag == kDerContext1) {
      MIG_ASSIGN_OR_RETURN(std::string_view bits, tagged.Read(kDerBitString));
      if (bits.empty() || bits[0] != 0) return absl::InvalidArgumentError("invalid EC public key bit string");
      point = bits.substr(1);
    }
  }
  MIG_ASSIGN_OR_RETURN(std::string_view curve, CurveName(curve_oid));
  if (point.empty()) {
    // OpenSSL and ssh-keygen always store it; deriving it would take an EC point multiplication.
    return absl::UnimplementedError("EC private key without its public key");
  }
  std::string blob;
  AppendString(&blob, absl::StrCat("ecdsa-sha2-", curve));
  AppendString(&blob, curve);
  AppendString(&blob, point);
  return KeyFromBlob(std::move(blob));
}

absl::StatusOr<PublicKey> Ed25519PublicKey(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) return absl::InvalidArgumentError("an Ed25519 seed is not 32 bytes");
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(public_key, secret_key, reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(secret_key, sizeof(secret_key));
  std::string blob;
  AppendString(&blob, "ssh-ed25519");
  AppendString(&blob, std::string_view(reinterpret_cast<const char*>(public_key), sizeof(public_key)));
  return KeyFromBlob(std::move(blob));
}

// PKCS#8 PrivateKeyInfo: version, AlgorithmIdentifier {oid, parameters}, OCTET STRING key.
absl::StatusOr<PublicKey> Pkcs8PublicKey(std::string_view der_bytes) {
  DerReader outer(der_bytes);
  MIG_ASSIGN_OR_RETURN(DerReader info, outer.Enter(kDerSequence));
  MIG_RETURN_IF_ERROR(info.Read(kDerInteger).status());
  MIG_ASSIGN_OR_RETURN(DerReader algorithm, info.Enter(kDerSequence));
  MIG_ASSIGN_OR_RETURN(std::string_view oid, algorithm.Read(kDerOid));
  MIG_ASSIGN_OR_RETURN(std::string_view private_key, info.Read(kDerOctetString));
  if (oid == kOidRsa) return RsaPublicKey(private_key);
  if (oid == kOidEcPublicKey) {
    MIG_ASSIGN_OR_RETURN(std::string_view curve_oid, algorithm.Read(kDerOid));
    return EcPublicKey(private_key, curve_oid);
  }
  if (oid == kOidDsa) {
    MIG_ASSIGN_OR_RETURN(DerReader parameters, algorithm.Enter(kDerSequence));
    MIG_ASSIGN_OR_RETURN(std::string_view p, PositiveInteger(parameters));
    MIG_ASSIGN_OR_RETURN(std::string_view q, PositiveInteger(parameters));
    MIG_ASSIGN_OR_RETURN(std::string_view g, PositiveInteger(parameters));
    DerReader x_reader(private_key);
    MIG_ASSIGN_OR_RETURN(std::string_view x, PositiveInteger(x_reader));
    MIG_ASSIGN_OR_RETURN(std::string y, DsaPublicValue(p, q, g, x));
    return KeyFromBlob(DsaBlob(p, q, g, y));
  }
  if (oid == kOidEd25519) {
    DerReader seed_reader(private_key);
    MIG_ASSIGN_OR_RETURN(std::string_view seed, seed_reader.Read(kDerOctetString));
    return Ed25519PublicKey(seed);
  }
  return absl::UnimplementedError("a PKCS#8 key of an algorithm SSH does not use");
}

struct Armour {
  std::string label;  // "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", ...
  std::vector<std::string> headers;
  std::string der;  // decoded contents
};

// The first "-----BEGIN ... PRIVATE KEY-----" block of the text. NotFound when there is none.
absl::StatusOr<Armour> FindArmour(std::string_view text) {
  size_t begin = text.find("-----BEGIN ");
  while (begin != std::string_view::npos) {
    size_t label_start = begin + 11;
    size_t label_end = text.find("-----", label_start);
    if (label_end == std::string_view::npos) break;
    std::string_view label = text.substr(label_start, label_end - label_start);
    if (absl::EndsWith(label, "PRIVATE KEY") && label.find('\n') == std::string_view::npos) {
      std::string end_line = absl::StrCat("-----END ", label, "-----");
      size_t body_start = label_end + 5;
      size_t end = text.find(end_line, body_start);
      if (end == std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("'-----BEGIN ", label, "-----' without its END line"));
      }
      Armour armour{.label = std::string(label)};
      std::string base64;
      for (std::string_view line : absl::StrSplit(text.substr(body_start, end - body_start), '\n')) {
        line = absl::StripAsciiWhitespace(line);
        if (line.empty()) continue;
        if (line.find(':') != std::string_view::npos) {
          armour.headers.emplace_back(line);  // RFC 1421 headers: Proc-Type, DEK-Info
          continue;
        }
        absl::StrAppend(&base64, line);
      }
      if (!absl::Base64Unescape(base64, &armour.der)) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": invalid base64"));
      }
      return armour;
    }
    begin = text.find("-----BEGIN ", label_end);
  }
  return absl::NotFoundError("no private key");
}

// Skips a private key's fields in OpenSSH's private section (sshkey_private_serialize's layout).
absl::Status SkipPrivateFields(WireReader& reader, std::string_view type) {
  auto strings = [&](int n) -> absl::Status {
    for (int i = 0; i < n; ++i) MIG_RETURN_IF_ERROR(reader.String().status());
    return absl::OkStatus();
  };
  if (type == "ssh-rsa") return strings(6);                      // n e d iqmp p q
  if (type == "ssh-dss") return strings(5);                      // p q g y x
  if (absl::StartsWith(type, "ecdsa-sha2-")) return strings(3);  // curve Q d
  if (type == "ssh-ed25519") return strings(2);                  // pk sk
  if (type == "sk-ecdsa-sha2-nistp256@openssh.com" || type == "sk-ssh-ed25519@openssh.com") {
    MIG_RETURN_IF_ERROR(strings(type[3] == 'e' ? 3 : 2));  // (curve) Q|pk application
    MIG_RETURN_IF_ERROR(reader.Byte().status());           // flags
    return strings(2);                                     // key handle, reserved
  }
  return absl::InvalidArgumentError("unknown key type");
}

absl::StatusOr<PrivateKeyFile> ParseOpenssh(std::string_view data) {
  if (!absl::StartsWith(data, kOpensshMagic)) return absl::InvalidArgumentError("OPENSSH PRIVATE KEY: bad magic");
  WireReader reader(data.substr(kOpensshMagic.size()));
  MIG_ASSIGN_OR_RETURN(std::string_view cipher, reader.String());
  MIG_RETURN_IF_ERROR(reader.String().status());  // kdf name
  MIG_RETURN_IF_ERROR(reader.String().status());  // kdf options
  MIG_ASSIGN_OR_RETURN(uint32_t key_count, reader.Uint32());
  if (key_count != 1) return absl::InvalidArgumentError(absl::StrCat("OPENSSH PRIVATE KEY: ", key_count, " keys"));
  MIG_ASSIGN_OR_RETURN(std::string_view public_blob, reader.String());
  PrivateKeyFile file{.format = "openssh", .encrypted = cipher != "none"};
  absl::StatusOr<PublicKey> key = ParsePublicKeyBlob(public_blob);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("OPENSSH PRIVATE KEY: ", key.status().message()));
  file.public_key = *std::move(key);
  if (!file.encrypted) {
    // The comment follows the private fields; a damaged private part only costs the comment.
    absl::StatusOr<std::string_view> private_section = reader.String();
    if (private_section.ok()) {
      WireReader priv(*private_section);
      absl::StatusOr<uint32_t> check1 = priv.Uint32();
      absl::StatusOr<uint32_t> check2 = priv.Uint32();
      absl::StatusOr<std::string_view> type = priv.String();
      if (check1.ok() && check2.ok() && *check1 == *check2 && type.ok() && SkipPrivateFields(priv, *type).ok()) {
        absl::StatusOr<std::string_view> comment = priv.String();
        if (comment.ok()) file.comment = std::string(*comment);
      }
    }
  }
  return file;
}

bool HasEncryptedHeader(const Armour& armour) {
  for (const std::string& header : armour.headers) {
    std::string_view h = header;
    if (absl::StartsWithIgnoreCase(h, "Proc-Type:") && absl::StrContains(h, "ENCRYPTED")) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<PrivateKeyFile> ParsePrivateKeyFile(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(Armour armour, FindArmour(text));
  if (armour.label == "OPENSSH PRIVATE KEY") return ParseOpenssh(armour.der);
  PrivateKeyFile file{.format = "pem"};
  absl::StatusOr<PublicKey> key;
  if (armour.label == "ENCRYPTED PRIVATE KEY") {
    return PrivateKeyFile{.format = "pkcs8", .encrypted = true};
  } else if (armour.label == "PRIVATE KEY") {
    file.format = "pkcs8";
    key = Pkcs8PublicKey(armour.der);
  } else if (armour.label == "RSA PRIVATE KEY" || armour.label == "DSA PRIVATE KEY" ||
             armour.label == "EC PRIVATE KEY") {
    if (HasEncryptedHeader(armour)) {
      file.encrypted = true;
      return file;
    }
    key = armour.label[0] == 'R'   ? RsaPublicKey(armour.der)
          : armour.label[0] == 'D' ? DsaPublicKey(armour.der)
                                   : EcPublicKey(armour.der, "");
  } else {
    return absl::InvalidArgumentError(absl::StrCat("'", armour.label, "' is not an SSH key"));
  }
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(armour.label, ": ", key.status().message()));
  file.public_key = *std::move(key);
  return file;
}

}  // namespace mig::modules::sshkey
