#include "investigator/key_commands.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "investigator/local_run.h"
#include "investigator/passphrase.h"

namespace mig::investigator {
namespace {

// Names go into the configuration as [investigator "name"] and ACL lines "name:weight".
absl::Status CheckInvestigatorName(std::string_view name) {
  if (name.empty() || name.size() > 64) return absl::InvalidArgumentError("--name must be 1 to 64 characters");
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '@') {
      return absl::InvalidArgumentError(
          absl::StrCat("--name '", name, "': use letters, digits and . _ - @ only (it goes into the configuration)"));
    }
  }
  return absl::OkStatus();
}

struct GenerateOptions {
  std::string name;
  std::string out;
  bool no_passphrase = false;
  std::string kdf = "moderate";
  bool force = false;
};

crypto::KdfStrength ParseKdf(const std::string& kdf) {
  if (kdf == "interactive") return crypto::KdfStrength::kInteractive;
  if (kdf == "sensitive") return crypto::KdfStrength::kSensitive;
  return crypto::KdfStrength::kModerate;
}

int Generate(const GenerateOptions& o) {
  absl::Status name_ok = CheckInvestigatorName(o.name);
  if (!name_ok.ok()) {
    std::cerr << "mig key generate: " << name_ok.message() << "\n";
    return kExitUsage;
  }
  std::string out = o.out.empty() ? absl::StrCat(o.name, ".key") : o.out;
  std::string public_out = absl::StrCat(out, ".pub");
  for (const std::string& path : {out, public_out}) {
    if (!o.force && access(path.c_str(), F_OK) == 0) {
      std::cerr << "mig key generate: " << path << " already exists; keep it, or replace it with --force\n";
      return kExitUsage;
    }
  }
  std::optional<std::string> passphrase;
  if (!o.no_passphrase) {
    absl::StatusOr<std::string> read = ReadPassphrase(absl::StrCat("passphrase to protect ", out, ": "), true);
    if (!read.ok()) {
      std::cerr << "mig key generate: " << read.status().message() << "\n";
      return kExitUsage;
    }
    passphrase = std::move(*read);
  }
  crypto::Ed25519KeyPair pair = crypto::Ed25519KeyPair::Generate();
  absl::Status written = crypto::WriteSecretKeyFile(out, o.name, pair, passphrase, ParseKdf(o.kdf), o.force);
  if (written.ok()) written = crypto::WritePublicKeyFile(public_out, o.name, pair.public_key(), o.force);
  if (!written.ok()) {
    std::cerr << "mig key generate: " << written.message() << "\n";
    return absl::IsAlreadyExists(written) ? kExitUsage : kExitFailed;
  }
  std::cerr << "wrote " << out << (passphrase ? " (sealed with the passphrase)" : " (NOT protected by a passphrase)")
            << " and " << public_out << "\n"
            << "key id " << pair.public_key().KeyId() << "; hand this to the administrators of the agents' "
            << "configuration:\n";
  std::cout << "[investigator \"" << o.name << "\"]\n    pubkey = " << pair.public_key().ToString() << "\n";
  return 0;
}

int Show(const std::string& path) {
  crypto::Ed25519PublicKey key;
  std::string name;
  std::string kind;
  // A public key file is one line; anything else is read as a secret key file, whose errors say more.
  absl::StatusOr<crypto::PublicKeyFile> as_public = crypto::ReadPublicKeyFile(path);
  if (as_public.ok()) {
    key = as_public->key;
    name = as_public->name;
    kind = "public key file";
  } else {
    absl::StatusOr<crypto::SecretKeyFileSummary> as_secret = crypto::InspectSecretKeyFile(path);
    if (!as_secret.ok()) {
      std::cerr << "mig key show: " << as_secret.status().message() << "\n";
      return kExitUsage;
    }
    key = as_secret->public_key;
    name = as_secret->name;
    kind = as_secret->needs_passphrase ? "secret key file, sealed with a passphrase"
                                       : "secret key file, NOT protected by a passphrase";
  }
  std::cout << "name:       " << (name.empty() ? "(none)" : name) << "\n"
            << "key id:     " << key.KeyId() << "\n"
            << "public key: " << key.ToString() << "\n"
            << "file:       " << path << " (" << kind << ")\n";
  return 0;
}

}  // namespace

void AddKeyCommands(CLI::App& app, int* exit_code) {
  CLI::App* key = app.add_subcommand("key", "create and inspect investigator signing keys (Ed25519)");
  key->require_subcommand(1);

  CLI::App* generate = key->add_subcommand("generate", "create a key pair: NAME.key (secret) and NAME.key.pub");
  generate->footer(
      "The secret key is sealed with a passphrase (Argon2id + XSalsa20-Poly1305), asked on the terminal with echo\n"
      "off, or taken from MIG_PASSPHRASE in scripts. The public key line printed on stdout goes into the agents'\n"
      "configuration, with ACL lines giving the investigator a weight.\n"
      "Example:\n  mig key generate --name alice --out ~/.mig/alice.key");
  auto g = std::make_shared<GenerateOptions>();
  generate->add_option("--name", g->name, "the investigator's name, as the configuration will know it")->required();
  generate->add_option("--out", g->out,
                       "where to write the secret key (default NAME.key; the public key goes to "
                       "the same path plus .pub)");
  generate->add_flag("--no-passphrase", g->no_passphrase,
                     "store the secret key unsealed (mode 0600): only for automation that protects it otherwise");
  generate
      ->add_option("--kdf", g->kdf,
                   "passphrase hardening: interactive (64 MiB), moderate (256 MiB), "
                   "sensitive (1 GiB)")
      ->check(CLI::IsMember({"interactive", "moderate", "sensitive"}))
      ->capture_default_str();
  generate->add_flag("--force", g->force, "replace existing key files");
  generate->callback([g, exit_code] { *exit_code = Generate(*g); });

  CLI::App* show = key->add_subcommand("show", "print a key's name, key id and public key line");
  show->footer(
      "Reads a secret key file (no passphrase needed) or a .pub file.\nExample:\n  mig key show --key alice.key");
  auto path = std::make_shared<std::string>();
  show->add_option("--key,-k,key", *path, "the key file")->required();
  show->callback([path, exit_code] { *exit_code = Show(*path); });
}

}  // namespace mig::investigator
