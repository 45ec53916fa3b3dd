// Strict reading of JSON documents with simdjson: bounded size and depth, and errors that name the path of
// the offending value ("searches.s1.options.maxdepth: expected a number, got string").
//
//   MIG_ASSIGN_OR_RETURN(auto doc, JsonDocument::Parse(text, "file module parameters"));
//   MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, AsObject(doc->root(), ""));
//   MIG_RETURN_IF_ERROR(CheckKeys(root, "", {"searches"}));
#ifndef MIG_BASE_JSON_READER_H_
#define MIG_BASE_JSON_READER_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "simdjson.h"

namespace mig::json {

inline constexpr size_t kDefaultMaxDocumentBytes = 8 << 20;
inline constexpr size_t kDefaultMaxDepth = 64;

// A parsed document. The elements it hands out live as long as the document.
class JsonDocument {
 public:
  // `what` names the document in errors ("action file", "file module parameters").
  static absl::StatusOr<std::unique_ptr<JsonDocument>> Parse(std::string_view text, std::string_view what,
                                                             size_t max_bytes = kDefaultMaxDocumentBytes,
                                                             size_t max_depth = kDefaultMaxDepth);

  simdjson::dom::element root() const { return root_; }

 private:
  JsonDocument() = default;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

// "options" under "searches.s1" is "searches.s1.options"; under the root "" it is "options".
std::string ChildPath(std::string_view parent, std::string_view key);
// Element i of an array at `parent`: "paths[2]".
std::string IndexPath(std::string_view parent, size_t index);

// The JSON type of an element, for messages: "string", "number", "object", ...
std::string_view TypeName(simdjson::dom::element element);

absl::StatusOr<simdjson::dom::object> AsObject(simdjson::dom::element element, std::string_view path);
absl::StatusOr<simdjson::dom::array> AsArray(simdjson::dom::element element, std::string_view path);
absl::StatusOr<std::string> AsString(simdjson::dom::element element, std::string_view path);
absl::StatusOr<bool> AsBool(simdjson::dom::element element, std::string_view path);
absl::StatusOr<double> AsNumber(simdjson::dom::element element, std::string_view path);
// A whole number in [0, max]; 3.0 is accepted as 3 (MIG's Go code carries these as float64).
absl::StatusOr<uint64_t> AsCount(simdjson::dom::element element, std::string_view path, uint64_t max);
// An array of strings; null is accepted as an empty array, as Go's encoding/json does.
absl::StatusOr<std::vector<std::string>> AsStringArray(simdjson::dom::element element, std::string_view path);

// Fails on a key that is not in `allowed` (naming it and listing the allowed ones) and on a key that appears
// twice, which would make the document mean different things to different readers.
absl::Status CheckKeys(simdjson::dom::object object, std::string_view path,
                       std::initializer_list<std::string_view> allowed);

}  // namespace mig::json

#endif  // MIG_BASE_JSON_READER_H_
