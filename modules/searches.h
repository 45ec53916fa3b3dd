// MIG's "searches" parameters, shared by the modules that take them (file, memory):
//
//   {"searches": {"s1": {...}, "s2": {...}}}
//
// ForEachSearch parses the document, refuses any top-level field but "searches", a missing or empty-label
// duplicate, and any search field outside `allowed_fields`, then hands each labelled search to `parse` with
// its path for messages ("searches.s1").
#ifndef MIG_MODULES_SEARCHES_H_
#define MIG_MODULES_SEARCHES_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "simdjson.h"

namespace mig::modules {

using SearchParser =
    std::function<absl::Status(std::string label, const std::string& path, simdjson::dom::object search)>;

// `what` names the document in errors ("file module parameters").
absl::Status ForEachSearch(std::string_view json_text, std::string_view what,
                           std::initializer_list<std::string_view> allowed_fields, const SearchParser& parse);

}  // namespace mig::modules

#endif  // MIG_MODULES_SEARCHES_H_
