// The investigator's side of the fleet: ~/.migrc, a client of the scheduler's API that signs each request
// with the investigator's key, and the launch-follow-print loop every module command uses without --local.
//
// ~/.migrc ($MIGRC overrides the path), git-config INI as MIG's was:
//
//   [api]
//       url = http://127.0.0.1:8393/api/v1/      # the scheduler, or the TLS proxy in front of it
//       ca = /etc/mig/ca.pem                      # https: the CA the proxy's certificate chains to
//   [key]
//       file = ~/.mig/alice.key                   # passphrase asked on the terminal, or $MIG_PASSPHRASE
//   [targets]
//       macro = prod:status='online' AND tags->>'env'='prod'    # -t prod
//
//   MIG_ASSIGN_OR_RETURN(Migrc rc, LoadMigrc());
//   MIG_ASSIGN_OR_RETURN(ApiClient client, ApiClient::Open(rc));
//   MIG_ASSIGN_OR_RETURN(std::string json, client.Get("/actions/7"));
#ifndef MIG_INVESTIGATOR_FLEET_H_
#define MIG_INVESTIGATOR_FLEET_H_

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/key_file.h"
#include "investigator/local_run.h"
#include "protocol/action/action.h"

namespace mig::investigator {

struct Migrc {
  std::string path;
  std::string api_url;  // ends with '/'
  std::string ca_pem;
  std::string key_file;
  std::map<std::string, std::string> target_macros;
};

// Reads $MIGRC or ~/.migrc. The error says how to write one when it is missing.
absl::StatusOr<Migrc> LoadMigrc();
absl::StatusOr<Migrc> ParseMigrc(std::string_view text, std::string path);

// A target as the investigator typed it, with macros expanded: "prod" -> its condition.
std::string ExpandTarget(const Migrc& rc, const std::string& target);

// A query parameter's value, percent-encoded (everything but RFC 3986's unreserved characters).
std::string QueryEscape(std::string_view value);

class ApiClient {
 public:
  // Loads the investigator's key (asking its passphrase once).
  static absl::StatusOr<ApiClient> Open(const Migrc& rc);
  ApiClient(Migrc rc, crypto::SecretKeyFile key) : rc_(std::move(rc)), key_(std::move(key)) {}

  // `path` relative to the API URL ("actions/7"); the body of a 2xx answer, else an error carrying the
  // scheduler's {"error"} message (401 Unauthenticated, 404 NotFound, 4xx InvalidArgument, else Unavailable).
  absl::StatusOr<std::string> Get(std::string_view path);
  absl::StatusOr<std::string> Post(std::string_view path, std::string body);
  const crypto::SecretKeyFile& key() const { return key_; }

 private:
  absl::StatusOr<std::string> Call(std::string_view method, std::string_view path, std::string body);
  Migrc rc_;
  crypto::SecretKeyFile key_;
};

struct FleetRunOptions {
  LocalRunOptions print;  // render, show
  bool follow = true;     // wait for the answers and print them
  bool progress = true;   // a live line on stderr (when it is a terminal)
  absl::Duration poll = absl::Milliseconds(500);
};

// Says how many agents the target selects, signs `action` with the client's key when `add_signature`,
// launches it, follows it until every targeted agent answered or the action expired, and prints the
// results. Returns the exit code (0 found, 1 nothing found, 2 refused by the scheduler, 3 failure).
int LaunchAndFollow(ApiClient& client, action::Action action, bool add_signature, const FleetRunOptions& options,
                    std::ostream& out, std::ostream& err);
// Follows an action already launched (`mig action status`), then prints as LaunchAndFollow does.
int FollowAndPrint(ApiClient& client, int64_t id, const FleetRunOptions& options, std::ostream& out, std::ostream& err);

// The agents that found (or did not find) something in action `id`, for -target-found/-target-notfound.
absl::StatusOr<std::vector<std::string>> AgentsOfAction(ApiClient& client, int64_t id, bool found);
// A target selecting exactly these agents, combined with `base`: "(base) AND name IN ('a','b')".
std::string TargetForAgents(const std::string& base, const std::vector<std::string>& agents);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_FLEET_H_
