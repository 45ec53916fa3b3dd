#include "modules/timedrift/parameters.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/go_format.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "modules/timedrift/servers.h"

namespace mig::modules::timedrift {

absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text, std::string_view field) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " '", text, "' ", why, ": expected a duration like 5s, 250ms or 1m30s"));
  };
  // absl also reads "inf", which Go does not; Go needs a unit on everything but "0".
  if (text.empty() || absl::StrContains(text, "inf")) return invalid("is not a duration");
  if (text != "0" && absl::ascii_isdigit(static_cast<unsigned char>(text.back()))) return invalid("has no unit");
  // Go writes and reads microseconds as "µs" (U+00B5 or U+03BC); absl reads "us".
  std::string absl_text = absl::StrReplaceAll(text, {{"\u00b5s", "us"}, {"\u03bcs", "us"}});
  absl::Duration duration;
  if (!absl::ParseDuration(absl_text, &duration)) return invalid("is not a duration");
  if (duration < absl::ZeroDuration()) return invalid("is negative");
  return duration;
}

absl::Status ValidateParameters(const Parameters& parameters) {
  if (parameters.servers.size() > kMaxServers) {
    return absl::InvalidArgumentError(
        absl::StrCat("servers: ", parameters.servers.size(), " servers, at most ", kMaxServers));
  }
  for (const std::string& server : parameters.servers) MIG_RETURN_IF_ERROR(ParseServer(server).status());
  if (parameters.timeout <= absl::ZeroDuration() || parameters.timeout > kMaxServerTimeout) {
    return absl::InvalidArgumentError(absl::StrCat("timeout ", GoDurationString(parameters.timeout),
                                                   " is out of range: more than 0 and at most ",
                                                   GoDurationString(kMaxServerTimeout)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Parameters> ParseParameters(std::string_view json_text) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(json_text, "timedrift module parameters"));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(doc->root(), ""));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"drift", "servers", "timeout"}));
  Parameters parameters;
  for (simdjson::dom::key_value_pair field : root) {
    std::string path(field.key);
    if (field.key == "drift") {
      MIG_ASSIGN_OR_RETURN(std::string drift, json::AsString(field.value, path));
      // MIG: an empty drift means "no drift check".
      if (!drift.empty()) {
        MIG_ASSIGN_OR_RETURN(parameters.drift, ParseGoDuration(drift, "drift"));
      }
    } else if (field.key == "servers") {
      MIG_ASSIGN_OR_RETURN(parameters.servers, json::AsStringArray(field.value, path));
    } else if (field.key == "timeout") {
      MIG_ASSIGN_OR_RETURN(std::string timeout, json::AsString(field.value, path));
      MIG_ASSIGN_OR_RETURN(parameters.timeout, ParseGoDuration(timeout, "timeout"));
    }
  }
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

std::string ParametersToJson(const Parameters& parameters) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("drift", parameters.drift.has_value() ? GoDurationString(*parameters.drift) : std::string());
  if (!parameters.servers.empty()) {
    w.Key("servers");
    w.StringArray(parameters.servers);
  }
  if (parameters.timeout != kDefaultServerTimeout) w.Field("timeout", GoDurationString(parameters.timeout));
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::modules::timedrift
