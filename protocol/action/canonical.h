// Canonical JSON: one byte string for one JSON value, whatever its spacing, key order or number spelling. It
// is what signatures cover (see action.h), so it is defined here once:
//   - objects: keys sorted bytewise, each once (a duplicate key is an error: it would let signer and runner
//     read different documents); no spaces anywhere;
//   - strings: UTF-8 as is, escaping only '"', '\\' and control characters (\b \f \n \r \t, else \u00XX);
//   - numbers: integers (and doubles holding an integer below 2^53) in decimal; other doubles in the shortest
//     form that reads back to the same double;
//   - true, false, null.
//
//   MIG_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(element, "operations[0].parameters"));
#ifndef MIG_PROTOCOL_ACTION_CANONICAL_H_
#define MIG_PROTOCOL_ACTION_CANONICAL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace mig::action {

absl::StatusOr<std::string> CanonicalJson(simdjson::dom::element value, std::string_view path);

// Appends `value` as a canonical JSON string.
void AppendCanonicalString(std::string* out, std::string_view value);

}  // namespace mig::action

#endif  // MIG_PROTOCOL_ACTION_CANONICAL_H_
