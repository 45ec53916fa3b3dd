#include "embedded_conf/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/trusted_file.h"
#include "base/url.h"
#include "embedded_conf/ini.h"
#include "mbedtls/error.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

namespace mig::conf {
namespace {

// One configuration value after layering, with where it was written.
struct Value {
  std::string text;
  std::string where;  // "site.conf:12"
  const ConfigText* layer;
};

using SectionKey = std::pair<std::string, std::string>;  // section, subsection
using Keys = std::map<std::string, std::vector<Value>>;

struct KeySpec {
  std::string_view name;
  bool repeatable;
};

struct SectionSpec {
  std::string_view name;
  bool has_subsection;  // [investigator "alice"]
  std::vector<KeySpec> keys;
};

const std::vector<SectionSpec>& Schema() {
  static const auto* schema = new std::vector<SectionSpec>{
      {"agent",
       false,
       {{"relay", false},
        {"heartbeatfreq", false},
        {"moduletimeout", false},
        {"modulememory", false},
        {"modulecpu", false},
        {"refreshenv", false},
        {"checkin", false},
        {"clockskew", false},
        {"maxactionvalidity", false},
        {"statedir", false},
        {"tag", true}}},
      {"certs", false, {{"ca", false}, {"cert", false}, {"key", false}}},
      {"scheduler", false, {{"api", false}, {"relay", false}, {"database", false}, {"listen", false}}},
      {"investigator", true, {{"pubkey", false}}},
      {"acl", true, {{"minimumweight", false}, {"investigator", true}}},
      {"loader", false, {{"source", false}, {"releasekey", true}, {"threshold", false}}},
      {"logging", false, {{"mode", false}, {"level", false}, {"file", false}}},
  };
  return *schema;
}

absl::Status Invalid(std::string_view where, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

absl::StatusOr<absl::Duration> ParsePositiveDuration(const Value& v) {
  absl::Duration d;
  if (!absl::ParseDuration(v.text, &d) || d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return Invalid(v.where, absl::StrCat("'", v.text, "' is not a positive duration (e.g. 30s, 5m, 1h30m)"));
  }
  return d;
}

// "1GiB", "512MiB", "0" (no cap).
absl::StatusOr<uint64_t> ParseByteSize(const Value& v) {
  std::string_view text = v.text;
  uint64_t unit = 1;
  for (auto [suffix, size] : {std::pair{"GiB", uint64_t{1} << 30}, std::pair{"MiB", uint64_t{1} << 20}}) {
    if (absl::ConsumeSuffix(&text, suffix)) unit = size;
  }
  uint64_t n;
  if (!absl::SimpleAtoi(text, &n) || (unit == 1 && n != 0) || n > (uint64_t{1} << 40) / unit) {
    return Invalid(v.where, absl::StrCat("'", v.text, "' is not a size like 512MiB or 2GiB (0: no cap)"));
  }
  return n * unit;
}

// "50%" of one CPU, "200%" of two; "0" (no cap).
absl::StatusOr<uint64_t> ParseCpuPercent(const Value& v) {
  std::string_view text = v.text;
  bool percent = absl::ConsumeSuffix(&text, "%");
  uint64_t n;
  if (!absl::SimpleAtoi(text, &n) || (!percent && n != 0) || n > 100000) {
    return Invalid(v.where, absl::StrCat("'", v.text, "' is not a share of a CPU like 50% or 200% (0: no cap)"));
  }
  return n;
}

absl::StatusOr<bool> ParseBool(const Value& v) {
  std::string lower = absl::AsciiStrToLower(v.text);
  if (lower == "true" || lower == "on" || lower == "yes" || lower == "1") return true;
  if (lower == "false" || lower == "off" || lower == "no" || lower == "0") return false;
  return Invalid(v.where, absl::StrCat("'", v.text, "' is not a boolean (true/false, on/off, yes/no)"));
}

absl::StatusOr<uint64_t> ParsePositiveInteger(const Value& v) {
  uint64_t n;
  if (!absl::SimpleAtoi(v.text, &n) || n == 0) {
    return Invalid(v.where, absl::StrCat("'", v.text, "' is not a whole number of 1 or more"));
  }
  return n;
}

absl::Status CheckUrl(const Value& v, std::initializer_list<std::string_view> schemes) {
  absl::StatusOr<Url> url = ParseUrl(v.text, schemes);
  if (!url.ok()) return Invalid(v.where, url.status().message());
  return absl::OkStatus();
}

absl::Status CheckEd25519PublicKey(const Value& v) {
  constexpr std::string_view kPrefix = "ed25519:";
  std::string raw;
  if (!absl::StartsWith(v.text, kPrefix) || !absl::Base64Unescape(v.text.substr(kPrefix.size()), &raw) ||
      raw.size() != 32) {
    return Invalid(v.where, absl::StrCat("'", v.text, "' is not an Ed25519 public key (ed25519:<base64 of 32 bytes>)"));
  }
  return absl::OkStatus();
}

bool IsModuleName(std::string_view s) {
  if (s.empty() || !absl::ascii_islower(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) && !absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        c != '_') {
      return false;
    }
  }
  return true;
}

std::string MbedtlsError(int code) {
  char buf[160];
  mbedtls_strerror(code, buf, sizeof(buf));
  return buf;
}

absl::StatusOr<EmbeddedFileRef> LoadFile(const Value& v) {
  EmbeddedFileRef ref;
  ref.path = v.text;
  if (v.text.empty()) return ref;
  auto contents = v.layer->resolve(v.text);
  if (!contents.ok()) return Invalid(v.where, contents.status().message());
  ref.contents = *std::move(contents);
  return ref;
}

// Certificates and keys are parsed for real, so a truncated PEM or a key that does not belong to its
// certificate fails the build rather than the first TLS handshake in the field.
absl::Status CheckCertificates(const CertsConfig& certs, const std::map<std::string, std::string>& where) {
  auto parse_certs = [&](const EmbeddedFileRef& ref, std::string_view name, mbedtls_x509_crt* crt) -> absl::Status {
    if (!absl::StrContains(ref.contents, "-----BEGIN CERTIFICATE-----")) {
      return Invalid(where.at(std::string(name)), absl::StrCat(ref.path, " holds no PEM certificate"));
    }
    // mbedTLS wants the terminating NUL counted for PEM input.
    int rc = mbedtls_x509_crt_parse(crt, reinterpret_cast<const unsigned char*>(ref.contents.c_str()),
                                    ref.contents.size() + 1);
    if (rc != 0) {
      return Invalid(where.at(std::string(name)),
                     absl::StrCat(ref.path, " is not a valid certificate: ", MbedtlsError(rc)));
    }
    return absl::OkStatus();
  };
  if (!certs.ca.empty()) {
    mbedtls_x509_crt ca;
    mbedtls_x509_crt_init(&ca);
    absl::Status status = parse_certs(certs.ca, "ca", &ca);
    mbedtls_x509_crt_free(&ca);
    MIG_RETURN_IF_ERROR(status);
  }
  if (certs.cert.empty() != certs.key.empty()) {
    return Invalid(where.count("cert") ? where.at("cert") : where.at("key"),
                   "a client certificate needs both 'cert' and 'key'");
  }
  if (!certs.cert.empty()) {
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    absl::Status status = parse_certs(certs.cert, "cert", &crt);
    if (status.ok()) {
      int rc = mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(certs.key.contents.c_str()),
                                    certs.key.contents.size() + 1, nullptr, 0);
      if (rc != 0) {
        status = Invalid(where.at("key"), absl::StrCat(certs.key.path, " is not a valid unencrypted private key: ",
                                                       MbedtlsError(rc)));
      } else if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
        status = Invalid(where.at("key"),
                         absl::StrCat(certs.key.path, " is not the private key of ", certs.cert.path));
      }
    }
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    MIG_RETURN_IF_ERROR(status);
  }
  return absl::OkStatus();
}

absl::StatusOr<const SectionSpec*> FindSection(const IniSectionHeader& header, const std::string& where) {
  const SectionSpec* section = nullptr;
  for (const SectionSpec& s : Schema()) {
    if (s.name == header.section) section = &s;
  }
  if (section == nullptr) {
    std::vector<std::string_view> names;
    for (const SectionSpec& s : Schema()) names.push_back(s.name);
    return Invalid(where,
                   absl::StrCat("unknown section [", header.section, "] (known: ", absl::StrJoin(names, ", "), ")"));
  }
  if (section->has_subsection && header.subsection.empty()) {
    return Invalid(where, absl::StrCat("section [", header.section, "] needs a name, as in [", header.section,
                                       " \"name\"]"));
  }
  if (!section->has_subsection && !header.subsection.empty()) {
    return Invalid(where, absl::StrCat("section [", header.section, "] takes no name"));
  }
  return section;
}

// Layers the parsed entries: within one layer a non-repeatable key may appear once; a later layer's key
// replaces the earlier layer's values for that key.
absl::StatusOr<std::map<SectionKey, Keys>> Layer(const std::vector<ConfigText>& layers) {
  std::map<SectionKey, Keys> merged;
  for (const ConfigText& layer : layers) {
    MIG_ASSIGN_OR_RETURN(IniFile file, ParseIni(layer.text, layer.source));
    std::map<SectionKey, Keys> this_layer;
    for (const IniSectionHeader& header : file.sections) {
      MIG_RETURN_IF_ERROR(FindSection(header, absl::StrCat(layer.source, ":", header.line)).status());
      this_layer[{header.section, header.subsection}];
    }
    for (const IniEntry& e : file.entries) {
      std::string where = absl::StrCat(layer.source, ":", e.line);
      MIG_ASSIGN_OR_RETURN(const SectionSpec* section, FindSection({e.section, e.subsection, e.line}, where));
      const KeySpec* key = nullptr;
      for (const KeySpec& k : section->keys) {
        if (k.name == e.key) key = &k;
      }
      if (key == nullptr) {
        std::vector<std::string_view> names;
        for (const KeySpec& k : section->keys) names.push_back(k.name);
        return Invalid(where, absl::StrCat("unknown key '", e.key, "' in [", e.section, "] (known: ",
                                           absl::StrJoin(names, ", "), ")"));
      }
      std::vector<Value>& values = this_layer[{e.section, e.subsection}][e.key];
      if (!key->repeatable && !values.empty()) {
        return Invalid(where, absl::StrCat("'", e.key, "' is already set at ", values.front().where));
      }
      values.push_back(Value{e.value, where, &layer});
    }
    for (auto& [section_key, keys] : this_layer) {
      Keys& merged_keys = merged[section_key];  // sections without keys exist too
      for (auto& [key, values] : keys) merged_keys[key] = std::move(values);
    }
  }
  return merged;
}

const Value* Single(const Keys& keys, std::string_view key) {
  auto it = keys.find(std::string(key));
  if (it == keys.end() || it->second.empty()) return nullptr;
  return &it->second.front();
}

const std::vector<Value>& Multiple(const Keys& keys, std::string_view key) {
  static const auto* kEmpty = new std::vector<Value>();
  auto it = keys.find(std::string(key));
  return it == keys.end() ? *kEmpty : it->second;
}

}  // namespace

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  return ReadTrustedFile(path, kMaxConfigFileBytes);
}

FileResolver DiskResolver(std::string directory) {
  return [directory = std::move(directory)](std::string_view relative) -> absl::StatusOr<std::string> {
    std::string path = (!relative.empty() && relative[0] == '/') ? std::string(relative)
                                                                  : absl::StrCat(directory, "/", relative);
    return ReadConfigFile(path);
  };
}

absl::StatusOr<Config> ParseConfig(const std::vector<ConfigText>& layers) {
  MIG_ASSIGN_OR_RETURN(auto merged, Layer(layers));
  Config config;
  std::vector<std::string> sources;
  for (const ConfigText& layer : layers) sources.emplace_back(layer.source);
  config.source = absl::StrJoin(sources, " + ");

  auto section = [&](std::string_view name) -> const Keys& {
    static const auto* kEmpty = new Keys();
    auto it = merged.find({std::string(name), ""});
    return it == merged.end() ? *kEmpty : it->second;
  };

  // [agent]
  const Keys& agent = section("agent");
  if (const Value* v = Single(agent, "relay"); v && !v->text.empty()) {
    MIG_RETURN_IF_ERROR(CheckUrl(*v, {"amqp", "amqps"}));
    config.agent.relay = v->text;
  }
  if (const Value* v = Single(agent, "heartbeatfreq")) {
    MIG_ASSIGN_OR_RETURN(config.agent.heartbeat_frequency, ParsePositiveDuration(*v));
  }
  if (const Value* v = Single(agent, "moduletimeout")) {
    MIG_ASSIGN_OR_RETURN(config.agent.module_timeout, ParsePositiveDuration(*v));
  }
  if (const Value* v = Single(agent, "modulememory")) {
    MIG_ASSIGN_OR_RETURN(config.agent.module_memory_bytes, ParseByteSize(*v));
  }
  if (const Value* v = Single(agent, "modulecpu")) {
    MIG_ASSIGN_OR_RETURN(config.agent.module_cpu_percent, ParseCpuPercent(*v));
  }
  if (const Value* v = Single(agent, "refreshenv")) {
    MIG_ASSIGN_OR_RETURN(config.agent.refresh_environment, ParsePositiveDuration(*v));
  }
  if (const Value* v = Single(agent, "clockskew")) {
    MIG_ASSIGN_OR_RETURN(config.agent.clock_skew, ParsePositiveDuration(*v));
  }
  if (const Value* v = Single(agent, "maxactionvalidity")) {
    MIG_ASSIGN_OR_RETURN(config.agent.max_action_validity, ParsePositiveDuration(*v));
  }
  if (const Value* v = Single(agent, "checkin")) {
    MIG_ASSIGN_OR_RETURN(config.agent.checkin, ParseBool(*v));
  }
  if (const Value* v = Single(agent, "statedir")) {
    if (v->text.empty() || v->text[0] != '/') {
      return Invalid(v->where, absl::StrCat("statedir '", v->text, "' is not an absolute path"));
    }
    config.agent.state_dir = v->text;
  }
  for (const Value& v : Multiple(agent, "tag")) {
    std::pair<std::string, std::string> tag = absl::StrSplit(v.text, absl::MaxSplits(':', 1));
    if (tag.first.empty() || v.text.find(':') == std::string::npos) {
      return Invalid(v.where, absl::StrCat("tag '", v.text, "' is not of the form key:value"));
    }
    config.agent.tags.push_back(std::move(tag));
  }

  // [certs]
  const Keys& certs = section("certs");
  std::map<std::string, std::string> cert_where;
  for (std::string_view key : {"ca", "cert", "key"}) {
    const Value* v = Single(certs, key);
    if (v == nullptr) continue;
    cert_where[std::string(key)] = v->where;
    MIG_ASSIGN_OR_RETURN(EmbeddedFileRef ref, LoadFile(*v));
    if (key == "ca") config.certs.ca = std::move(ref);
    if (key == "cert") config.certs.cert = std::move(ref);
    if (key == "key") config.certs.key = std::move(ref);
  }
  MIG_RETURN_IF_ERROR(CheckCertificates(config.certs, cert_where));

  // [scheduler]
  if (const Value* v = Single(section("scheduler"), "api"); v && !v->text.empty()) {
    MIG_RETURN_IF_ERROR(CheckUrl(*v, {"http", "https"}));
    config.scheduler.api = v->text;
  }
  if (const Value* v = Single(section("scheduler"), "relay"); v && !v->text.empty()) {
    MIG_RETURN_IF_ERROR(CheckUrl(*v, {"amqp", "amqps"}));
    config.scheduler.relay = v->text;
  }
  if (const Value* v = Single(section("scheduler"), "database"); v && !v->text.empty()) {
    config.scheduler.database = v->text;
  }
  if (const Value* v = Single(section("scheduler"), "listen"); v && !v->text.empty()) {
    if (absl::StatusOr<HostPort> listen = ParseHostPort(v->text, PortZero::kAnyPortAllowed); !listen.ok()) {
      return Invalid(v->where, listen.status().message());
    }
    config.scheduler.listen = v->text;
  }

  // [investigator "name"], before the ACLs that refer to them.
  std::set<std::string> investigator_names;
  for (const auto& [key, keys] : merged) {
    if (key.first != "investigator") continue;
    const Value* pubkey = Single(keys, "pubkey");
    if (pubkey == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("[investigator \"", key.second, "\"] has no pubkey"));
    }
    MIG_RETURN_IF_ERROR(CheckEd25519PublicKey(*pubkey));
    for (const Investigator& other : config.investigators) {
      if (other.public_key == pubkey->text) {
        return Invalid(pubkey->where, absl::StrCat("investigators '", other.name, "' and '", key.second,
                                                   "' have the same public key"));
      }
    }
    config.investigators.push_back({key.second, pubkey->text});
    investigator_names.insert(key.second);
  }

  // [acl "module"]
  for (const auto& [key, keys] : merged) {
    if (key.first != "acl") continue;
    AclRule rule;
    rule.module = key.second;
    std::string where = absl::StrCat("[acl \"", key.second, "\"]");
    if (!IsModuleName(rule.module)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": '", rule.module, "' is not a module name"));
    }
    if (const Value* v = Single(keys, "minimumweight")) {
      MIG_ASSIGN_OR_RETURN(rule.minimum_weight, ParsePositiveInteger(*v));
      if (rule.minimum_weight > kMaxAclWeight) {
        return Invalid(v->where, absl::StrCat("minimumweight ", v->text, " is above the maximum of ", kMaxAclWeight));
      }
    }
    uint64_t total = 0;
    std::set<std::string> seen;
    for (const Value& v : Multiple(keys, "investigator")) {
      std::vector<std::string> parts = absl::StrSplit(v.text, ':');
      uint64_t weight = 0;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &weight) || weight == 0 || weight > kMaxAclWeight) {
        return Invalid(v.where, absl::StrCat("'", v.text, "' is not of the form name:weight (weight 1 to ",
                                             kMaxAclWeight, ")"));
      }
      if (!investigator_names.count(parts[0])) {
        return Invalid(v.where, absl::StrCat("investigator '", parts[0], "' has no [investigator \"", parts[0],
                                             "\"] section"));
      }
      if (!seen.insert(parts[0]).second) {
        return Invalid(v.where, absl::StrCat("investigator '", parts[0], "' is listed twice"));
      }
      if (__builtin_add_overflow(total, weight, &total)) {  // cannot happen within the bounds; never wrap
        return Invalid(v.where, "the weights add up past what can be counted");
      }
      rule.investigator_weights.emplace_back(parts[0], weight);
    }
    if (total < rule.minimum_weight) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": the investigators' weights add up to ", total,
                                                     ", below minimumweight ", rule.minimum_weight,
                                                     ": no action could ever be authorized"));
    }
    config.acls.push_back(std::move(rule));
  }

  // [loader]
  const Keys& loader = section("loader");
  if (const Value* v = Single(loader, "source"); v && !v->text.empty()) {
    MIG_RETURN_IF_ERROR(CheckUrl(*v, {"https", "file"}));
    config.loader.update_source = v->text;
  }
  for (const Value& v : Multiple(loader, "releasekey")) {
    MIG_RETURN_IF_ERROR(CheckEd25519PublicKey(v));
    config.loader.release_keys.push_back(v.text);
  }
  if (const Value* v = Single(loader, "threshold")) {
    MIG_ASSIGN_OR_RETURN(config.loader.threshold, ParsePositiveInteger(*v));
    if (!config.loader.release_keys.empty() && config.loader.threshold > config.loader.release_keys.size()) {
      return Invalid(v->where, absl::StrCat("threshold ", config.loader.threshold, " is more than the ",
                                            config.loader.release_keys.size(), " release keys"));
    }
  }

  // [logging]
  const Keys& logging = section("logging");
  if (const Value* v = Single(logging, "mode")) {
    if (v->text != "stderr" && v->text != "file" && v->text != "syslog") {
      return Invalid(v->where, absl::StrCat("logging mode '", v->text, "' is not one of stderr, file, syslog"));
    }
    config.logging.mode = v->text;
  }
  if (const Value* v = Single(logging, "level")) {
    if (v->text != "debug" && v->text != "info" && v->text != "warning" && v->text != "error") {
      return Invalid(v->where, absl::StrCat("logging level '", v->text, "' is not one of debug, info, warning, error"));
    }
    config.logging.level = v->text;
  }
  if (const Value* v = Single(logging, "file")) {
    if (!v->text.empty() && v->text[0] != '/') {
      return Invalid(v->where, absl::StrCat("logging file '", v->text, "' is not an absolute path"));
    }
    config.logging.file = v->text;
  }
  if (config.logging.mode == "file" && config.logging.file.empty()) {
    return absl::InvalidArgumentError("[logging] mode = file needs a 'file'");
  }
  return config;
}

std::string RenderConfig(const Config& config) {
  std::string out = absl::StrCat("# effective configuration: ", config.source, "\n");
  auto line = [&out](std::string_view key, std::string_view value) {
    absl::StrAppend(&out, "    ", key, " = ", QuoteIniValue(value), "\n");
  };
  auto file_summary = [](const EmbeddedFileRef& ref, bool secret) {
    if (ref.empty()) return std::string();
    if (secret) return absl::StrCat(ref.path, " (redacted: ", ref.contents.size(), " bytes embedded)");
    int blocks = 0;
    for (size_t pos = 0; (pos = ref.contents.find("-----BEGIN ", pos)) != std::string::npos; ++pos) ++blocks;
    return absl::StrCat(ref.path, " (", ref.contents.size(), " bytes embedded, ", blocks, " PEM block",
                        blocks == 1 ? "" : "s", ")");
  };
  out += "[agent]\n";
  line("relay", config.agent.relay);
  line("heartbeatfreq", absl::FormatDuration(config.agent.heartbeat_frequency));
  line("moduletimeout", absl::FormatDuration(config.agent.module_timeout));
  line("modulememory", config.agent.module_memory_bytes == 0 ? "0" : absl::StrCat(config.agent.module_memory_bytes >> 20, "MiB"));
  line("modulecpu", config.agent.module_cpu_percent == 0 ? "0" : absl::StrCat(config.agent.module_cpu_percent, "%"));
  line("refreshenv", absl::FormatDuration(config.agent.refresh_environment));
  line("checkin", config.agent.checkin ? "true" : "false");
  line("clockskew", absl::FormatDuration(config.agent.clock_skew));
  line("maxactionvalidity", absl::FormatDuration(config.agent.max_action_validity));
  line("statedir", config.agent.state_dir);
  for (const auto& [key, value] : config.agent.tags) line("tag", absl::StrCat(key, ":", value));
  out += "[certs]\n";
  line("ca", file_summary(config.certs.ca, false));
  line("cert", file_summary(config.certs.cert, false));
  line("key", file_summary(config.certs.key, true));
  out += "[scheduler]\n";
  line("api", config.scheduler.api);
  line("relay", config.scheduler.relay);
  line("database", config.scheduler.database);
  line("listen", config.scheduler.listen);
  for (const Investigator& i : config.investigators) {
    absl::StrAppend(&out, "[investigator \"", i.name, "\"]\n");
    line("pubkey", i.public_key);
  }
  for (const AclRule& acl : config.acls) {
    absl::StrAppend(&out, "[acl \"", acl.module, "\"]\n");
    line("minimumweight", absl::StrCat(acl.minimum_weight));
    for (const auto& [name, weight] : acl.investigator_weights) line("investigator", absl::StrCat(name, ":", weight));
  }
  out += "[loader]\n";
  line("source", config.loader.update_source);
  for (const std::string& key : config.loader.release_keys) line("releasekey", key);
  line("threshold", absl::StrCat(config.loader.threshold));
  out += "[logging]\n";
  line("mode", config.logging.mode);
  line("level", config.logging.level);
  if (!config.logging.file.empty()) line("file", config.logging.file);
  return out;
}

}  // namespace mig::conf
