// The configuration of the agent, the loader and the investigator: parsed from the INI text compiled into
// the binary (embedded.h), optionally overridden by a file given at run time, and validated in one place —
// by the build (a site's invalid configuration fails `bazel build`) and by the binary (an invalid override).
//
//   MIG_ASSIGN_OR_RETURN(conf::Config config, conf::LoadConfig(override_path));   // load.h
//   absl::Duration timeout = config.agent.module_timeout;
//   std::cout << conf::RenderConfig(config);   // what `mig config show` prints, secrets redacted
#ifndef MIG_EMBEDDED_CONF_CONFIG_H_
#define MIG_EMBEDDED_CONF_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "protocol/validity.h"

namespace mig::conf {

// A file the configuration refers to (a certificate, a key), embedded by content.
struct EmbeddedFileRef {
  std::string path;      // as written in the configuration, relative to it
  std::string contents;  // empty when the reference is unset
  bool empty() const { return path.empty(); }
};

struct AgentConfig {
  // The AMQP(S) URL of the relay (the RabbitMQ broker). Empty: no broker configured (local use only).
  std::string relay;
  absl::Duration heartbeat_frequency = absl::Minutes(5);
  absl::Duration module_timeout = absl::Minutes(5);
  // Each module process's address-space cap (0: none) and CPU cap in percent of one CPU (0: none; 50 lets it
  // use half a CPU on average, whatever its threads). It always runs niced, in the idle I/O class.
  uint64_t module_memory_bytes = uint64_t{1} << 30;
  uint64_t module_cpu_percent = 0;
  absl::Duration refresh_environment = absl::Minutes(5);
  // Checkin mode: drain the queue, run, send, exit.
  bool checkin = false;
  // Actions: how far clocks may disagree, and the longest validity window an agent accepts.
  absl::Duration clock_skew = protocol::kDefaultClockSkew;
  absl::Duration max_action_validity = protocol::kDefaultMaxActionValidity;
  // Where the agent keeps its identity, replay cache and unsent results.
  std::string state_dir = "/var/lib/mig";
  // Tags sent in heartbeats, "key:value", in the order written.
  std::vector<std::pair<std::string, std::string>> tags;
};

struct CertsConfig {
  EmbeddedFileRef ca;    // PEM CA certificate(s) that sign the broker's and the update server's certificates
  EmbeddedFileRef cert;  // PEM client certificate
  EmbeddedFileRef key;   // PEM private key of the client certificate (secret)
};

struct SchedulerConfig {
  std::string api;  // base URL of the scheduler API the investigator talks to
  // The scheduler's own settings (`mig scheduler`): its relay URL (it logs in with [certs]'s certificate,
  // CN "scheduler"), its database file, and where its API listens (loopback: put a TLS proxy in front).
  std::string relay;
  std::string database = "/var/lib/mig/scheduler.db";
  std::string listen = "127.0.0.1:8393";
};

struct Investigator {
  std::string name;
  std::string public_key;  // "ed25519:" + base64 of the 32-byte key
};

// [acl] weights and minimumweight are whole numbers from 1 to this: sums of them can never overflow, and a
// configuration outside the range is refused (at build time for the embedded one).
inline constexpr uint64_t kMaxAclWeight = 1000;

struct AclRule {
  std::string module;  // or "default"
  uint64_t minimum_weight = 1;
  std::vector<std::pair<std::string, uint64_t>> investigator_weights;  // investigator name, weight
};

struct LoaderConfig {
  // Where releases come from: an https:// URL, or a local directory (file:///media/mig) for air-gapped hosts.
  std::string update_source;
  std::vector<std::string> release_keys;  // "ed25519:" + base64
  uint64_t threshold = 1;
};

struct LoggingConfig {
  std::string mode = "stderr";  // stderr | file | syslog
  std::string level = "info";   // debug | info | warning | error
  std::string file;             // with mode = file
};

struct Config {
  std::string source;  // where it came from: "embedded:default.conf", plus " + /etc/mig/mig.conf"
  AgentConfig agent;
  CertsConfig certs;
  SchedulerConfig scheduler;
  std::vector<Investigator> investigators;
  std::vector<AclRule> acls;
  LoaderConfig loader;
  LoggingConfig logging;
};

// Returns the contents of a file the configuration names, relative to the configuration itself.
using FileResolver = std::function<absl::StatusOr<std::string>(std::string_view relative_path)>;

// Parses and validates configuration text. Later text overrides earlier: pass the embedded text first and
// an override file second; a key set in the override replaces all of that key's values.
struct ConfigText {
  std::string_view text;
  std::string_view source;  // names it in errors
  FileResolver resolve;
};
absl::StatusOr<Config> ParseConfig(const std::vector<ConfigText>& layers);

// The effective configuration as INI text, with the private key redacted and embedded files summarized.
std::string RenderConfig(const Config& config);

// Every section and key, with what it means and its default: `mig config keys`.
std::string DescribeConfigKeys();

// A configuration file, or a file it names, is at most this large.
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;

// A configuration file, or a file it names, read as one that grants trust: a regular file, bounded, and
// refused unless only root or the user mig runs as could have changed it (base/trusted_file.h).
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

// A resolver reading files relative to `directory` on disk, with ReadConfigFile.
FileResolver DiskResolver(std::string directory);

}  // namespace mig::conf

#endif  // MIG_EMBEDDED_CONF_CONFIG_H_
