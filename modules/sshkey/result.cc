#include "modules/sshkey/result.h"

#include "base/go_format.h"
#include "base/json/writer.h"
#include "modules/result.h"

namespace mig::modules::sshkey {

std::string ResultJson(const ScanOutcome& outcome, absl::Duration run_time) {
  json::JsonWriter elements;
  elements.BeginObject();
  elements.Key("keys");
  elements.BeginArray();
  for (const KeyEntry& key : outcome.keys) {
    elements.BeginObject();
    elements.Field("fingerprint_md5", key.fingerprint_md5);
    elements.Field("fingerprint_sha256", key.fingerprint_sha256);
    elements.Field("path", key.path);
    elements.Field("encrypted", key.encrypted);
    elements.Field("type", key.kind);
    elements.Field("keytype", key.key_type);
    elements.Field("bits", key.bits);
    elements.Field("comment", key.comment);
    elements.Field("line", key.line);
    elements.EndObject();
  }
  elements.EndArray();
  elements.EndObject();

  json::JsonWriter statistics;
  statistics.BeginObject();
  statistics.Field("filescount", outcome.files_checked);
  statistics.Field("execruntime", GoDurationString(run_time));
  statistics.EndObject();

  ResultEnvelope result;
  result.found_anything = !outcome.keys.empty();
  result.success = true;
  result.elements_json = std::move(elements).Take();
  result.statistics_json = std::move(statistics).Take();
  result.errors = outcome.errors;
  return result.ToJson();
}

}  // namespace mig::modules::sshkey
