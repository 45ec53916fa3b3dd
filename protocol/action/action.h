// Actions, as MIG has them: who wants which modules run with which parameters, on which agents, when — and
// the investigators' signatures that make an agent willing to run it.
//
//   MIG_ASSIGN_OR_RETURN(Action action, ParseAction(json_text));   // strict: unknown fields are errors
//   MIG_ASSIGN_OR_RETURN(std::string bytes, SigningBytes(action));   // what every signature covers
//   MIG_ASSIGN_OR_RETURN(Signature s, SignAction(action, key));
//   action.signatures.push_back(s);
//   std::string json = ActionToJson(action);
//
// The JSON: {"id", "name", "target", "description": {"author","email","url","revision"},
// "threat": {"ref","level","family","type"}, "validfrom", "expireafter" (RFC 3339 times),
// "operations": [{"module", "parameters"}], "signatures": [{"keyid", "signature"}], "syntaxversion"}.
#ifndef MIG_PROTOCOL_ACTION_ACTION_H_
#define MIG_PROTOCOL_ACTION_ACTION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"

namespace mig::action {

// Bounds on what an action may hold; anything larger is refused with a message saying which bound.
inline constexpr size_t kMaxActionBytes = 4 << 20;
inline constexpr size_t kMaxDepth = 64;
inline constexpr size_t kMaxOperations = 256;
inline constexpr size_t kMaxSignatures = 16;
inline constexpr size_t kMaxShortField = 1024;  // name, description and threat fields
inline constexpr size_t kMaxTarget = 64 << 10;
// Ids are JSON numbers (as in MIG); they stay below 2^53 so that every JSON reader keeps them exact.
inline constexpr uint64_t kMaxActionId = (uint64_t{1} << 53) - 1;
inline constexpr int64_t kSyntaxVersion = 2;

struct Description {
  std::string author;
  std::string email;
  std::string url;
  int64_t revision = 0;
};

struct Threat {
  std::string ref;
  std::string level;
  std::string family;
  std::string type;
};

struct Operation {
  std::string module;
  std::string parameters;  // canonical JSON: exactly what is signed and what the module receives
};

struct Signature {
  std::string key_id;  // crypto::Ed25519PublicKey::KeyId() of the signer
  crypto::Ed25519Signature signature;
};

struct Action {
  uint64_t id = 0;
  std::string name;
  std::string target;
  Description description;
  Threat threat;
  absl::Time valid_from = absl::UnixEpoch();
  absl::Time expire_after = absl::UnixEpoch();
  std::vector<Operation> operations;
  std::vector<Signature> signatures;
  int64_t syntax_version = kSyntaxVersion;
};

// Parses an action. Unknown fields, wrong types, duplicate keys, out-of-range values and oversized parts are
// errors naming the field. It does not check signatures or validity: see authorization/.
absl::StatusOr<Action> ParseAction(std::string_view json);

// The action as JSON, compact or indented for people.
std::string ActionToJson(const Action& action, bool indent = false);

// What signatures cover: "mig-action-v1\n" followed by the canonical JSON (canonical.h) of every field but
// the signatures — id, name, target, description, threat, validity window (as RFC 3339 UTC with
// nanoseconds), every operation's module and canonical parameters, and the syntax version. Changing any of
// them invalidates every signature. Fails only for an action whose parameters are not JSON objects (one built in
// code with bad parameters); such an action can be neither signed nor verified.
absl::StatusOr<std::string> SigningBytes(const Action& action);

// A signature of `action` by `key`.
absl::StatusOr<Signature> SignAction(const Action& action, const crypto::Ed25519KeyPair& key);

// A new unsigned action with a random id, valid from `now` (backdated by a minute so that agents whose clocks
// are a little behind accept it) for `validity`.
Action NewAction(std::string name, std::string target, absl::Time now, absl::Duration validity);

// RFC 3339 with nanoseconds, in UTC: "2026-11-29T04:37:37.123456789Z".
std::string FormatActionTime(absl::Time time);

}  // namespace mig::action

#endif  // MIG_PROTOCOL_ACTION_ACTION_H_
