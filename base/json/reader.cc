#include "base/json/reader.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mig::json {
namespace {

std::string Where(std::string_view path) { return path.empty() ? "document" : std::string(path); }

absl::Status TypeError(simdjson::dom::element element, std::string_view path, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(Where(path), ": expected ", expected, ", got ", TypeName(element)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JsonDocument>> JsonDocument::Parse(std::string_view text, std::string_view what,
                                                                  size_t max_bytes, size_t max_depth) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", text.size(), " bytes, more than the limit of ", max_bytes));
  }
  // Also keeps a null data pointer (an empty string_view) away from simdjson's memcpy.
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty, not a JSON document"));
  std::unique_ptr<JsonDocument> doc(new JsonDocument());
  if (doc->parser_.allocate(std::max<size_t>(text.size(), 64), max_depth) != simdjson::SUCCESS) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate a JSON parser for ", what));
  }
  simdjson::error_code error = doc->parser_.parse(text.data(), text.size(), true).get(doc->root_);
  if (error != simdjson::SUCCESS) {
    std::string reason = simdjson::error_message(error);
    if (error == simdjson::DEPTH_ERROR) reason = absl::StrCat("nested deeper than ", max_depth, " levels");
    return absl::InvalidArgumentError(absl::StrCat(what, " is not valid JSON: ", reason));
  }
  return doc;
}

std::string ChildPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return absl::StrCat(parent, ".", key);
}

std::string IndexPath(std::string_view parent, size_t index) { return absl::StrCat(parent, "[", index, "]"); }

std::string_view TypeName(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "array";
    case simdjson::dom::element_type::OBJECT:
      return "object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "number";
    case simdjson::dom::element_type::STRING:
      return "string";
    case simdjson::dom::element_type::BOOL:
      return "boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

absl::StatusOr<simdjson::dom::object> AsObject(simdjson::dom::element element, std::string_view path) {
  simdjson::dom::object object;
  if (element.get(object) != simdjson::SUCCESS) return TypeError(element, path, "an object");
  return object;
}

absl::StatusOr<simdjson::dom::array> AsArray(simdjson::dom::element element, std::string_view path) {
  simdjson::dom::array array;
  if (element.get(array) != simdjson::SUCCESS) return TypeError(element, path, "an array");
  return array;
}

absl::StatusOr<std::string> AsString(simdjson::dom::element element, std::string_view path) {
  std::string_view value;
  if (element.get(value) != simdjson::SUCCESS) return TypeError(element, path, "a string");
  return std::string(value);
}

absl::StatusOr<bool> AsBool(simdjson::dom::element element, std::string_view path) {
  bool value;
  if (element.get(value) != simdjson::SUCCESS) return TypeError(element, path, "true or false");
  return value;
}

absl::StatusOr<double> AsNumber(simdjson::dom::element element, std::string_view path) {
  double value;
  if (element.get(value) != simdjson::SUCCESS) return TypeError(element, path, "a number");
  return value;
}

absl::StatusOr<uint64_t> AsCount(simdjson::dom::element element, std::string_view path, uint64_t max) {
  if (!element.is_number()) return TypeError(element, path, "a whole number");
  uint64_t as_uint;
  if (element.get(as_uint) == simdjson::SUCCESS) {
    if (as_uint > max) {
      return absl::InvalidArgumentError(absl::StrCat(Where(path), ": ", as_uint, " is larger than ", max));
    }
    return as_uint;
  }
  double as_double = 0;
  if (element.get(as_double) == simdjson::SUCCESS && as_double >= 0 && std::trunc(as_double) == as_double) {
    // (double)max rounds up for a max near 2^64, so 2^64 itself is refused explicitly: converting it is undefined.
    if (as_double > static_cast<double>(max) || as_double >= 0x1p64) {
      return absl::InvalidArgumentError(absl::StrCat(Where(path), ": ", as_double, " is larger than ", max));
    }
    return static_cast<uint64_t>(as_double);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(Where(path), ": ", simdjson::to_string(element), " is not a whole number of 0 or more"));
}

absl::StatusOr<std::vector<std::string>> AsStringArray(simdjson::dom::element element, std::string_view path) {
  std::vector<std::string> out;
  if (element.is_null()) return out;
  simdjson::dom::array array;
  if (element.get(array) != simdjson::SUCCESS) return TypeError(element, path, "an array of strings");
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string_view value;
    if (item.get(value) != simdjson::SUCCESS) return TypeError(item, IndexPath(path, index), "a string");
    out.emplace_back(value);
    ++index;
  }
  return out;
}

absl::Status CheckKeys(simdjson::dom::object object, std::string_view path,
                       std::initializer_list<std::string_view> allowed) {
  // A bit per allowed key (lists are short): documents with thousands of objects are checked without
  // allocating.
  static_assert(sizeof(uint64_t) * 8 == 64);
  uint64_t seen = 0;
  for (simdjson::dom::key_value_pair field : object) {
    size_t index = 0;
    for (std::string_view a : allowed) {
      if (a == field.key) break;
      ++index;
    }
    if (index == allowed.size()) {
      return absl::InvalidArgumentError(absl::StrCat(Where(path), ": unknown field \"", field.key,
                                                     "\" (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
    }
    uint64_t bit = index < 64 ? uint64_t{1} << index : 0;
    if ((seen & bit) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(path), ": field \"", field.key, "\" appears more than once"));
    }
    seen |= bit;
  }
  return absl::OkStatus();
}

}  // namespace mig::json
