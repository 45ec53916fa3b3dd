#include "embedded_conf/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
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

const std::vector<SectionSpec>& Schema();

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
        status = Invalid(where.at("key"),
                         absl::StrCat(certs.key.path, " is not a valid unencrypted private key: ", MbedtlsError(rc)));
      } else if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
        status = Invalid(where.at("key"), absl::StrCat(certs.key.path, " is not the private key of ", certs.cert.path));
      }
    }
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    MIG_RETURN_IF_ERROR(status);
  }
  return absl::OkStatus();
}

// ---- The keys of the unnamed sections, one row each ----
//
// A row says where a key's value lives in Config, how its text is parsed and checked, and how `mig config
// show` writes it back; the schema (which keys exist), parsing and rendering all come from the rows. What
// spans several keys ([certs], named sections, cross-key checks) is written out in ParseConfig below.

// How a kind of value is read and written. Parse gets the key's name for its messages; Show returns
// nullopt for a value `mig config show` leaves out.
struct PositiveDurationCodec {
  static absl::StatusOr<absl::Duration> Parse(const Value& v, std::string_view) { return ParsePositiveDuration(v); }
  static std::optional<std::string> Show(absl::Duration d) { return absl::FormatDuration(d); }
};
struct ByteSizeCodec {
  static absl::StatusOr<uint64_t> Parse(const Value& v, std::string_view) { return ParseByteSize(v); }
  static std::optional<std::string> Show(uint64_t bytes) { return bytes == 0 ? "0" : absl::StrCat(bytes >> 20, "MiB"); }
};
struct CpuPercentCodec {
  static absl::StatusOr<uint64_t> Parse(const Value& v, std::string_view) { return ParseCpuPercent(v); }
  static std::optional<std::string> Show(uint64_t percent) { return percent == 0 ? "0" : absl::StrCat(percent, "%"); }
};
struct BoolCodec {
  static absl::StatusOr<bool> Parse(const Value& v, std::string_view) { return ParseBool(v); }
  static std::optional<std::string> Show(bool b) { return b ? "true" : "false"; }
};
struct PositiveIntegerCodec {
  static absl::StatusOr<uint64_t> Parse(const Value& v, std::string_view) { return ParsePositiveInteger(v); }
  static std::optional<std::string> Show(uint64_t n) { return absl::StrCat(n); }
};
struct TextCodec {
  static absl::StatusOr<std::string> Parse(const Value& v, std::string_view) { return v.text; }
  static std::optional<std::string> Show(const std::string& text) { return text; }
};
// An absolute path; with kOptional, also empty (unset), and then not shown.
template <bool kOptional>
struct AbsolutePathCodec {
  static absl::StatusOr<std::string> Parse(const Value& v, std::string_view key) {
    if ((v.text.empty() && !kOptional) || (!v.text.empty() && v.text[0] != '/')) {
      return Invalid(v.where, absl::StrCat(key, " '", v.text, "' is not an absolute path"));
    }
    return v.text;
  }
  static std::optional<std::string> Show(const std::string& path) {
    if (kOptional && path.empty()) return std::nullopt;
    return path;
  }
};
// A URL of the schemes `Schemes::Check` accepts.
template <typename Schemes>
struct UrlCodec {
  static absl::StatusOr<std::string> Parse(const Value& v, std::string_view) {
    MIG_RETURN_IF_ERROR(Schemes::Check(v));
    return v.text;
  }
  static std::optional<std::string> Show(const std::string& url) { return url; }
};
struct AmqpSchemes {
  static absl::Status Check(const Value& v) { return CheckUrl(v, {"amqp", "amqps"}); }
};
struct HttpSchemes {
  static absl::Status Check(const Value& v) { return CheckUrl(v, {"http", "https"}); }
};
struct ReleaseSourceSchemes {
  static absl::Status Check(const Value& v) { return CheckUrl(v, {"https", "file"}); }
};
using AmqpUrlCodec = UrlCodec<AmqpSchemes>;
using HttpUrlCodec = UrlCodec<HttpSchemes>;
using ReleaseSourceCodec = UrlCodec<ReleaseSourceSchemes>;
struct ListenAddressCodec {
  static absl::StatusOr<std::string> Parse(const Value& v, std::string_view) {
    if (absl::StatusOr<HostPort> listen = ParseHostPort(v.text, PortZero::kAnyPortAllowed); !listen.ok()) {
      return Invalid(v.where, listen.status().message());
    }
    return v.text;
  }
  static std::optional<std::string> Show(const std::string& address) { return address; }
};
template <const std::string_view* kChoices, size_t kCount>
struct OneOfCodec {
  static absl::StatusOr<std::string> Parse(const Value& v, std::string_view key) {
    for (size_t i = 0; i < kCount; ++i) {
      if (v.text == kChoices[i]) return v.text;
    }
    return Invalid(
        v.where, absl::StrCat(key, " '", v.text, "' is not one of ", absl::StrJoin(kChoices, kChoices + kCount, ", ")));
  }
  static std::optional<std::string> Show(const std::string& choice) { return choice; }
};
constexpr std::string_view kLoggingModes[] = {"stderr", "file", "syslog"};
constexpr std::string_view kLoggingLevels[] = {"debug", "info", "warning", "error"};
struct TagCodec {
  static absl::StatusOr<std::pair<std::string, std::string>> Parse(const Value& v, std::string_view) {
    std::pair<std::string, std::string> tag = absl::StrSplit(v.text, absl::MaxSplits(':', 1));
    if (tag.first.empty() || v.text.find(':') == std::string::npos) {
      return Invalid(v.where, absl::StrCat("tag '", v.text, "' is not of the form key:value"));
    }
    return tag;
  }
  static std::optional<std::string> Show(const std::pair<std::string, std::string>& tag) {
    return absl::StrCat(tag.first, ":", tag.second);
  }
};
struct Ed25519PublicKeyCodec {
  static absl::StatusOr<std::string> Parse(const Value& v, std::string_view) {
    MIG_RETURN_IF_ERROR(CheckEd25519PublicKey(v));
    return v.text;
  }
  static std::optional<std::string> Show(const std::string& key) { return key; }
};

struct Field {
  std::string_view section;
  std::string_view key;
  bool repeatable;
  // Given every value the layers left for the key (at least one).
  absl::Status (*parse)(const std::vector<Value>& values, std::string_view key, Config& config);
  std::vector<std::string> (*show)(const Config& config);
  std::string_view doc;  // what it means, for `mig config keys`
};

// `kMember` of Config's `kSection`, one value. With kEmptyIsUnset an empty value leaves the default.
template <auto kSection, auto kMember, typename Codec, bool kEmptyIsUnset = false>
Field SingleField(std::string_view section, std::string_view key, std::string_view doc) {
  return {section,
          key,
          /*repeatable=*/false,
          [](const std::vector<Value>& values, std::string_view key, Config& config) -> absl::Status {
            const Value& v = values.front();
            if (kEmptyIsUnset && v.text.empty()) return absl::OkStatus();
            MIG_ASSIGN_OR_RETURN((config.*kSection).*kMember, Codec::Parse(v, key));
            return absl::OkStatus();
          },
          [](const Config& config) {
            std::optional<std::string> shown = Codec::Show((config.*kSection).*kMember);
            return shown ? std::vector<std::string>{*std::move(shown)} : std::vector<std::string>{};
          },
          doc};
}

// `kMember` of Config's `kSection`, a list: one value per line, in the order written.
template <auto kSection, auto kMember, typename Codec>
Field RepeatedField(std::string_view section, std::string_view key, std::string_view doc) {
  return {section,
          key,
          /*repeatable=*/true,
          [](const std::vector<Value>& values, std::string_view key, Config& config) -> absl::Status {
            for (const Value& v : values) {
              MIG_ASSIGN_OR_RETURN(auto parsed, Codec::Parse(v, key));
              ((config.*kSection).*kMember).push_back(std::move(parsed));
            }
            return absl::OkStatus();
          },
          [](const Config& config) {
            std::vector<std::string> lines;
            for (const auto& item : (config.*kSection).*kMember) lines.push_back(*Codec::Show(item));
            return lines;
          },
          doc};
}

const std::vector<Field>& Fields() {
  using C = Config;
  static const auto* fields = new std::vector<Field>{
      SingleField<&C::agent, &AgentConfig::relay, AmqpUrlCodec, true>(
          "agent", "relay", "the broker, amqps://host:5671/vhost (amqp:// without TLS); empty: no broker"),
      SingleField<&C::agent, &AgentConfig::heartbeat_frequency, PositiveDurationCodec>(
          "agent", "heartbeatfreq", "how often the agent says it is alive; the scheduler calls it idle after 3 missed"),
      SingleField<&C::agent, &AgentConfig::module_timeout, PositiveDurationCodec>(
          "agent", "moduletimeout", "the longest a module may run (the action's expiry may cut it shorter)"),
      SingleField<&C::agent, &AgentConfig::module_memory_bytes, ByteSizeCodec>(
          "agent", "modulememory", "each module process's address-space cap, 512MiB or 2GiB; 0: no cap"),
      SingleField<&C::agent, &AgentConfig::module_cpu_percent, CpuPercentCodec>(
          "agent", "modulecpu", "each module process's CPU share, 50% of one CPU or 200% of two; 0: no cap"),
      SingleField<&C::agent, &AgentConfig::refresh_environment, PositiveDurationCodec>(
          "agent", "refreshenv", "how often the agent rereads its environment (addresses, release) for heartbeats"),
      SingleField<&C::agent, &AgentConfig::checkin, BoolCodec>(
          "agent", "checkin", "true: run what is queued, send the results and exit (for cron)"),
      SingleField<&C::agent, &AgentConfig::clock_skew, PositiveDurationCodec>(
          "agent", "clockskew", "how far clocks may disagree: actions are valid this much early and late"),
      SingleField<&C::agent, &AgentConfig::max_action_validity, PositiveDurationCodec>(
          "agent", "maxactionvalidity", "an action valid for longer is refused"),
      SingleField<&C::agent, &AgentConfig::state_dir, AbsolutePathCodec<false>>(
          "agent", "statedir", "the agent's identity, replay cache, unsent results and the loader's records"),
      RepeatedField<&C::agent, &AgentConfig::tags, TagCodec>(
          "agent", "tag", "key:value sent in heartbeats, for targets (tags->>'env'='prod'); repeatable"),
      SingleField<&C::scheduler, &SchedulerConfig::api, HttpUrlCodec, true>(
          "scheduler", "api", "the scheduler's API, for investigators: https://host/api/v1/"),
      SingleField<&C::scheduler, &SchedulerConfig::relay, AmqpUrlCodec, true>(
          "scheduler", "relay", "the broker, for the scheduler (its certificate's CN is scheduler)"),
      SingleField<&C::scheduler, &SchedulerConfig::database, TextCodec, true>("scheduler", "database",
                                                                              "the scheduler's SQLite file"),
      SingleField<&C::scheduler, &SchedulerConfig::listen, ListenAddressCodec, true>(
          "scheduler", "listen", "where the API listens, address:port (loopback: put a TLS proxy in front)"),
      SingleField<&C::loader, &LoaderConfig::update_source, ReleaseSourceCodec, true>(
          "loader", "source", "where releases come from: https://host/path/ or file:///media/mig"),
      RepeatedField<&C::loader, &LoaderConfig::release_keys, Ed25519PublicKeyCodec>(
          "loader", "releasekey", "a release signer's public key, ed25519:<base64>; repeatable"),
      SingleField<&C::loader, &LoaderConfig::threshold, PositiveIntegerCodec>(
          "loader", "threshold", "how many distinct release keys must have signed a release"),
      SingleField<&C::logging, &LoggingConfig::mode, OneOfCodec<kLoggingModes, 3>>(
          "logging", "mode", "stderr, file (rotated at 10 MiB) or syslog (/dev/log)"),
      SingleField<&C::logging, &LoggingConfig::level, OneOfCodec<kLoggingLevels, 4>>("logging", "level",
                                                                                     "debug, info, warning or error"),
      SingleField<&C::logging, &LoggingConfig::file, AbsolutePathCodec<true>>(
          "logging", "file", "with mode = file: an absolute path, created 0600"),
  };
  return *fields;
}

// The sections in the order `mig config show` writes them; those with their own code have their keys here.
const std::vector<SectionSpec>& Schema() {
  static const auto* schema = [] {
    auto* sections = new std::vector<SectionSpec>{
        {"agent", false, {}},
        {"certs", false, {{"ca", false}, {"cert", false}, {"key", false}}},
        {"scheduler", false, {}},
        {"investigator", true, {{"pubkey", false}}},
        {"acl", true, {{"minimumweight", false}, {"investigator", true}}},
        {"loader", false, {}},
        {"logging", false, {}},
    };
    for (const Field& f : Fields()) {
      for (SectionSpec& section : *sections) {
        if (section.name == f.section) section.keys.push_back({f.key, f.repeatable});
      }
    }
    return sections;
  }();
  return *schema;
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
    return Invalid(where,
                   absl::StrCat("section [", header.section, "] needs a name, as in [", header.section, " \"name\"]"));
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
        return Invalid(where, absl::StrCat("unknown key '", e.key, "' in [", e.section,
                                           "] (known: ", absl::StrJoin(names, ", "), ")"));
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
    std::string path =
        (!relative.empty() && relative[0] == '/') ? std::string(relative) : absl::StrCat(directory, "/", relative);
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

  for (const Field& f : Fields()) {
    const std::vector<Value>& values = Multiple(section(f.section), f.key);
    if (!values.empty()) MIG_RETURN_IF_ERROR(f.parse(values, f.key, config));
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
        return Invalid(v.where,
                       absl::StrCat("'", v.text, "' is not of the form name:weight (weight 1 to ", kMaxAclWeight, ")"));
      }
      if (!investigator_names.count(parts[0])) {
        return Invalid(v.where,
                       absl::StrCat("investigator '", parts[0], "' has no [investigator \"", parts[0], "\"] section"));
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

  // What spans keys.
  if (const Value* v = Single(section("loader"), "threshold");
      v != nullptr && !config.loader.release_keys.empty() &&
      config.loader.threshold > config.loader.release_keys.size()) {
    return Invalid(v->where, absl::StrCat("threshold ", config.loader.threshold, " is more than the ",
                                          config.loader.release_keys.size(), " release keys"));
  }
  if (config.logging.mode == "file" && config.logging.file.empty()) {
    return absl::InvalidArgumentError("[logging] mode = file needs a 'file'");
  }
  return config;
}

std::string DescribeConfigKeys() {
  // The keys of the sections with their own code.
  static constexpr std::pair<std::string_view, std::string_view> kOtherDocs[] = {
      {"ca", "the CA that signed the broker's and the update server's certificates (PEM, embedded)"},
      {"cert", "this host's client certificate, for the broker's EXTERNAL login (PEM, embedded)"},
      {"key", "that certificate's private key (PEM, embedded; redacted by `mig config show`)"},
      {"pubkey", "the investigator's Ed25519 public key, ed25519:<base64>"},
      {"minimumweight", "the weight of signatures an action running this module needs"},
      {"investigator", "name:weight, an investigator whose signature counts; repeatable"},
  };
  const Config defaults;
  std::string out = "# Every key of mig's configuration, with its default ([section \"name\"] sections take a name).\n";
  for (const SectionSpec& section : Schema()) {
    absl::StrAppend(&out, "[", section.name, section.has_subsection ? " \"name\"" : "", "]\n");
    for (const KeySpec& key : section.keys) {
      std::string_view doc;
      std::string default_value;
      for (const Field& f : Fields()) {
        if (f.section != section.name || f.key != key.name) continue;
        doc = f.doc;
        std::vector<std::string> shown = f.show(defaults);
        default_value = shown.empty() ? "" : QuoteIniValue(shown.front());
      }
      for (const auto& [name, text] : kOtherDocs) {
        if (name == key.name) doc = text;
      }
      absl::StrAppend(&out, "    ", key.name, default_value.empty() ? "" : absl::StrCat(" = ", default_value), "\n",
                      "        ", doc, "\n");
    }
  }
  return out;
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
  for (const SectionSpec& section : Schema()) {
    if (section.name == "certs") {
      out += "[certs]\n";
      line("ca", file_summary(config.certs.ca, false));
      line("cert", file_summary(config.certs.cert, false));
      line("key", file_summary(config.certs.key, true));
    } else if (section.name == "investigator") {
      for (const Investigator& i : config.investigators) {
        absl::StrAppend(&out, "[investigator \"", i.name, "\"]\n");
        line("pubkey", i.public_key);
      }
    } else if (section.name == "acl") {
      for (const AclRule& acl : config.acls) {
        absl::StrAppend(&out, "[acl \"", acl.module, "\"]\n");
        line("minimumweight", absl::StrCat(acl.minimum_weight));
        for (const auto& [name, weight] : acl.investigator_weights) {
          line("investigator", absl::StrCat(name, ":", weight));
        }
      }
    } else {
      absl::StrAppend(&out, "[", section.name, "]\n");
      for (const Field& f : Fields()) {
        if (f.section != section.name) continue;
        for (const std::string& value : f.show(config)) line(f.key, value);
      }
    }
  }
  return out;
}

}  // namespace mig::conf
