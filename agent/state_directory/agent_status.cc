#include "agent/state_directory/agent_status.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/rfc3339.h"
#include "base/status_macros.h"

namespace mig::state_directory {
namespace {

constexpr std::string_view kStateNames[] = {"starting", "connecting", "connected", "stopped"};

std::string FormatStatusTime(absl::Time time) { return FormatRfc3339(time, Rfc3339Fraction::kMilliseconds); }

absl::StatusOr<absl::Time> ParseTimeField(simdjson::dom::element element, std::string_view path) {
  MIG_ASSIGN_OR_RETURN(std::string text, json::AsString(element, path));
  absl::StatusOr<absl::Time> time = ParseRfc3339(text);
  if (!time.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", time.status().message()));
  return time;
}

absl::StatusOr<AgentStatus> ParseStatus(std::string_view text, const std::string& path) {
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(text, path, 64 << 10));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(doc->root(), ""));
  AgentStatus status;
  bool has_pid = false;
  for (auto [key, value] : root) {
    if (key == "pid") {
      MIG_ASSIGN_OR_RETURN(uint64_t pid, json::AsCount(value, "pid", 1 << 30));
      status.pid = static_cast<int>(pid);
      has_pid = true;
    } else if (key == "version") {
      MIG_ASSIGN_OR_RETURN(status.version, json::AsString(value, "version"));
    } else if (key == "state") {
      MIG_ASSIGN_OR_RETURN(std::string name, json::AsString(value, "state"));
      bool known = false;
      for (size_t i = 0; i < std::size(kStateNames); ++i) {
        if (name == kStateNames[i]) {
          status.state = static_cast<AgentState>(i);
          known = true;
        }
      }
      if (!known) return absl::InvalidArgumentError(absl::StrCat(path, ": unknown state '", name, "'"));
    } else if (key == "started") {
      MIG_ASSIGN_OR_RETURN(status.started, ParseTimeField(value, "started"));
    } else if (key == "updated") {
      MIG_ASSIGN_OR_RETURN(status.updated, ParseTimeField(value, "updated"));
    } else if (key == "heartbeat") {
      MIG_ASSIGN_OR_RETURN(status.heartbeat, ParseTimeField(value, "heartbeat"));
    }
    // Other fields are ignored: a newer agent may say more than this reader knows.
  }
  if (!has_pid || status.pid <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": no pid"));
  return status;
}

}  // namespace

std::string_view AgentStateName(AgentState state) { return kStateNames[static_cast<int>(state)]; }

absl::Status WriteAgentStatus(const StateDirectory& state, const AgentStatus& status) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("pid", status.pid);
  w.Field("version", status.version);
  w.Field("state", AgentStateName(status.state));
  w.Field("started", FormatStatusTime(status.started));
  w.Field("updated", FormatStatusTime(status.updated));
  if (status.heartbeat) w.Field("heartbeat", FormatStatusTime(*status.heartbeat));
  w.EndObject();
  return WriteFileAtomically(state.agent_status_file(), std::move(w).Take() + "\n", 0644);
}

absl::StatusOr<std::optional<AgentStatus>> ReadAgentStatus(const StateDirectory& state) {
  std::string path = state.agent_status_file();
  absl::StatusOr<std::string> text = ReadFileBounded(path, 64 << 10);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return std::nullopt;
    return text.status();
  }
  MIG_ASSIGN_OR_RETURN(AgentStatus status, ParseStatus(*text, path));
  return status;
}

}  // namespace mig::state_directory
