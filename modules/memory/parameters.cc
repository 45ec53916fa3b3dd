#include "modules/memory/parameters.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "modules/searches.h"

namespace mig::modules::memory {
namespace {

constexpr size_t kMaxLabelLength = 64;

absl::Status Invalid(std::string_view label, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("search '", label, "': ", message));
}

absl::Status ValidateRegex(std::string_view label, std::string_view kind, std::string_view value) {
  if (value.empty()) return Invalid(label, absl::StrCat("empty ", kind, " regex"));
  RE2 re(value, RegexOptions());
  if (!re.ok()) return Invalid(label, absl::StrCat("invalid ", kind, " regex '", value, "': ", re.error()));
  return absl::OkStatus();
}

// MIG's rule for labels: they name searches in results and in the console.
absl::Status ValidateLabel(std::string_view label) {
  bool ok = !label.empty() && label.size() <= kMaxLabelLength;
  for (char c : label) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("search label '", label, "' is invalid: use 1 to 64 of a-z, A-Z, 0-9, _ and -"));
  }
  return absl::OkStatus();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

RE2::Options RegexOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

absl::StatusOr<std::string> DecodeHex(std::string_view hex) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid bytes '", hex, "': ", why, "; expected hex digits without 0x, e.g. 'ff00d1ab'"));
  };
  if (hex.empty()) return invalid("empty");
  if (hex.size() % 2 != 0) return invalid("odd number of hex digits");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = HexDigit(hex[i]);
    int low = HexDigit(hex[i + 1]);
    if (high < 0 || low < 0)
      return invalid(absl::StrCat("'", hex.substr(high < 0 ? i : i + 1, 1), "' is not a hex digit"));
    out.push_back(static_cast<char>(high << 4 | low));
  }
  return out;
}

absl::Status ValidateParameters(const Parameters& parameters) {
  if (parameters.searches.empty()) {
    return absl::InvalidArgumentError("no search: parameters need at least one search in \"searches\"");
  }
  for (const auto& [label, search] : parameters.searches) {
    MIG_RETURN_IF_ERROR(ValidateLabel(label));
    if (search.CheckCount() == 0) {
      return Invalid(label, "no check: give at least one of name, lib, content, bytes");
    }
    for (const std::string& v : search.names) MIG_RETURN_IF_ERROR(ValidateRegex(label, "name", v));
    for (const std::string& v : search.libraries) MIG_RETURN_IF_ERROR(ValidateRegex(label, "library", v));
    for (const std::string& v : search.contents) MIG_RETURN_IF_ERROR(ValidateRegex(label, "content", v));
    for (const std::string& v : search.bytes) {
      absl::StatusOr<std::string> decoded = DecodeHex(v);
      if (!decoded.ok()) return Invalid(label, decoded.status().message());
      if (decoded->size() > kMaxBytesPatternLength) {
        return Invalid(label, absl::StrCat("bytes of ", decoded->size(), " bytes are longer than the maximum of ",
                                           kMaxBytesPatternLength));
      }
    }
    if (search.options.offset > kMaxOffset) {
      return Invalid(label, absl::StrCat("offset ", search.options.offset, " is larger than ", kMaxOffset));
    }
    if (search.options.max_length > kMaxLength) {
      return Invalid(label, absl::StrCat("maxlength ", search.options.max_length, " is larger than ", kMaxLength));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Parameters> ParseParameters(std::string_view json_text) {
  using json::AsBool;
  using json::AsCount;
  using json::AsObject;
  using json::AsString;
  using json::AsStringArray;
  using json::ChildPath;
  Parameters parameters;
  MIG_RETURN_IF_ERROR(ForEachSearch(
      json_text, "memory module parameters", {"description", "names", "libraries", "contents", "bytes", "options"},
      [&](std::string label, const std::string& path, simdjson::dom::object object) -> absl::Status {
        Search search;
        for (simdjson::dom::key_value_pair field : object) {
          std::string field_path = ChildPath(path, field.key);
          std::string_view key = field.key;
          if (key == "description") {
            MIG_ASSIGN_OR_RETURN(search.description, AsString(field.value, field_path));
          } else if (key == "options") {
            MIG_ASSIGN_OR_RETURN(simdjson::dom::object options, AsObject(field.value, field_path));
            MIG_RETURN_IF_ERROR(
                json::CheckKeys(options, field_path, {"offset", "maxlength", "logfailures", "matchall"}));
            SearchOptions& o = search.options;
            for (simdjson::dom::key_value_pair option : options) {
              std::string option_path = ChildPath(field_path, option.key);
              std::string_view name = option.key;
              if (name == "offset") {
                MIG_ASSIGN_OR_RETURN(o.offset, AsCount(option.value, option_path, kMaxOffset));
              } else if (name == "maxlength") {
                MIG_ASSIGN_OR_RETURN(o.max_length, AsCount(option.value, option_path, kMaxLength));
              } else if (name == "logfailures") {
                MIG_ASSIGN_OR_RETURN(o.log_failures, AsBool(option.value, option_path));
              } else if (name == "matchall") {
                MIG_ASSIGN_OR_RETURN(o.match_all, AsBool(option.value, option_path));
              }
            }
          } else {
            MIG_ASSIGN_OR_RETURN(std::vector<std::string> values, AsStringArray(field.value, field_path));
            if (key == "names") search.names = std::move(values);
            if (key == "libraries") search.libraries = std::move(values);
            if (key == "contents") search.contents = std::move(values);
            if (key == "bytes") search.bytes = std::move(values);
          }
        }
        parameters.searches.emplace(std::move(label), std::move(search));
        return absl::OkStatus();
      }));
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

std::string ParametersToJson(const Parameters& parameters) {
  json::JsonWriter w;
  w.BeginObject();
  w.Key("searches");
  w.BeginObject();
  for (const auto& [label, s] : parameters.searches) {
    w.Key(label);
    w.BeginObject();
    if (!s.description.empty()) w.Field("description", s.description);
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {
        {"names", &s.names}, {"libraries", &s.libraries}, {"bytes", &s.bytes}, {"contents", &s.contents}};
    for (const auto& [name, values] : lists) {
      if (values->empty()) continue;
      w.Key(name);
      w.StringArray(*values);
    }
    const SearchOptions& o = s.options;
    w.Key("options");
    w.BeginObject();
    if (o.offset != 0) w.Field("offset", o.offset);
    if (o.max_length != 0) w.Field("maxlength", o.max_length);
    if (o.log_failures) w.Field("logfailures", true);
    w.Field("matchall", o.match_all);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::memory
