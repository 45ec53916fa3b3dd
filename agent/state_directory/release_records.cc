#include "agent/state_directory/release_records.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"

namespace mig::state_directory {

absl::StatusOr<std::optional<release::Manifest>> ReadInstalledRelease(const StateDirectory& state) {
  absl::StatusOr<std::string> text = ReadFileBounded(state.installed_release_file(), release::kMaxManifestBytes);
  if (!text.ok() && absl::IsNotFound(text.status())) return std::nullopt;
  if (!text.ok()) return text.status();
  absl::StatusOr<release::Manifest> manifest = release::ParseManifest(*text);
  if (!manifest.ok())
    return absl::DataLossError(absl::StrCat(state.installed_release_file(), ": ", manifest.status().message()));
  return *manifest;
}

absl::Status WriteFailedRelease(const StateDirectory& state, const FailedRelease& failed) {
  json::JsonWriter w(2);
  w.BeginObject();
  w.Field("version", failed.version);
  w.Field("sha256", failed.sha256);
  w.Field("reason", failed.reason);
  w.Field("time", absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  w.EndObject();
  return WriteFileAtomically(state.failed_release_file(), std::move(w).Take() + "\n", 0600);
}

std::optional<FailedRelease> ReadFailedRelease(const StateDirectory& state) {
  absl::StatusOr<std::string> text = ReadFileBounded(state.failed_release_file(), 64 << 10);
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> doc =
      json::JsonDocument::Parse(*text, state.failed_release_file());
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

}  // namespace mig::state_directory
