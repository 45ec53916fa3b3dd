#include "investigator/release_commands.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/errno_status.h"
#include "base/files.h"
#include "base/rfc3339.h"
#include "base/status_macros.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "crypto/file_digest.h"
#include "crypto/key_file.h"
#include "embedded_conf/config.h"
#include "embedded_conf/load.h"
#include "investigator/files.h"
#include "investigator/local_run.h"
#include "investigator/passphrase.h"
#include "investigator/wording.h"
#include "protocol/release/manifest.h"

namespace mig::investigator {
namespace {

using release::Manifest;
using release::ReleaseFile;

constexpr char kManifestFileName[] = "manifest.json";
constexpr char kDefaultValidity[] = "30d";
constexpr char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};

std::string ReleaseTime(absl::Time t) { return FormatRfc3339(t, Rfc3339Fraction::kNone); }

std::string Hex(const std::array<uint8_t, 32>& bytes) {
  return crypto::DigestValue(bytes.data(), bytes.size()).ToHex();
}

std::string ModeText(uint32_t mode) { return absl::StrFormat("%04o", mode); }

// One line saying what a release is, for the person about to sign or check it.
std::string Summary(const Manifest& m, absl::Time now) {
  std::vector<std::string> files;
  for (const ReleaseFile& f : m.files) files.push_back(absl::StrCat(f.name, " (", f.size, " bytes)"));
  return absl::StrCat("release ", m.version, " for ", m.platform,
                      m.rollback_from ? absl::StrCat(", a ROLLBACK from ", *m.rollback_from) : "", ": ",
                      absl::StrJoin(files, ", "), "; expires ", ReleaseTime(m.expires), " (", Relative(m.expires, now),
                      ")");
}

int Fail(std::string_view command, const absl::Status& status, int code = kExitUsage) {
  std::cerr << "mig release " << command << ": " << status.message() << "\n";
  return code;
}

// Failing to read or write what is there is not the user's to fix (exit 1), but a binary larger than a
// release may carry is (exit 2, like every problem with the input).
int FailIo(std::string_view command, const absl::Status& status) {
  return Fail(command, status, absl::IsFailedPrecondition(status) ? kExitUsage : kExitFailed);
}

absl::StatusOr<Manifest> ReadManifest(const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path, release::kMaxManifestBytes));
  absl::StatusOr<Manifest> parsed = release::ParseManifest(text);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", parsed.status().message()));
  return parsed;
}

std::string ManifestFileText(const Manifest& m) {
  return absl::StrCat(release::ManifestToJson(m, /*indent=*/true), "\n");
}

// Go's durations (720h, 90m) and whole days ("30d"), which is how release lifetimes are thought of.
absl::StatusOr<absl::Duration> ParseValidity(const std::string& text) {
  absl::Duration d;
  int64_t days = 0;
  if (absl::EndsWith(text, "d") && absl::SimpleAtoi(std::string_view(text).substr(0, text.size() - 1), &days) &&
      days > 0 && days <= 100 * 366) {
    d = absl::Hours(24) * days;
  } else if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--expires '", text, "' is not a positive duration like 30d, 720h or 90m"));
  }
  if (d < absl::Seconds(1)) return absl::InvalidArgumentError(absl::StrCat("--expires '", text, "' is under a second"));
  return d;
}

struct FileFacts {
  uint64_t size = 0;
  std::array<uint8_t, 32> sha256{};
};

// Reads `fd` to its end through SHA-256, and into `copy_fd` when it is not -1. More than `max_bytes` stops
// the read.
absl::StatusOr<FileFacts> StreamFile(int fd, const std::string& name, uint64_t max_bytes, int copy_fd = -1,
                                     const std::string& copy_name = "") {
  MIG_ASSIGN_OR_RETURN(
      crypto::StreamedDigest streamed,
      crypto::DigestFd(crypto::DigestAlgorithm::kSha256, fd, name, max_bytes, [&](std::string_view chunk) {
        return copy_fd < 0 ? absl::OkStatus() : WriteAll(copy_fd, chunk, copy_name);
      }));
  FileFacts facts{.size = streamed.size};
  std::copy(streamed.digest.data(), streamed.digest.data() + facts.sha256.size(), facts.sha256.begin());
  return facts;
}

// Opens the binary to release, refusing what cannot be one before anything is written.
absl::StatusOr<UniqueFd> OpenReleaseBinary(const std::string& source) {
  absl::StatusOr<UniqueFd> in = OpenRegularFile(source);
  if (!in.ok()) return absl::Status(in.status().code(), absl::StrCat("--binary: ", in.status().message()));
  char magic[4] = {};
  if (pread(in->get(), magic, sizeof(magic), 0) != static_cast<ssize_t>(sizeof(magic)) ||
      memcmp(magic, kElfMagic, sizeof(magic)) != 0) {
    // Catches `--binary manifest.json` and the like before a fleet is asked to run it.
    return absl::InvalidArgumentError(absl::StrCat("--binary: ", source, " is not an ELF executable"));
  }
  return std::move(*in);
}

// Copies the binary (open as `in`) to `target` the way the loader will install it: into a temporary file
// beside the target, hashed on the way, fsynced, then renamed into place with mode 0755; `target` is never
// half-written.
absl::StatusOr<FileFacts> CopyReleaseBinary(int in, const std::string& source, const std::string& target) {
  std::string tmp = absl::StrCat(target, ".tmp.", getpid());
  UniqueFd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
  if (!out.valid()) return ErrnoError("create", tmp, errno);
  absl::StatusOr<FileFacts> facts = StreamFile(in, source, release::kMaxReleaseFileBytes, out.get(), tmp);
  absl::Status status = facts.status();
  if (status.ok() && fchmod(out.get(), 0755) != 0) status = ErrnoError("chmod", tmp, errno);
  if (status.ok() && fsync(out.get()) != 0) status = ErrnoError("fsync", tmp, errno);
  if (close(out.release()) != 0 && status.ok()) status = ErrnoError("close", tmp, errno);
  if (status.ok() && rename(tmp.c_str(), target.c_str()) != 0) status = ErrnoError("rename", tmp, errno);
  if (!status.ok()) {
    unlink(tmp.c_str());
    return status;
  }
  MIG_RETURN_IF_ERROR(SyncDirectory(ParentDirectory(target)));
  return facts;
}

// A release public key, with the name its file gives it (configured keys have none).
struct ReleaseKey {
  std::string name;
  crypto::Ed25519PublicKey key;
};

std::string KeyLabel(const std::string& key_id, const std::vector<ReleaseKey>& keys) {
  for (const ReleaseKey& k : keys) {
    if (k.key.KeyId() == key_id && !k.name.empty()) return absl::StrCat("key ", key_id, " (", k.name, ")");
  }
  return absl::StrCat("key ", key_id);
}

// What each signature is worth against `keys`, in the terms VerifyManifestSignatures counts them: "valid",
// "unknown key", "DOES NOT VERIFY", or "duplicate" (the same key again, counted once).
std::vector<std::string> SignatureStates(const Manifest& m, const std::vector<ReleaseKey>& keys) {
  absl::StatusOr<std::string> bytes = release::SigningBytes(m);
  std::vector<std::string> states;
  std::vector<bool> counted(keys.size(), false);
  for (const release::ReleaseSignature& s : m.signatures) {
    bool known = false;
    std::optional<size_t> signer;
    for (size_t k = 0; k < keys.size() && !signer.has_value(); ++k) {
      if (keys[k].key.KeyId() != s.key_id) continue;
      known = true;
      if (bytes.ok() && keys[k].key.Verify(*bytes, s.signature)) signer = k;
    }
    if (!known) {
      states.push_back("unknown key: not a release key here, counts for nothing");
    } else if (!signer.has_value()) {
      states.push_back("DOES NOT VERIFY: the manifest changed after it was signed, or the signature is damaged");
    } else if (counted[*signer]) {
      states.push_back("duplicate: this key already signed, counted once");
    } else {
      counted[*signer] = true;
      states.push_back("valid");
    }
  }
  return states;
}

// The configuration's [loader] release keys and threshold, what a loader built from it uses.
absl::Status ConfiguredReleaseKeys(const conf::Config& config, std::vector<ReleaseKey>* keys, uint64_t* threshold) {
  for (const std::string& text : config.loader.release_keys) {
    MIG_ASSIGN_OR_RETURN(crypto::Ed25519PublicKey key, crypto::Ed25519PublicKey::Parse(text));
    keys->push_back({"", key});
  }
  *threshold = config.loader.threshold;
  return absl::OkStatus();
}

// --- create ---

struct CreateOptions {
  std::string binary;
  std::string version;
  std::string out;
  std::string expires = kDefaultValidity;
  std::string rollback_from;
  bool force = false;
};

int Create(const CreateOptions& o) {
  if (absl::Status valid = release::CheckVersion(o.version); !valid.ok()) {
    return Fail("create", absl::InvalidArgumentError(absl::StrCat("--version: ", valid.message())));
  }
  Manifest m;
  m.version = o.version;
  if (!o.rollback_from.empty()) {
    if (absl::Status valid = release::CheckVersion(o.rollback_from); !valid.ok()) {
      return Fail("create", absl::InvalidArgumentError(absl::StrCat("--rollback-from: ", valid.message())));
    }
    if (release::CompareVersions(o.version, o.rollback_from) >= 0) {
      return Fail("create", absl::InvalidArgumentError(absl::StrCat("--rollback-from ", o.rollback_from,
                                                                    ": a rollback goes to an older version than the "
                                                                    "one it replaces, and ",
                                                                    o.version, " is not older")));
    }
    m.rollback_from = o.rollback_from;
  }
  absl::StatusOr<absl::Duration> validity = ParseValidity(o.expires);
  if (!validity.ok()) return Fail("create", validity.status());
  absl::Time now = absl::Now();
  m.created = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  m.expires = m.created + absl::Trunc(*validity, absl::Seconds(1));
  m.files.push_back({absl::StrCat(release::kBinaryFilePrefix, "-", o.version), 0, {}, 0755});
  // The manifest is checked as a loader will read it before anything is written.
  if (absl::StatusOr<std::string> bytes = release::SigningBytes(m); !bytes.ok()) return Fail("create", bytes.status());

  std::string manifest_path = absl::StrCat(o.out, "/", kManifestFileName);
  std::string binary_path = absl::StrCat(o.out, "/", m.files[0].name);
  for (const std::string& path : {manifest_path, binary_path}) {
    if (!o.force && access(path.c_str(), F_OK) == 0) {
      return Fail("create", absl::AlreadyExistsError(absl::StrCat(
                                path, " already exists; keep it, or replace it (and any signatures) with --force")));
    }
  }
  absl::StatusOr<UniqueFd> in = OpenReleaseBinary(o.binary);
  if (!in.ok()) return Fail("create", in.status());
  if (absl::Status made = MakeDirectories(o.out, 0755); !made.ok()) return FailIo("create", made);
  absl::StatusOr<FileFacts> facts = CopyReleaseBinary(in->get(), o.binary, binary_path);
  if (!facts.ok()) return FailIo("create", facts.status());
  m.files[0].size = facts->size;
  m.files[0].sha256 = facts->sha256;
  absl::Status written = WriteFileAtomically(manifest_path, ManifestFileText(m), 0644);
  if (!written.ok()) return Fail("create", written, kExitFailed);
  std::cout << "wrote " << binary_path << " (" << facts->size << " bytes, sha256 " << Hex(facts->sha256)
            << ", mode 0755)\n"
            << "wrote " << manifest_path << ": " << Summary(m, now) << "\n"
            << "unsigned: each release signer now runs\n"
            << "  mig release sign -i " << manifest_path << " --key KEY\n";
  return 0;
}

// --- sign ---

struct SignOptions {
  std::string input;
  std::string key;
  std::string output;  // empty: back into the input
};

int Sign(const SignOptions& o, const std::string& config_path) {
  absl::StatusOr<Manifest> m = ReadManifest(o.input);
  if (!m.ok()) return Fail("sign", m.status());
  absl::StatusOr<crypto::SecretKeyFileSummary> key_summary = crypto::InspectSecretKeyFile(o.key);
  if (!key_summary.ok()) return Fail("sign", key_summary.status());
  std::string key_id = key_summary->public_key.KeyId();
  for (const release::ReleaseSignature& s : m->signatures) {
    if (s.key_id == key_id) {
      return Fail("sign", absl::AlreadyExistsError(
                              absl::StrCat("the release is already signed by ", key_summary->name, " (key ", key_id,
                                           "); a second signature by the same key would count once")));
    }
  }
  if (m->signatures.size() >= release::kMaxManifestSignatures) {
    return Fail("sign", absl::ResourceExhaustedError(absl::StrCat("the release already has ", m->signatures.size(),
                                                                  " signatures, the most it can hold")));
  }
  absl::Time now = absl::Now();
  std::cerr << "signing " << Summary(*m, now) << "\n";
  if (now > m->expires) {
    return Fail("sign", absl::FailedPreconditionError(
                            absl::StrCat("the release manifest expired ", Relative(m->expires, now),
                                         "; loaders would refuse it. Create a new one with mig release create")));
  }
  // A signature by a key the loaders do not know counts for nothing: say so before it is made.
  uint64_t threshold = 0;
  std::vector<ReleaseKey> configured;
  if (absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
      config.ok() && ConfiguredReleaseKeys(*config, &configured, &threshold).ok() && !configured.empty()) {
    bool known = false;
    for (const ReleaseKey& k : configured) known = known || k.key == key_summary->public_key;
    if (!known) {
      std::cerr << "warning: key " << key_id << " is not one of the configuration's " << configured.size()
                << " release keys ([loader] releasekey); loaders built from it will not count this signature\n";
    }
  }
  absl::StatusOr<crypto::SecretKeyFile> key = ReadSigningKey(o.key);
  if (!key.ok()) return Fail("sign", key.status());
  absl::StatusOr<release::ReleaseSignature> signature = release::SignManifest(*m, key->key);
  if (!signature.ok()) return Fail("sign", signature.status(), kExitFailed);
  m->signatures.push_back(*signature);
  std::string output = o.output.empty() ? o.input : o.output;
  absl::Status written = WriteOutputFile(output, ManifestFileText(*m));
  if (!written.ok()) return Fail("sign", written, kExitFailed);
  std::cerr << "signed by " << key->name << " (key " << key_id << "); the release now has "
            << Plural(m->signatures.size(), "signature");
  if (!configured.empty()) std::cerr << " (the configuration's loaders need " << threshold << ")";
  std::cerr << "\n";
  return 0;
}

// --- verify ---

struct VerifyOptions {
  std::string input;
  std::vector<std::string> public_keys;
  uint64_t threshold = 0;
  bool threshold_given = false;
  std::string installed;
};

// A listed file next to the manifest, checked as the loader checks a download: a regular file of the listed
// size whose SHA-256 is the listed one. Returns what is wrong, or nothing.
std::optional<std::string> CheckFile(const std::string& directory, const ReleaseFile& f) {
  std::string path = absl::StrCat(directory, "/", f.name);
  absl::StatusOr<UniqueFd> fd = OpenRegularFile(path);
  if (!fd.ok()) return std::string(fd.status().message());
  struct stat st;
  if (fstat(fd->get(), &st) != 0) return std::string(ErrnoError("stat", path, errno).message());
  if (static_cast<uint64_t>(st.st_size) != f.size) {
    return absl::StrCat(path, " is ", st.st_size, " bytes, the manifest lists ", f.size);
  }
  // Bounded by the listed size: a file growing while it is read is refused, not read without end.
  absl::StatusOr<FileFacts> facts = StreamFile(fd->get(), path, f.size);
  if (!facts.ok()) return std::string(facts.status().message());
  if (facts->size != f.size) return absl::StrCat(path, " is ", facts->size, " bytes, the manifest lists ", f.size);
  if (facts->sha256 != f.sha256) {
    return absl::StrCat(path, " has SHA-256 ", Hex(facts->sha256), ", the manifest lists ", Hex(f.sha256));
  }
  return std::nullopt;
}

int Verify(const VerifyOptions& o, const std::string& config_path) {
  std::vector<ReleaseKey> keys;
  uint64_t threshold = 0;
  std::string against;
  if (o.public_keys.empty()) {
    absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
    if (!config.ok()) return Fail("verify", config.status());
    if (absl::Status read = ConfiguredReleaseKeys(*config, &keys, &threshold); !read.ok()) {
      return Fail("verify", read);
    }
    if (keys.empty()) {
      return Fail("verify", absl::InvalidArgumentError(absl::StrCat(
                                "the configuration (", config->source,
                                ") names no release keys ([loader] releasekey); give them with --pubkey FILE")));
    }
    against = absl::StrCat("the configured release keys (", config->source, ")");
  } else {
    for (const std::string& path : o.public_keys) {
      absl::StatusOr<crypto::PublicKeyFile> file = crypto::ReadPublicKeyFile(path);
      if (!file.ok()) return Fail("verify", file.status());
      keys.push_back({file->name, file->key});
    }
    threshold = keys.size();
    against = absl::StrCat("the given ", Plural(keys.size(), "release key"));
  }
  if (o.threshold_given) threshold = o.threshold;
  size_t distinct = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i; ++j) seen = seen || keys[j].key == keys[i].key;
    if (!seen) ++distinct;
  }
  if (threshold == 0 || threshold > distinct) {
    return Fail("verify", absl::InvalidArgumentError(absl::StrCat("a threshold of ", threshold, " with ",
                                                                  Plural(distinct, "distinct release key"),
                                                                  ": it must be from 1 to the number of keys")));
  }
  std::optional<std::string> installed;
  if (!o.installed.empty()) {
    if (absl::Status valid = release::CheckVersion(o.installed); !valid.ok()) {
      return Fail("verify", absl::InvalidArgumentError(absl::StrCat("--installed: ", valid.message())));
    }
    installed = o.installed;
  }
  if (o.input == "-") {
    return Fail("verify", absl::InvalidArgumentError(
                              "-i -: verify checks the files next to the manifest, so it needs the manifest's path"));
  }
  absl::StatusOr<std::string> text = ReadInputFile(o.input, release::kMaxManifestBytes);
  if (!text.ok()) return Fail("verify", text.status());
  absl::StatusOr<Manifest> m = release::ParseManifest(*text);
  if (!m.ok()) {
    std::cout << "REFUSED: " << o.input << " is not a valid release manifest: " << m.status().message() << "\n";
    return 1;
  }

  absl::Time now = absl::Now();
  std::vector<std::string> refusals;
  std::cout << Summary(*m, now) << "\n";
  if (m->signatures.empty()) std::cout << "no signatures\n";
  std::vector<std::string> states = SignatureStates(*m, keys);
  for (size_t i = 0; i < m->signatures.size(); ++i) {
    std::cout << "signature " << i << ": " << KeyLabel(m->signatures[i].key_id, keys) << ": " << states[i] << "\n";
  }
  std::vector<crypto::Ed25519PublicKey> public_keys;
  for (const ReleaseKey& k : keys) public_keys.push_back(k.key);
  absl::Status signed_enough = release::VerifyManifestSignatures(*m, public_keys, threshold);
  if (!signed_enough.ok()) refusals.push_back(absl::StrCat("signatures: ", signed_enough.message()));

  absl::Status installable = release::CheckInstallable(*m, installed, now);
  std::cout << "installable over " << (installed ? *installed : "nothing installed (a first install)") << ": "
            << (installable.ok() ? "yes" : installable.message()) << "\n";
  if (!installable.ok()) refusals.push_back(std::string(installable.message()));

  std::string directory = ParentDirectory(o.input);
  for (const ReleaseFile& f : m->files) {
    std::optional<std::string> problem = CheckFile(directory, f);
    std::cout << "file " << f.name << ": "
              << (problem ? *problem : absl::StrCat("ok, ", f.size, " bytes, sha256 ", Hex(f.sha256))) << "\n";
    if (problem) refusals.push_back(*problem);
  }

  if (refusals.empty()) {
    std::cout << "VERIFIED against " << against << ": release " << m->version << " is signed by at least "
              << Plural(threshold, "distinct release key") << ", installable, and its "
              << Plural(m->files.size(), "file") << " match" << (m->files.size() == 1 ? "es" : "") << " the manifest\n";
    return 0;
  }
  std::cout << "REFUSED: " << absl::StrJoin(refusals, "; ") << "\n"
            << "checked against " << against << ", threshold " << threshold << "\n";
  return 1;
}

// --- show ---

int Show(const std::string& input, const std::string& config_path) {
  absl::StatusOr<Manifest> m = ReadManifest(input);
  if (!m.ok()) return Fail("show", m.status());
  // Which signatures the configured release keys made, when there are any.
  std::vector<ReleaseKey> keys;
  uint64_t threshold = 0;
  if (absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path); config.ok()) {
    if (!ConfiguredReleaseKeys(*config, &keys, &threshold).ok()) keys.clear();
  }
  absl::Time now = absl::Now();
  std::cout << "version:     " << m->version << "\n"
            << "platform:    " << m->platform << "\n";
  if (m->rollback_from) {
    std::cout << "rollback:    from " << *m->rollback_from << " (installable only where " << *m->rollback_from
              << " is installed)\n";
  }
  std::cout << "created:     " << ReleaseTime(m->created) << " (" << Relative(m->created, now) << ")\n"
            << "expires:     " << ReleaseTime(m->expires) << " (" << (now > m->expires ? "EXPIRED " : "")
            << Relative(m->expires, now) << ")\n";
  for (const ReleaseFile& f : m->files) {
    std::cout << "file:        " << f.name << ", " << f.size << " bytes, mode " << ModeText(f.mode) << ", sha256 "
              << Hex(f.sha256) << "\n";
  }
  std::cout << "signatures:  " << m->signatures.size();
  if (!keys.empty()) std::cout << " (the configuration's loaders need " << threshold << ")";
  std::cout << "\n";
  std::vector<std::string> states = SignatureStates(*m, keys);
  for (size_t i = 0; i < m->signatures.size(); ++i) {
    std::cout << "  signature " << i << ": " << KeyLabel(m->signatures[i].key_id, keys);
    if (!keys.empty()) std::cout << ": " << states[i];
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void AddReleaseCommands(CLI::App& app, int* exit_code, const std::string* config_path) {
  CLI::App* command = app.add_subcommand("release", "create, sign, verify and show signed releases for the loader");
  command->require_subcommand(1);
  command->footer(
      "A release is a directory: the mig binary (mig-VERSION) and manifest.json, which lists each file's size,\n"
      "SHA-256 and mode, the version, the platform and an expiry, signed by release keys (made with\n"
      "`mig key generate`, kept apart from investigator keys). Loaders install a release only when enough distinct\n"
      "configured release keys signed it ([loader] releasekey and threshold), it has not expired and its version is\n"
      "newer than the installed one (or it is a rollback from exactly the installed version).\n"
      "Workflow:\n"
      "  mig release create --binary bazel-bin/mig --version 0.2.0 --out rel/\n"
      "  mig release sign -i rel/manifest.json --key release1.key\n"
      "  mig release sign -i rel/manifest.json --key release2.key\n"
      "  mig release verify -i rel/manifest.json     (exit 0 only if a loader would install it)\n"
      "then publish rel/ at the loaders' update source.");

  CLI::App* create = command->add_subcommand("create", "copy a binary into a release directory and write its manifest");
  create->footer(
      "Writes DIR/mig-VERSION (mode 0755) and DIR/manifest.json, unsigned; both are written to a temporary file,\n"
      "fsynced and renamed, so neither is ever half-written. --expires takes days (30d) or a duration (720h).\n"
      "A rollback release (--rollback-from) is installable only over exactly that version, and must be older.\n"
      "Examples:\n"
      "  mig release create --binary bazel-bin/mig --version 0.2.0 --out rel-0.2.0\n"
      "  mig release create --binary old/mig --version 0.1.0 --rollback-from 0.2.0 --expires 7d --out rollback");
  auto c = std::make_shared<CreateOptions>();
  create->add_option("--binary", c->binary, "the mig binary to release (e.g. bazel-bin/mig)")->required();
  create->add_option("--version", c->version, "its version: 0.2.0, 1.0.0-rc.1 (newer than what loaders run)")
      ->required();
  create->add_option("--out", c->out, "the release directory (created if missing)")->required();
  create->add_option("--expires", c->expires, "how long loaders may install it")->capture_default_str();
  create->add_option("--rollback-from", c->rollback_from, "make a rollback release from this (newer) version");
  create->add_flag("--force", c->force, "replace an existing manifest.json and binary (dropping their signatures)");
  create->callback([c, exit_code] { *exit_code = Create(*c); });

  CLI::App* sign = command->add_subcommand("sign", "add your release signature to a manifest, keeping the others");
  sign->footer(
      "Shows what is being signed (on stderr) and asks for the key's passphrase (or reads MIG_PASSPHRASE).\n"
      "Refuses expired manifests and a second signature by the same key. Writes the manifest back in place\n"
      "(atomically) unless -o says otherwise.\n"
      "Example:\n  mig release sign -i rel/manifest.json --key ~/.mig/release1.key");
  auto s = std::make_shared<SignOptions>();
  sign->add_option("-i,--input", s->input, "the manifest; - reads stdin (and writes stdout)")->required();
  sign->add_option("-k,--key", s->key, "your release key file (mig key generate)")->required();
  sign->add_option("-o,--output", s->output, "write here (atomically; - is stdout) instead of back into the input");
  sign->callback([s, exit_code, config_path] { *exit_code = Sign(*s, *config_path); });

  CLI::App* verify = command->add_subcommand("verify", "check a release as a loader would, files included");
  verify->footer(
      "Checks each signature (valid, unknown key, does not verify, duplicate), that enough distinct release keys\n"
      "signed, that the release is installable (not expired, this platform, one binary, newer than --installed or\n"
      "a rollback from exactly it), and that every listed file next to the manifest has its size and SHA-256.\n"
      "Keys: the configuration's [loader] releasekey lines and threshold, or the --pubkey files (then every one of\n"
      "them must sign unless --threshold says fewer).\n"
      "Exit status: 0 verified, 1 refused (the reasons are printed), 2 unusable input.\n"
      "Examples:\n"
      "  mig release verify -i rel/manifest.json --installed 0.1.0\n"
      "  mig release verify -i rel/manifest.json --pubkey r1.key.pub --pubkey r2.key.pub --pubkey r3.key.pub "
      "--threshold 2");
  auto v = std::make_shared<VerifyOptions>();
  verify->add_option("-i,--input", v->input, "the manifest (its files are looked for beside it)")->required();
  verify->add_option("--pubkey", v->public_keys, "a release public key file (repeatable) instead of the configuration");
  CLI::Option* threshold = verify->add_option("--threshold", v->threshold,
                                              "distinct release keys needed (default: the configuration's, "
                                              "or all the --pubkey keys)");
  verify->add_option("--installed", v->installed, "the version installed where it would go (default: none)");
  verify->callback([v, threshold, exit_code, config_path] {
    v->threshold_given = threshold->count() > 0;
    *exit_code = Verify(*v, *config_path);
  });

  CLI::App* show = command->add_subcommand("show", "print a release manifest readably, with who signed it");
  show->footer(
      "Signatures are checked against the configuration's release keys, if it has any.\n"
      "Example:\n  mig release show -i rel/manifest.json");
  auto input = std::make_shared<std::string>();
  show->add_option("-i,--input", *input, "the manifest; - reads stdin")->required();
  show->callback([input, exit_code, config_path] { *exit_code = Show(*input, *config_path); });
}

}  // namespace mig::investigator
