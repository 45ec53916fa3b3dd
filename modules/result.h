// MIG's module result envelope: {"foundanything","success","elements","statistics","errors"}, written by
// every module and read back by renderers.
//
//   ResultEnvelope result;
//   result.found_anything = true;
//   result.elements_json = elements.str();     // module-specific JSON
//   result.statistics_json = statistics.str(); // module-specific JSON
//   std::string json = result.ToJson();
#ifndef MIG_MODULES_RESULT_H_
#define MIG_MODULES_RESULT_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/json/reader.h"

namespace mig::modules {

struct ResultEnvelope {
  bool found_anything = false;
  bool success = false;
  std::string elements_json = "null";
  std::string statistics_json = "null";
  std::vector<std::string> errors;
  // Why the answer may be incomplete — the deadline, parts of the host that could not be looked at — or empty
  // when it is complete. Written as "incomplete" only when set, so a complete result keeps MIG's shape. A
  // result that found nothing and is incomplete does not mean "nothing is there".
  std::string incomplete;

  std::string ToJson() const;
};

// A result that failed before producing anything, e.g. on invalid parameters.
std::string FailedResult(std::string_view error);

// A JSON null that lives as long as the program, for elements that must refer to something.
simdjson::dom::element JsonNull();

// A result parsed back, with the module-specific parts left as JSON elements.
struct ParsedResult {
  std::unique_ptr<json::JsonDocument> document;
  bool found_anything = false;
  bool success = false;
  // A result without "elements" or "statistics" reads as JSON null there (a default simdjson element refers to
  // no document at all: reading it, is_object() included, follows a null pointer).
  simdjson::dom::element elements = JsonNull();
  simdjson::dom::element statistics = JsonNull();
  std::vector<std::string> errors;
  std::string incomplete;  // empty: complete
};
absl::StatusOr<ParsedResult> ParseResult(std::string_view result_json);

// The result with the entries of `elements` (an object of arrays, one per search) for which `placeholder` is
// true left out; everything else as it was. The result itself when it cannot be read.
std::string DropElementEntries(std::string_view result_json,
                               const std::function<bool(simdjson::dom::element entry)>& placeholder);

// The errors of a result, as every module's text shows them: each on its own "error: " line when `show_all`
// or when the run failed (then they are the answer), else a count pointing to -show all. In one place so
// that each error is printed exactly once, whichever module and whichever -show.
void AppendErrors(const ParsedResult& result, bool show_all, std::string* out);

// The same result with every string in it, keys included, passed through EscapeForDisplay
// (base/display_text.h) — but inside a "search" object, the investigator's own search echoed back, where
// EscapeControls keeps a regex's backslashes: what a renderer is given (Module::Render), so that whatever it
// prints of a result is shown escaped, one line per item, without each renderer having to remember it.
absl::StatusOr<std::string> EscapeResultForDisplay(std::string_view result_json);

}  // namespace mig::modules

#endif  // MIG_MODULES_RESULT_H_
