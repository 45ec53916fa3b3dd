#include "protocol/action/action.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/rfc3339.h"
#include "base/status_macros.h"
#include "protocol/action/canonical.h"
#include "sodium.h"

namespace mig::action {
namespace {

using json::AsArray;
using json::AsObject;
using json::AsString;
using json::ChildPath;
using json::IndexPath;

constexpr std::string_view kSigningDomain = "mig-action-v1\n";

absl::StatusOr<std::string> BoundedString(simdjson::dom::element e, const std::string& path, size_t max) {
  MIG_ASSIGN_OR_RETURN(std::string value, AsString(e, path));
  if (value.size() > max) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", value.size(), " bytes, more than the limit of ", max));
  }
  return value;
}

absl::StatusOr<int64_t> AsInteger(simdjson::dom::element e, const std::string& path) {
  int64_t value;
  if (e.get(value) == simdjson::SUCCESS) return value;
  // MIG's Go code writes ids as float64: a whole double is accepted, but only inside int64's range, checked
  // before the conversion (outside it, converting is undefined behaviour; the action fuzzer sent 2e+201).
  double d;
  if (e.get(d) == simdjson::SUCCESS && d >= -0x1p63 && d < 0x1p63 && std::trunc(d) == d) {
    return static_cast<int64_t>(d);
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": expected a whole number, got ", json::TypeName(e)));
}

absl::StatusOr<absl::Time> AsTime(simdjson::dom::element e, const std::string& path) {
  MIG_ASSIGN_OR_RETURN(std::string text, BoundedString(e, path, 64));
  absl::StatusOr<absl::Time> time = ParseRfc3339(text);
  if (!time.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", time.status().message()));
  return time;
}

absl::Status ParseDescription(simdjson::dom::element e, Description* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, AsObject(e, "description"));
  MIG_RETURN_IF_ERROR(json::CheckKeys(object, "description", {"author", "email", "url", "revision"}));
  for (simdjson::dom::key_value_pair field : object) {
    std::string path = ChildPath("description", field.key);
    if (field.key == "revision") {
      MIG_ASSIGN_OR_RETURN(out->revision, AsInteger(field.value, path));
      continue;
    }
    MIG_ASSIGN_OR_RETURN(std::string value, BoundedString(field.value, path, kMaxShortField));
    if (field.key == "author") out->author = std::move(value);
    if (field.key == "email") out->email = std::move(value);
    if (field.key == "url") out->url = std::move(value);
  }
  return absl::OkStatus();
}

absl::Status ParseThreat(simdjson::dom::element e, Threat* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, AsObject(e, "threat"));
  MIG_RETURN_IF_ERROR(json::CheckKeys(object, "threat", {"ref", "level", "family", "type"}));
  for (simdjson::dom::key_value_pair field : object) {
    MIG_ASSIGN_OR_RETURN(std::string value, BoundedString(field.value, ChildPath("threat", field.key), kMaxShortField));
    if (field.key == "ref") out->ref = std::move(value);
    if (field.key == "level") out->level = std::move(value);
    if (field.key == "family") out->family = std::move(value);
    if (field.key == "type") out->type = std::move(value);
  }
  return absl::OkStatus();
}

absl::Status ParseOperations(simdjson::dom::element e, std::vector<Operation>* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, AsArray(e, "operations"));
  if (array.size() > kMaxOperations) {
    return absl::InvalidArgumentError(
        absl::StrCat("operations: ", array.size(), " operations, more than the limit of ", kMaxOperations));
  }
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string path = IndexPath("operations", index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, AsObject(item, path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, path, {"module", "parameters"}));
    Operation op;
    simdjson::dom::element module, parameters;
    if (object["module"].get(module) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no \"module\""));
    }
    MIG_ASSIGN_OR_RETURN(op.module, BoundedString(module, ChildPath(path, "module"), 64));
    if (op.module.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ".module: empty"));
    if (object["parameters"].get(parameters) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no \"parameters\""));
    }
    std::string parameters_path = ChildPath(path, "parameters");
    if (!parameters.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(parameters_path, ": expected an object, got ", json::TypeName(parameters)));
    }
    MIG_ASSIGN_OR_RETURN(op.parameters, CanonicalJson(parameters, parameters_path));
    out->push_back(std::move(op));
  }
  return absl::OkStatus();
}

absl::Status ParseSignatures(simdjson::dom::element e, std::vector<Signature>* out) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, AsArray(e, "signatures"));
  if (array.size() > kMaxSignatures) {
    return absl::InvalidArgumentError(
        absl::StrCat("signatures: ", array.size(), " signatures, more than the limit of ", kMaxSignatures));
  }
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string path = IndexPath("signatures", index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, AsObject(item, path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, path, {"keyid", "signature"}));
    simdjson::dom::element key_id, signature;
    if (object["keyid"].get(key_id) != simdjson::SUCCESS || object["signature"].get(signature) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": needs \"keyid\" and \"signature\""));
    }
    Signature s;
    MIG_ASSIGN_OR_RETURN(s.key_id, BoundedString(key_id, ChildPath(path, "keyid"), 64));
    MIG_ASSIGN_OR_RETURN(std::string text, BoundedString(signature, ChildPath(path, "signature"), 128));
    absl::StatusOr<crypto::Ed25519Signature> bytes = crypto::SignatureFromBase64(text);
    if (!bytes.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ".signature: ", bytes.status().message()));
    s.signature = *bytes;
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

void WriteFields(json::JsonWriter& w, const Action& a, bool with_signatures) {
  w.Field("id", a.id);
  w.Field("name", a.name);
  w.Field("target", a.target);
  w.Key("description");
  w.BeginObject();
  w.Field("author", a.description.author);
  w.Field("email", a.description.email);
  w.Field("url", a.description.url);
  w.Field("revision", a.description.revision);
  w.EndObject();
  w.Key("threat");
  w.BeginObject();
  w.Field("ref", a.threat.ref);
  w.Field("level", a.threat.level);
  w.Field("family", a.threat.family);
  w.Field("type", a.threat.type);
  w.EndObject();
  w.Field("validfrom", FormatActionTime(a.valid_from));
  w.Field("expireafter", FormatActionTime(a.expire_after));
  w.Key("operations");
  w.BeginArray();
  for (const Operation& op : a.operations) {
    w.BeginObject();
    w.Field("module", op.module);
    w.Key("parameters");
    w.Raw(op.parameters);
    w.EndObject();
  }
  w.EndArray();
  if (with_signatures) {
    w.Key("signatures");
    w.BeginArray();
    for (const Signature& s : a.signatures) {
      w.BeginObject();
      w.Field("keyid", s.key_id);
      w.Field("signature", crypto::SignatureToBase64(s.signature));
      w.EndObject();
    }
    w.EndArray();
  }
  w.Field("syntaxversion", a.syntax_version);
}

}  // namespace

std::string FormatActionTime(absl::Time time) { return FormatRfc3339(time); }

absl::StatusOr<Action> ParseAction(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(text, "action", kMaxActionBytes, kMaxDepth));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, AsObject(doc->root(), ""));
  if (simdjson::dom::element pgp; root["pgpsignatures"].get(pgp) == simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "pgpsignatures: MIG's PGP signatures are not supported; drop them and sign with `mig action sign` "
        "(Ed25519)");
  }
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "",
                                      {"id", "name", "target", "description", "threat", "validfrom", "expireafter",
                                       "operations", "signatures", "syntaxversion"}));
  Action action;
  bool has_operations = false, has_valid_from = false, has_expire_after = false;
  for (simdjson::dom::key_value_pair field : root) {
    std::string path(field.key);
    if (field.key == "id") {
      MIG_ASSIGN_OR_RETURN(action.id, json::AsCount(field.value, path, kMaxActionId));
    } else if (field.key == "name") {
      MIG_ASSIGN_OR_RETURN(action.name, BoundedString(field.value, path, kMaxShortField));
    } else if (field.key == "target") {
      MIG_ASSIGN_OR_RETURN(action.target, BoundedString(field.value, path, kMaxTarget));
    } else if (field.key == "description") {
      MIG_RETURN_IF_ERROR(ParseDescription(field.value, &action.description));
    } else if (field.key == "threat") {
      MIG_RETURN_IF_ERROR(ParseThreat(field.value, &action.threat));
    } else if (field.key == "validfrom") {
      MIG_ASSIGN_OR_RETURN(action.valid_from, AsTime(field.value, path));
      has_valid_from = true;
    } else if (field.key == "expireafter") {
      MIG_ASSIGN_OR_RETURN(action.expire_after, AsTime(field.value, path));
      has_expire_after = true;
    } else if (field.key == "operations") {
      MIG_RETURN_IF_ERROR(ParseOperations(field.value, &action.operations));
      has_operations = true;
    } else if (field.key == "signatures") {
      if (!field.value.is_null()) MIG_RETURN_IF_ERROR(ParseSignatures(field.value, &action.signatures));
    } else if (field.key == "syntaxversion") {
      MIG_ASSIGN_OR_RETURN(action.syntax_version, AsInteger(field.value, path));
      if (action.syntax_version != kSyntaxVersion) {
        return absl::InvalidArgumentError(absl::StrCat("syntaxversion: ", action.syntax_version,
                                                       " is not supported (this mig reads version ", kSyntaxVersion,
                                                       ")"));
      }
    }
  }
  if (!has_operations || action.operations.empty()) {
    return absl::InvalidArgumentError("operations: an action needs at least one operation");
  }
  if (!has_valid_from || !has_expire_after) {
    return absl::InvalidArgumentError("an action needs \"validfrom\" and \"expireafter\"");
  }
  if (action.expire_after <= action.valid_from) {
    return absl::InvalidArgumentError("expireafter: the action expires before it becomes valid");
  }
  return action;
}

std::string ActionToJson(const Action& action, bool indent) {
  json::JsonWriter w(indent ? 2 : 0);
  w.BeginObject();
  WriteFields(w, action, /*with_signatures=*/true);
  w.EndObject();
  return std::move(w).Take();
}

absl::StatusOr<std::string> SigningBytes(const Action& action) {
  // The fields are written by the JSON writer, then canonicalized, so the canonical form is defined by
  // canonical.h alone, not by how this function happens to write.
  json::JsonWriter w;
  w.BeginObject();
  WriteFields(w, action, /*with_signatures=*/false);
  w.EndObject();
  std::string unsigned_json = std::move(w).Take();
  MIG_ASSIGN_OR_RETURN(auto doc,
                       json::JsonDocument::Parse(unsigned_json, "action", kMaxActionBytes * 2, kMaxDepth + 4));
  MIG_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(doc->root(), ""));
  return absl::StrCat(kSigningDomain, canonical);
}

absl::StatusOr<Signature> SignAction(const Action& action, const crypto::Ed25519KeyPair& key) {
  MIG_ASSIGN_OR_RETURN(std::string bytes, SigningBytes(action));
  Signature s;
  s.key_id = key.public_key().KeyId();
  s.signature = key.Sign(bytes);
  return s;
}

Action NewAction(std::string name, std::string target, absl::Time now, absl::Duration validity) {
  crypto::EnsureSodiumInitialized();
  Action action;
  uint64_t id = 0;
  while (id == 0) {
    randombytes_buf(&id, sizeof(id));
    id &= kMaxActionId;
  }
  action.id = id;
  action.name = std::move(name);
  action.target = std::move(target);
  action.valid_from = absl::FromUnixSeconds(absl::ToUnixSeconds(now)) - absl::Minutes(1);
  // Whole seconds: the times are for people to read too.
  action.expire_after = absl::FromUnixSeconds(absl::ToUnixSeconds(now + validity));
  return action;
}

}  // namespace mig::action
