#include "loader/state.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "json/reader.h"
#include "json/writer.h"

namespace mig::loader {

StatePaths::StatePaths(const std::string& agent_state_dir)
    : directory(absl::StrCat(agent_state_dir, "/loader")),
      installed(directory + "/installed.json"),
      journal(directory + "/journal.json"),
      failed(directory + "/failed.json") {}

absl::StatusOr<std::optional<Manifest>> ReadInstalledRelease(const StatePaths& paths) {
  absl::StatusOr<std::string> text = ReadFileBounded(paths.installed, kMaxManifestBytes);
  if (!text.ok() && absl::IsNotFound(text.status())) return std::nullopt;
  if (!text.ok()) return text.status();
  absl::StatusOr<Manifest> manifest = ParseManifest(*text);
  if (!manifest.ok()) return absl::DataLossError(absl::StrCat(paths.installed, ": ", manifest.status().message()));
  return *manifest;
}

absl::Status WriteFailedRelease(const StatePaths& paths, const FailedRelease& failed) {
  json::JsonWriter w(2);
  w.BeginObject();
  w.Field("version", failed.version);
  w.Field("sha256", failed.sha256);
  w.Field("reason", failed.reason);
  w.Field("time", absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  w.EndObject();
  return WriteFileAtomically(paths.failed, std::move(w).Take() + "\n", 0600);
}

std::optional<FailedRelease> ReadFailedRelease(const StatePaths& paths) {
  absl::StatusOr<std::string> text = ReadFileBounded(paths.failed, 64 << 10);
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> doc = json::JsonDocument::Parse(*text, paths.failed);
  if (!doc.ok()) return std::nullopt;
  FailedRelease failed;
  simdjson::dom::element root = (*doc)->root();
  std::string_view value;
  if (root["version"].get(value) == simdjson::SUCCESS) failed.version = std::string(value);
  if (root["sha256"].get(value) == simdjson::SUCCESS) failed.sha256 = std::string(value);
  if (root["reason"].get(value) == simdjson::SUCCESS) failed.reason = std::string(value);
  if (failed.version.empty()) return std::nullopt;
  return failed;
}

}  // namespace mig::loader
