#include "modules/file/parameters.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "modules/file/checks.h"
#include "modules/searches.h"
#include "re2/re2.h"

namespace mig::modules::file {
namespace {

constexpr uint64_t kMaxOptionValue = 1'000'000'000;
constexpr size_t kMaxLabelLength = 64;

absl::Status Invalid(std::string_view label, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("search '", label, "': ", message));
}

absl::Status ValidateRegex(std::string_view label, CheckKind check_kind, std::string_view kind, std::string_view value,
                           bool allow_inverse) {
  if (value.empty()) return Invalid(label, absl::StrCat("empty ", kind, " regex"));
  Check check;
  check.kind = check_kind;
  check.pattern = std::string(value);
  if (allow_inverse && value.size() > 1 && value[0] == '!') check.pattern = std::string(value.substr(1));
  RE2 re(RegexPatternFor(check), RegexOptions(check_kind));
  if (!re.ok()) {
    return Invalid(label, absl::StrCat("invalid ", kind, " regex '", value, "': ", re.error()));
  }
  return absl::OkStatus();
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status ValidateHash(std::string_view label, std::string_view kind, std::string_view value,
                          std::initializer_list<size_t> lengths, std::string_view length_names) {
  bool length_ok = false;
  for (size_t n : lengths) length_ok = length_ok || value.size() == n;
  if (!length_ok || !IsHex(value)) {
    return Invalid(label, absl::StrCat("invalid ", kind, " hash '", value, "': expected ", length_names));
  }
  return absl::OkStatus();
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

constexpr std::string_view kMismatchKinds[] = {"name", "size", "mode", "mtime", "content",
                                               "md5",  "sha1", "sha2", "sha3"};

}  // namespace

bool SearchOptions::HasMismatch(std::string_view kind) const {
  for (const std::string& m : mismatch) {
    if (m == kind) return true;
  }
  return false;
}

size_t Search::CheckCount() const {
  return contents.size() + names.size() + sizes.size() + modes.size() + mtimes.size() + md5.size() + sha1.size() +
         sha2.size() + sha3.size();
}

std::string CleanPath(std::string_view path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string_view> parts;
  for (std::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  out += absl::StrJoin(parts, "/");
  if (out.empty()) out = ".";
  return out;
}

absl::StatusOr<SizeRange> ParseSize(std::string_view size) {
  auto invalid = [&]() {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid size '", size, "': expected [<|>]<number>[k|m|g|t], e.g. <10m, >1g or 4096 (k = 1024 bytes)"));
  };
  std::string_view digits = size;
  char comparison = 0;
  if (!digits.empty() && (digits[0] == '<' || digits[0] == '>')) {
    comparison = digits[0];
    digits.remove_prefix(1);
  }
  uint64_t multiplier = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'k':
        multiplier = 1ull << 10;
        break;
      case 'm':
        multiplier = 1ull << 20;
        break;
      case 'g':
        multiplier = 1ull << 30;
        break;
      case 't':
        multiplier = 1ull << 40;
        break;
      default:
        break;
    }
    if (multiplier > 1) digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (!AllDigits(digits) || !absl::SimpleAtoi(digits, &n)) return invalid();
  if (n > std::numeric_limits<uint64_t>::max() / multiplier) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size '", size, "': too large"));
  }
  uint64_t bytes = n * multiplier;
  switch (comparison) {
    case '<':
      return SizeRange{0, bytes};
    case '>':
      return SizeRange{bytes, std::numeric_limits<int64_t>::max()};
    default:
      return SizeRange{bytes, bytes};
  }
}

absl::StatusOr<MtimeFilter> ParseMtime(std::string_view mtime) {
  auto invalid = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid mtime '", mtime, "': expected <|> then a number then d, h or m, e.g. <90d or >1h"));
  };
  if (mtime.size() < 3 || (mtime[0] != '<' && mtime[0] != '>')) return invalid();
  int64_t unit = 0;
  switch (mtime.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    default:
      return invalid();
  }
  std::string_view digits = mtime.substr(1, mtime.size() - 2);
  int64_t n = 0;
  if (!AllDigits(digits) || !absl::SimpleAtoi(digits, &n)) return invalid();
  if (n > std::numeric_limits<int64_t>::max() / unit) {
    return absl::InvalidArgumentError(absl::StrCat("invalid mtime '", mtime, "': too large"));
  }
  return MtimeFilter{mtime[0] == '<', n * unit};
}

absl::Status ValidateParameters(const Parameters& parameters) {
  if (parameters.searches.empty()) {
    return absl::InvalidArgumentError("no search: parameters need at least one search in \"searches\"");
  }
  for (const auto& [label, search] : parameters.searches) {
    if (label.empty() || label.size() > kMaxLabelLength) {
      return absl::InvalidArgumentError(
          absl::StrCat("search label '", label, "' must be 1 to ", kMaxLabelLength, " characters"));
    }
    for (char c : label) {
      if (static_cast<unsigned char>(c) < 0x20) {
        return absl::InvalidArgumentError(absl::StrCat("search label '", label, "' has a control character"));
      }
    }
    if (search.paths.empty()) return Invalid(label, "no path: a search needs at least one path");
    for (const std::string& path : search.paths) {
      if (path.empty() || path[0] != '/') {
        return Invalid(label, absl::StrCat("path '", path, "' is not absolute"));
      }
      if (path.find('\0') != std::string::npos) return Invalid(label, "path has a NUL byte");
    }
    if (search.CheckCount() == 0) {
      return Invalid(label, "no check: give at least one of name, content, size, mode, mtime, md5, sha1, sha2, sha3");
    }
    for (const std::string& v : search.contents) {
      MIG_RETURN_IF_ERROR(ValidateRegex(label, CheckKind::kContent, "content", v, true));
    }
    for (const std::string& v : search.names) {
      MIG_RETURN_IF_ERROR(ValidateRegex(label, CheckKind::kName, "name", v, true));
    }
    for (const std::string& v : search.modes) {
      MIG_RETURN_IF_ERROR(ValidateRegex(label, CheckKind::kMode, "mode", v, false));
    }
    for (const std::string& v : search.sizes) {
      absl::StatusOr<SizeRange> size = ParseSize(v);
      if (!size.ok()) return Invalid(label, size.status().message());
    }
    for (const std::string& v : search.mtimes) {
      absl::StatusOr<MtimeFilter> mtime = ParseMtime(v);
      if (!mtime.ok()) return Invalid(label, mtime.status().message());
    }
    for (const std::string& v : search.md5) MIG_RETURN_IF_ERROR(ValidateHash(label, "md5", v, {32}, "32 hex digits"));
    for (const std::string& v : search.sha1) {
      MIG_RETURN_IF_ERROR(ValidateHash(label, "sha1", v, {40}, "40 hex digits"));
    }
    for (const std::string& v : search.sha2) {
      MIG_RETURN_IF_ERROR(ValidateHash(label, "sha2", v, {56, 64, 96, 128},
                                       "56, 64, 96 or 128 hex digits (SHA-224, SHA-256, SHA-384, SHA-512)"));
    }
    for (const std::string& v : search.sha3) {
      MIG_RETURN_IF_ERROR(ValidateHash(label, "sha3", v, {56, 64, 96, 128},
                                       "56, 64, 96 or 128 hex digits (SHA3-224, SHA3-256, SHA3-384, SHA3-512)"));
    }
    for (const std::string& m : search.options.mismatch) {
      bool known = false;
      for (std::string_view kind : kMismatchKinds) known = known || m == kind;
      if (!known) {
        return Invalid(
            label, absl::StrCat("invalid mismatch '", m, "': expected one of ", absl::StrJoin(kMismatchKinds, ", ")));
      }
    }
    for (auto [name, value] : {std::pair<std::string_view, uint64_t>{"maxdepth", search.options.max_depth},
                               {"matchlimit", search.options.match_limit},
                               {"maxerrors", search.options.max_errors}}) {
      if (value > kMaxOptionValue) {
        return Invalid(label, absl::StrCat(name, " ", value, " is larger than ", kMaxOptionValue));
      }
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
      json_text, "file module parameters",
      {"description", "paths", "contents", "names", "sizes", "modes", "mtimes", "md5", "sha1", "sha2", "sha3",
       "options"},
      [&](std::string label, const std::string& path, simdjson::dom::object object) -> absl::Status {
        Search search;
        for (simdjson::dom::key_value_pair field : object) {
          std::string field_path = ChildPath(path, field.key);
          std::string_view key = field.key;
          if (key == "description") {
            MIG_ASSIGN_OR_RETURN(search.description, AsString(field.value, field_path));
            continue;
          }
          if (key == "options") {
            MIG_ASSIGN_OR_RETURN(simdjson::dom::object options, AsObject(field.value, field_path));
            MIG_RETURN_IF_ERROR(
                json::CheckKeys(options, field_path,
                                {"maxdepth", "remotefs", "matchall", "macroal", "mismatch", "matchlimit", "debug",
                                 "returnsha256", "decompress", "maxerrors", "links"}));
            SearchOptions& o = search.options;
            for (simdjson::dom::key_value_pair option : options) {
              std::string option_path = ChildPath(field_path, option.key);
              std::string_view name = option.key;
              if (name == "maxdepth") {
                MIG_ASSIGN_OR_RETURN(o.max_depth, AsCount(option.value, option_path, kMaxOptionValue));
              } else if (name == "matchlimit") {
                MIG_ASSIGN_OR_RETURN(o.match_limit, AsCount(option.value, option_path, kMaxOptionValue));
              } else if (name == "maxerrors") {
                MIG_ASSIGN_OR_RETURN(o.max_errors, AsCount(option.value, option_path, kMaxOptionValue));
              } else if (name == "remotefs") {
                MIG_ASSIGN_OR_RETURN(o.remote_fs, AsBool(option.value, option_path));
              } else if (name == "matchall") {
                MIG_ASSIGN_OR_RETURN(o.match_all, AsBool(option.value, option_path));
              } else if (name == "macroal") {
                MIG_ASSIGN_OR_RETURN(o.macroal, AsBool(option.value, option_path));
              } else if (name == "returnsha256") {
                MIG_ASSIGN_OR_RETURN(o.return_sha256, AsBool(option.value, option_path));
              } else if (name == "decompress") {
                MIG_ASSIGN_OR_RETURN(o.decompress, AsBool(option.value, option_path));
              } else if (name == "links") {
                MIG_ASSIGN_OR_RETURN(std::string links, AsString(option.value, option_path));
                if (links != "follow" && links != "own") {
                  return absl::InvalidArgumentError(absl::StrCat(option_path, ": '", links, "' is not follow or own"));
                }
                o.links_own = links == "own";
              } else if (name == "debug") {
                MIG_ASSIGN_OR_RETURN(o.debug, AsString(option.value, option_path));
              } else if (name == "mismatch") {
                MIG_ASSIGN_OR_RETURN(o.mismatch, AsStringArray(option.value, option_path));
              }
            }
            continue;
          }
          MIG_ASSIGN_OR_RETURN(std::vector<std::string> values, AsStringArray(field.value, field_path));
          if (key == "paths") search.paths = std::move(values);
          if (key == "contents") search.contents = std::move(values);
          if (key == "names") search.names = std::move(values);
          if (key == "sizes") search.sizes = std::move(values);
          if (key == "modes") search.modes = std::move(values);
          if (key == "mtimes") search.mtimes = std::move(values);
          if (key == "md5") search.md5 = std::move(values);
          if (key == "sha1") search.sha1 = std::move(values);
          if (key == "sha2") search.sha2 = std::move(values);
          if (key == "sha3") search.sha3 = std::move(values);
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
    w.Key("paths");
    w.StringArray(s.paths);
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {
        {"contents", &s.contents}, {"names", &s.names}, {"sizes", &s.sizes}, {"modes", &s.modes}, {"mtimes", &s.mtimes},
        {"md5", &s.md5},           {"sha1", &s.sha1},   {"sha2", &s.sha2},   {"sha3", &s.sha3}};
    for (const auto& [name, values] : lists) {
      if (values->empty()) continue;
      w.Key(name);
      w.StringArray(*values);
    }
    const SearchOptions& o = s.options;
    w.Key("options");
    w.BeginObject();
    w.Field("maxdepth", o.max_depth);
    if (o.remote_fs) w.Field("remotefs", true);
    w.Field("matchall", o.match_all);
    w.Field("macroal", o.macroal);
    w.Key("mismatch");
    if (o.mismatch.empty()) {
      w.Null();
    } else {
      w.StringArray(o.mismatch);
    }
    w.Field("matchlimit", o.match_limit);
    if (!o.debug.empty()) w.Field("debug", o.debug);
    if (o.return_sha256) w.Field("returnsha256", true);
    if (o.decompress) w.Field("decompress", true);
    if (o.max_errors != 0) w.Field("maxerrors", o.max_errors);
    if (o.links_own) w.Field("links", "own");
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::file
