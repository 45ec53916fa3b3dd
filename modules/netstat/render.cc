#include "modules/netstat/render.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::modules::netstat {
namespace {

std::string Text(simdjson::dom::element object, const char* key) {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return "";
  return std::string(value);
}

std::string Number(simdjson::dom::element object, const char* key) {
  double value = 0;
  if (object[key].get(value) != simdjson::SUCCESS) return "0";
  return absl::StrFormat("%.0f", value);
}

// MIG's line for one element of a check kind.
std::string FoundLine(std::string_view kind, std::string_view value, simdjson::dom::element e) {
  std::string line;
  if (kind == "localmac") {
    line = absl::StrCat("found local mac ", Text(e, "localmacaddr"), " for netstat localmac:'", value, "'");
  } else if (kind == "neighbormac") {
    line = absl::StrCat("found neighbor mac ", Text(e, "remotemacaddr"), " ", Text(e, "remoteaddr"),
                        " for netstat neighbormac:'", value, "'");
  } else if (kind == "neighborip") {
    line = absl::StrCat("found neighbor IP ", Text(e, "remoteaddr"), " ", Text(e, "remotemacaddr"),
                        " for netstat neighborIP:'", value, "'");
  } else if (kind == "localip") {
    line = absl::StrCat("found local ip ", Text(e, "localaddr"), " for netstat localip:'", value, "'");
  } else if (kind == "connectedip") {
    line = absl::StrCat("found connected tuple ", Text(e, "remoteaddr"), ":", Number(e, "remoteport"),
                        " with local tuple ", Text(e, "localaddr"), ":", Number(e, "localport"),
                        " for netstat connectedip:'", value, "'");
  } else {
    line = absl::StrCat("found listening port ", Number(e, "localport"), " for netstat listeningport:'", value,
                        "' localaddr:", Text(e, "localaddr"));
  }
  std::string protocol = Text(e, "protocol");
  if (!protocol.empty()) absl::StrAppend(&line, " protocol:", protocol);
  std::string name_space = Text(e, "namespace");
  if (!name_space.empty() && name_space != "default") absl::StrAppend(&line, " namespace:[", name_space, "]");
  return line;
}

// The name MIG's client prints for a check kind in "did not find anything" lines.
std::string_view PrintedKind(std::string_view kind) { return kind == "neighborip" ? "neighborIP" : kind; }

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) absl::StrAppend(&out, "module failed\n");
  if (result.elements.is_object()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, json::AsObject(result.elements, "elements"));
    MIG_RETURN_IF_ERROR(json::CheckKeys(
        elements, "elements", {"localmac", "localip", "neighbormac", "neighborip", "connectedip", "listeningport"}));
    // MIG's client order.
    for (std::string_view kind : {"localmac", "neighbormac", "neighborip", "localip", "connectedip", "listeningport"}) {
      simdjson::dom::element by_value;
      if (elements[kind].get(by_value) != simdjson::SUCCESS) continue;
      std::string path = json::ChildPath("elements", kind);
      MIG_ASSIGN_OR_RETURN(simdjson::dom::object values, json::AsObject(by_value, path));
      for (simdjson::dom::key_value_pair value : values) {
        std::vector<simdjson::dom::element> list;
        if (!value.value.is_null()) {
          MIG_ASSIGN_OR_RETURN(simdjson::dom::array array,
                               json::AsArray(value.value, json::ChildPath(path, value.key)));
          for (simdjson::dom::element e : array) list.push_back(e);
        }
        if (list.empty()) {
          if (options.show != Show::kFound) {
            absl::StrAppend(&out, "did not find anything for netstat ", PrintedKind(kind), ":'", value.key, "'\n");
          }
          continue;
        }
        if (options.show == Show::kNotFound) continue;
        for (simdjson::dom::element e : list) absl::StrAppend(&out, FoundLine(kind, value.key, e), "\n");
      }
    }
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  if (result.statistics.is_object()) {
    absl::StrAppend(&out, "Statistics: total hits ", Number(result.statistics, "totalhits"), " examined ",
                    Number(result.statistics, "examined"), " items exectime ", Text(result.statistics, "exectime"),
                    "\n");
  }
  return out;
}

}  // namespace mig::modules::netstat
