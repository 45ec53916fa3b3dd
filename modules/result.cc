#include "modules/result.h"

#include "absl/strings/str_cat.h"
#include "base/display_text.h"
#include "base/json/writer.h"
#include "base/status_macros.h"

namespace mig::modules {

std::string ResultEnvelope::ToJson() const {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("foundanything", found_anything);
  w.Field("success", success);
  w.Key("elements");
  w.Raw(elements_json);
  w.Key("statistics");
  w.Raw(statistics_json);
  w.Key("errors");
  w.StringArray(errors);
  if (!incomplete.empty()) w.Field("incomplete", incomplete);
  w.EndObject();
  return std::move(w).Take();
}

std::string FailedResult(std::string_view error) {
  ResultEnvelope result;
  result.errors.emplace_back(error);
  return result.ToJson();
}

simdjson::dom::element JsonNull() {
  static const json::JsonDocument* const null_document = json::JsonDocument::Parse("null", "null")->release();
  return null_document->root();
}

absl::StatusOr<ParsedResult> ParseResult(std::string_view result_json) {
  ParsedResult result;
  MIG_ASSIGN_OR_RETURN(result.document, json::JsonDocument::Parse(result_json, "module result", 256 << 20));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(result.document->root(), ""));
  MIG_RETURN_IF_ERROR(
      json::CheckKeys(root, "", {"foundanything", "success", "elements", "statistics", "errors", "incomplete"}));
  for (simdjson::dom::key_value_pair field : root) {
    if (field.key == "foundanything") {
      MIG_ASSIGN_OR_RETURN(result.found_anything, json::AsBool(field.value, "foundanything"));
    } else if (field.key == "success") {
      MIG_ASSIGN_OR_RETURN(result.success, json::AsBool(field.value, "success"));
    } else if (field.key == "elements") {
      result.elements = field.value;
    } else if (field.key == "statistics") {
      result.statistics = field.value;
    } else if (field.key == "errors") {
      MIG_ASSIGN_OR_RETURN(result.errors, json::AsStringArray(field.value, "errors"));
    } else if (field.key == "incomplete") {
      MIG_ASSIGN_OR_RETURN(result.incomplete, json::AsString(field.value, "incomplete"));
    }
  }
  return result;
}

namespace {

// How a string of the result is escaped: names and everything else the host says, with EscapeForDisplay; the
// investigator's own search echoed back (a "search" object: regexes, hashes), with EscapeControls, which keeps a
// regex's backslashes as written.
enum class Strings { kHost, kSearchEcho };

void WriteEscaped(simdjson::dom::element e, json::JsonWriter& w, Strings strings) {
  auto escape = [strings](std::string_view text) {
    return strings == Strings::kHost ? EscapeForDisplay(text) : EscapeControls(text);
  };
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      // A named object: value_unsafe() refers into the result it is called on, which a range-for over the
      // call itself would let die before the loop.
      const simdjson::dom::object object = e.get_object().value_unsafe();
      w.BeginObject();
      for (simdjson::dom::key_value_pair field : object) {
        w.Key(escape(field.key));
        WriteEscaped(field.value, w, field.key == "search" && field.value.is_object() ? Strings::kSearchEcho : strings);
      }
      w.EndObject();
      break;
    }
    case simdjson::dom::element_type::ARRAY: {
      const simdjson::dom::array array = e.get_array().value_unsafe();
      w.BeginArray();
      for (simdjson::dom::element item : array) WriteEscaped(item, w, strings);
      w.EndArray();
      break;
    }
    case simdjson::dom::element_type::STRING:
      w.String(escape(e.get_string().value_unsafe()));
      break;
    case simdjson::dom::element_type::INT64:
      w.Int(e.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      w.Uint(e.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      w.Double(e.get_double().value_unsafe());
      break;
    case simdjson::dom::element_type::BOOL:
      w.Bool(e.get_bool().value_unsafe());
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      w.Null();
      break;
  }
}

}  // namespace

absl::StatusOr<std::string> EscapeResultForDisplay(std::string_view result_json) {
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<json::JsonDocument> document,
                       json::JsonDocument::Parse(result_json, "module result", 256 << 20));
  json::JsonWriter w;
  WriteEscaped(document->root(), w, Strings::kHost);
  return std::move(w).Take();
}

std::string DropElementEntries(std::string_view result_json,
                               const std::function<bool(simdjson::dom::element entry)>& placeholder) {
  absl::StatusOr<ParsedResult> parsed = ParseResult(result_json);
  if (!parsed.ok() || !parsed->elements.is_object()) return std::string(result_json);
  json::JsonWriter elements;
  elements.BeginObject();
  // Named, not ranged over as temporaries: a simdjson_result's value_unsafe() refers into the result object,
  // which a range-for over a temporary destroys before the loop runs (class simdjson-temporary).
  simdjson::dom::object searches;
  if (parsed->elements.get(searches) != simdjson::SUCCESS) return std::string(result_json);
  for (auto [label, entries] : searches) {
    elements.Key(label);
    simdjson::dom::array list;
    if (entries.get(list) != simdjson::SUCCESS) {
      elements.Raw(simdjson::minify(entries));
      continue;
    }
    elements.BeginArray();
    for (simdjson::dom::element entry : list) {
      if (!placeholder(entry)) elements.Raw(simdjson::minify(entry));
    }
    elements.EndArray();
  }
  elements.EndObject();
  ResultEnvelope compact;
  compact.found_anything = parsed->found_anything;
  compact.success = parsed->success;
  compact.elements_json = std::move(elements).Take();
  compact.statistics_json = simdjson::minify(parsed->statistics);
  compact.errors = parsed->errors;
  compact.incomplete = parsed->incomplete;
  return compact.ToJson();
}

void AppendErrors(const ParsedResult& result, bool show_all, std::string* out) {
  if (show_all || !result.success) {
    for (const std::string& error : result.errors) absl::StrAppend(out, "error: ", error, "\n");
  } else if (!result.errors.empty()) {
    absl::StrAppend(out, result.errors.size(), result.errors.size() == 1 ? " error" : " errors",
                    " (-show all lists them)\n");
  }
}

}  // namespace mig::modules
