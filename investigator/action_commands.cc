#include "investigator/action_commands.h"

#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "crypto/key_file.h"
#include "embedded_conf/authorization_config.h"
#include "embedded_conf/load.h"
#include "investigator/files.h"
#include "investigator/local_run.h"
#include "investigator/passphrase.h"
#include "investigator/wording.h"
#include "modules/module.h"
#include "protocol/authorization/authorize.h"
#include "protocol/authorization/policy.h"

namespace mig::investigator {
namespace {

using action::Action;

std::string ModuleList(const Action& a) {
  std::vector<std::string> modules;
  for (const action::Operation& op : a.operations) modules.push_back(op.module);
  return absl::StrJoin(modules, ", ");
}

// One line saying what an action does, for the person about to sign or send it.
std::string Summary(const Action& a, absl::Time now) {
  return absl::StrCat("action ", a.id, " \"", a.name, "\": ", Plural(a.operations.size(), "operation"), " (",
                      ModuleList(a), ") on target ", a.target, ", valid ", action::FormatActionTime(a.valid_from),
                      " to ", action::FormatActionTime(a.expire_after), " (expires ", Relative(a.expire_after, now),
                      ")");
}

std::string SignerLabel(const action::Signature& s, const authorization::Keyring& keys) {
  const authorization::Investigator* who = keys.FindByKeyId(s.key_id);
  return who == nullptr ? absl::StrCat("key ", s.key_id, " (unknown)")
                        : absl::StrCat(who->name, " (key ", s.key_id, ")");
}

// For each signature, whether it verifies against the keyring: "valid", "DOES NOT VERIFY" or "signer not
// known here". The signed bytes are computed once for all signatures.
std::vector<std::string> SignatureStates(const Action& a, const authorization::Keyring& keys) {
  absl::StatusOr<std::string> bytes = action::SigningBytes(a);
  std::vector<std::string> states;
  for (const action::Signature& s : a.signatures) {
    const authorization::Investigator* who = keys.FindByKeyId(s.key_id);
    if (who == nullptr) {
      states.push_back("signer not known here");
    } else if (!bytes.ok() || !who->key.Verify(*bytes, s.signature)) {
      states.push_back("DOES NOT VERIFY");
    } else {
      states.push_back("valid");
    }
  }
  return states;
}

int Fail(std::string_view command, const absl::Status& status, int code = kExitUsage) {
  std::cerr << "mig action " << command << ": " << status.message() << "\n";
  return code;
}

absl::StatusOr<Action> ReadAction(const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path, action::kMaxActionBytes));
  absl::StatusOr<Action> parsed = action::ParseAction(text);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", parsed.status().message()));
  return parsed;
}

std::string ActionFileText(const Action& a) { return absl::StrCat(action::ActionToJson(a, /*indent=*/true), "\n"); }

// --- create ---

struct CreateOptions {
  std::vector<std::string> modules;
  std::vector<std::string> parameter_files;
  NewActionRequest request;
  std::string output;
};

int Create(CreateOptions& o, const std::string& config_path) {
  if (o.modules.size() != o.parameter_files.size()) {
    return Fail("create",
                absl::InvalidArgumentError(absl::StrCat("give one --parameters file per --module (", o.modules.size(),
                                                        " modules, ", o.parameter_files.size(), " parameter files)")));
  }
  absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
  if (!config.ok()) return Fail("create", config.status());
  o.request.operations.clear();
  for (size_t i = 0; i < o.modules.size(); ++i) {
    absl::StatusOr<std::string> parameters = ReadInputFile(o.parameter_files[i], action::kMaxActionBytes);
    if (!parameters.ok()) return Fail("create", parameters.status());
    o.request.operations.push_back({o.modules[i], *parameters});
  }
  absl::StatusOr<Action> a = NewUnsignedAction(o.request, *config, absl::Now());
  if (!a.ok()) return Fail("create", a.status());
  absl::Status written = WriteOutputFile(o.output, ActionFileText(*a));
  if (!written.ok()) return Fail("create", written, kExitFailed);
  std::cerr << Summary(*a, absl::Now()) << "\nunsigned: sign it with `mig action sign -i FILE --key KEY`\n";
  return 0;
}

// --- sign ---

struct SignOptions {
  std::string input;
  std::string key;
  std::string output;
};

int Sign(const SignOptions& o) {
  absl::StatusOr<Action> a = ReadAction(o.input);
  if (!a.ok()) return Fail("sign", a.status());
  absl::StatusOr<crypto::SecretKeyFileSummary> key_summary = crypto::InspectSecretKeyFile(o.key);
  if (!key_summary.ok()) return Fail("sign", key_summary.status());
  std::string key_id = key_summary->public_key.KeyId();
  for (const action::Signature& s : a->signatures) {
    if (s.key_id == key_id) {
      return Fail("sign", absl::AlreadyExistsError(
                              absl::StrCat("the action is already signed by ", key_summary->name, " (key ", key_id,
                                           "); a second signature by the same key would count once")));
    }
  }
  if (a->signatures.size() >= action::kMaxSignatures) {
    return Fail("sign", absl::ResourceExhaustedError(absl::StrCat("the action already has ", a->signatures.size(),
                                                                  " signatures, the most it can hold")));
  }
  absl::Time now = absl::Now();
  std::cerr << "signing " << Summary(*a, now) << "\n";
  if (now > a->expire_after) {
    return Fail("sign",
                absl::FailedPreconditionError(absl::StrCat("the action expired ", Relative(a->expire_after, now),
                                                           "; agents would refuse it. Create a new one")));
  }
  absl::StatusOr<crypto::SecretKeyFile> key = ReadSigningKey(o.key);
  if (!key.ok()) return Fail("sign", key.status());
  absl::StatusOr<action::Signature> signature = action::SignAction(*a, key->key);
  if (!signature.ok()) return Fail("sign", signature.status(), kExitFailed);
  a->signatures.push_back(*signature);
  absl::Status written = WriteOutputFile(o.output, ActionFileText(*a));
  if (!written.ok()) return Fail("sign", written, kExitFailed);
  std::cerr << "signed by " << key->name << " (key " << key_id << "); the action now has "
            << Plural(a->signatures.size(), "signature") << "\n";
  return 0;
}

// --- verify ---

struct VerifyOptions {
  std::string input;
  std::vector<std::string> public_keys;
};

int Verify(const VerifyOptions& o, const std::string& config_path) {
  absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
  if (!config.ok()) return Fail("verify", config.status());
  authorization::AuthorizationPolicy policy = conf::AuthorizationPolicyFromConfig(*config);
  authorization::Keyring keys;
  authorization::Acl acl;
  std::string against;
  if (o.public_keys.empty()) {
    absl::StatusOr<authorization::Keyring> configured = conf::KeyringFromConfig(*config);
    if (!configured.ok()) return Fail("verify", configured.status());
    keys = std::move(*configured);
    acl = conf::AclFromConfig(*config);
    against = absl::StrCat("the configured keys and ACLs (", config->source, ")");
  } else {
    // Against the given keys: every signature must be by one of them, and each of them must have signed.
    authorization::AclRule everyone;
    everyone.minimum_weight = o.public_keys.size();
    for (const std::string& path : o.public_keys) {
      absl::StatusOr<crypto::PublicKeyFile> file = crypto::ReadPublicKeyFile(path);
      if (!file.ok()) return Fail("verify", file.status());
      std::string name = file->name.empty() ? absl::StrCat("key ", file->key.KeyId()) : file->name;
      absl::Status added = keys.Add(name, file->key);
      if (!added.ok()) return Fail("verify", absl::InvalidArgumentError(absl::StrCat(path, ": ", added.message())));
      everyone.weights[name] = 1;
    }
    acl.Set("default", everyone);
    against = absl::StrCat("the given ", Plural(o.public_keys.size(), "public key"), ", all of which must sign");
  }

  absl::StatusOr<std::string> text = ReadInputFile(o.input, action::kMaxActionBytes);
  if (!text.ok()) return Fail("verify", text.status());
  absl::Time now = absl::Now();
  // Parsed once: shown to the investigator, then authorized as the agent would (a parse failure is the
  // agent's malformed refusal).
  absl::StatusOr<Action> a = action::ParseAction(*text);
  auto module_exists = [](std::string_view m) { return modules::FindModule(m) != nullptr; };
  authorization::Verdict verdict;
  if (a.ok()) {
    std::cout << Summary(*a, now) << "\n";
    if (a->signatures.empty()) std::cout << "no signatures\n";
    std::vector<std::string> states = SignatureStates(*a, keys);
    for (size_t i = 0; i < a->signatures.size(); ++i) {
      std::cout << "signature " << i << ": " << SignerLabel(a->signatures[i], keys) << ": " << states[i] << "\n";
    }
    verdict = authorization::Authorize(*a, now, acl, keys, policy, module_exists, /*replay_cache=*/nullptr);
  } else {
    verdict = authorization::AuthorizeJson(*text, now, acl, keys, policy, module_exists, /*replay_cache=*/nullptr);
  }
  if (verdict.authorized()) {
    std::cout << "VERIFIED against " << against << ": signed by " << absl::StrJoin(verdict.signers, ", ")
              << "; every operation has the weight its module's ACL requires\n";
    return 0;
  }
  std::cout << "REFUSED (" << authorization::RefusalName(verdict.refusal) << "): " << verdict.reason << "\n"
            << "checked against " << against << "\n";
  return 1;
}

// --- show ---

int Show(const std::string& input, const std::string& config_path) {
  absl::StatusOr<Action> a = ReadAction(input);
  if (!a.ok()) return Fail("show", a.status());
  // Names for the signers, when the configuration knows them.
  authorization::Keyring keys;
  if (absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path); config.ok()) {
    if (absl::StatusOr<authorization::Keyring> configured = conf::KeyringFromConfig(*config); configured.ok()) {
      keys = std::move(*configured);
    }
  }
  absl::Time now = absl::Now();
  std::cout << "id:          " << a->id << "\n"
            << "name:        " << a->name << "\n"
            << "target:      " << a->target << "\n";
  if (!a->description.author.empty() || !a->description.email.empty()) {
    std::cout << "author:      " << a->description.author
              << (a->description.email.empty() ? "" : absl::StrCat(" <", a->description.email, ">")) << "\n";
  }
  if (!a->threat.ref.empty() || !a->threat.level.empty() || !a->threat.family.empty() || !a->threat.type.empty()) {
    std::cout << "threat:      ref " << a->threat.ref << ", level " << a->threat.level << ", family "
              << a->threat.family << ", type " << a->threat.type << "\n";
  }
  std::cout << "valid from:  " << action::FormatActionTime(a->valid_from) << " (" << Relative(a->valid_from, now)
            << ")\n"
            << "expires:     " << action::FormatActionTime(a->expire_after) << " (" << Relative(a->expire_after, now)
            << ")\n";
  for (size_t i = 0; i < a->operations.size(); ++i) {
    json::JsonWriter w(2);
    w.Raw(a->operations[i].parameters);
    std::cout << "operation " << i << ": " << a->operations[i].module << "\n" << std::move(w).Take() << "\n";
  }
  std::cout << "signatures:  " << a->signatures.size() << "\n";
  std::vector<std::string> states = SignatureStates(*a, keys);
  for (size_t i = 0; i < a->signatures.size(); ++i) {
    std::cout << "  " << SignerLabel(a->signatures[i], keys) << ": " << states[i] << "\n";
  }
  return 0;
}

}  // namespace

absl::StatusOr<Action> NewUnsignedAction(const NewActionRequest& request, const conf::Config& config, absl::Time now) {
  if (request.operations.empty()) return absl::InvalidArgumentError("an action needs at least one operation");
  for (size_t i = 0; i < request.operations.size(); ++i) {
    const action::Operation& op = request.operations[i];
    const modules::Module* module = modules::FindModule(op.module);
    if (module == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, ": unknown module '", op.module, "'"));
    }
    absl::Status valid = module->ValidateParameters(op.parameters);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, " (", op.module, "): ", valid.message()));
    }
  }
  absl::Duration validity;
  if (!absl::ParseDuration(request.expiration, &validity) || validity <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expiration '", request.expiration, "' is not a duration like 300s, 30m or 2h"));
  }
  std::string name = request.name;
  if (name.empty()) {
    std::set<std::string> modules;
    for (const action::Operation& op : request.operations) modules.insert(op.module);
    name = absl::StrCat(absl::StrJoin(modules, "+"), " investigation");
  }
  Action a = action::NewAction(name, request.target, now, validity);
  authorization::AuthorizationPolicy policy = conf::AuthorizationPolicyFromConfig(config);
  if (a.expire_after - a.valid_from > policy.max_validity) {
    // The window starts a minute early (see NewAction), which counts against the maximum too.
    return absl::InvalidArgumentError(
        absl::StrCat("expiration ", request.expiration, ": agents refuse actions valid for longer than ",
                     absl::FormatDuration(policy.max_validity), " (maxactionvalidity); the longest expiration is ",
                     absl::FormatDuration(policy.max_validity - (now - a.valid_from))));
  }
  a.description.author = request.author;
  a.description.email = request.email;
  a.operations = request.operations;
  // Through the parser an agent uses: parameters become canonical, and whatever it would refuse is refused here.
  absl::StatusOr<Action> checked = action::ParseAction(action::ActionToJson(a));
  if (!checked.ok())
    return absl::InvalidArgumentError(absl::StrCat("the action is not valid: ", checked.status().message()));
  return checked;
}

void AddActionCommands(CLI::App& app, int* exit_code, const std::string* config_path) {
  CLI::App* command = app.add_subcommand("action", "create, sign, verify and show action files");
  command->require_subcommand(1);
  command->footer(
      "Two-person workflow:\n"
      "  mig file -path /etc -name passwd --print-action > a.json   (or: mig action create ...)\n"
      "  mig action sign -i a.json --key alice.key -o a.json\n"
      "  mig action sign -i a.json --key bob.key -o a.json\n"
      "  mig action verify -i a.json       (exit 0 only if the configured ACLs accept it)");

  CLI::App* create = command->add_subcommand("create", "write a new unsigned action from parameter files");
  create->footer(
      "Each --module takes the --parameters file at the same position (MIG's parameter JSON; - reads stdin).\n"
      "Example:\n  mig action create --module file --parameters p.json -t \"name='web1'\" -e 1h -o a.json");
  auto c = std::make_shared<CreateOptions>();
  create->add_option("--module", c->modules, "a module to run (repeat for several operations)")->required();
  create->add_option("--parameters", c->parameter_files, "its parameters, a JSON file")->required();
  create->add_option("-t,--target", c->request.target, "the agents to run it on")->capture_default_str();
  create->add_option("-e,--expiration", c->request.expiration, "how long it stays valid")->capture_default_str();
  create->add_option("--name", c->request.name, "a name for people (default: the modules)");
  create->add_option("--author", c->request.author, "description.author");
  create->add_option("--email", c->request.email, "description.email");
  create->add_option("-o,--output", c->output, "write here (atomically) instead of stdout");
  create->callback([c, exit_code, config_path] { *exit_code = Create(*c, *config_path); });

  CLI::App* sign = command->add_subcommand("sign", "add your signature to an action, keeping the others");
  sign->footer(
      "Shows what is being signed (on stderr) and asks for the key's passphrase (or reads MIG_PASSPHRASE).\n"
      "Refuses expired actions and a second signature by the same key.\n"
      "Example:\n  mig action sign -i a.json --key ~/.mig/alice.key -o a.json");
  auto s = std::make_shared<SignOptions>();
  sign->add_option("-i,--input", s->input, "the action file; - reads stdin")->required();
  sign->add_option("-k,--key", s->key, "your secret key file (mig key generate)")->required();
  sign->add_option("-o,--output", s->output, "write here (atomically; may be the input) instead of stdout");
  sign->callback([s, exit_code] { *exit_code = Sign(*s); });

  CLI::App* verify = command->add_subcommand("verify", "check an action's signatures as an agent would");
  verify->footer(
      "Runs the agents' own authorization (signatures, ACL weights of every operation, validity window, modules)\n"
      "and says who signed. Exit status: 0 verified, 1 refused (the reason is printed), 2 unusable input.\n"
      "With --pubkey, checks against those keys only: each must have signed, and nobody else.\n"
      "Examples:\n  mig action verify -i a.json\n  mig action verify -i a.json --pubkey alice.key.pub --pubkey "
      "bob.key.pub");
  auto v = std::make_shared<VerifyOptions>();
  verify->add_option("-i,--input", v->input, "the action file; - reads stdin")->required();
  verify->add_option("--pubkey", v->public_keys, "a public key file (repeatable) instead of the configuration");
  verify->callback([v, exit_code, config_path] { *exit_code = Verify(*v, *config_path); });

  CLI::App* show = command->add_subcommand("show", "print an action readably, with who signed it");
  auto input = std::make_shared<std::string>();
  show->add_option("-i,--input", *input, "the action file; - reads stdin")->required();
  show->callback([input, exit_code, config_path] { *exit_code = Show(*input, *config_path); });
}

}  // namespace mig::investigator
