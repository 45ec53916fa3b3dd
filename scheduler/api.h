// The scheduler's HTTP JSON API, for investigators. Every request but /api/v1/health must carry an
// Authorization header signed with a known investigator's Ed25519 key (protocol/api/token.h); the scheduler holds
// public keys only.
//
//   GET  /api/v1/health                                        {"status":"ok"}
//   POST /api/v1/actions               body: a signed action   201 {"id":7,"action":<action id>,"targeted":12}
//   GET  /api/v1/actions?offset=0&limit=50                     {"actions":[{summary}...]}   newest first
//        filters: name=<substring> since=<RFC 3339> running=1 (not expired) mine=1 (launched by the caller)
//        summary: id (the signed action's own id), name, target, validfrom, expireafter, created, investigator
//   GET  /api/v1/actions/7                                     {summary, "counters":{...}, "action":{...}}
//        counters: targeted = answered + pending + unanswered; answered = success + failed + refused +
//        timeout + expired; pendingnotonline: pending agents now idle or offline; found
//   GET  /api/v1/actions/7/results?filter=found|notfound|unanswered|all&offset=0&limit=100
//        {"results":[{"agent","command","status","answered","found","agentstatus","heartbeattime",
//                     "result":{...} or null}], "next":100 or null}
//        one line per targeted agent; status "pending" (no answer yet) or "unanswered" (none before expiry)
//        when it did not answer
//   GET  /api/v1/agents?target=<condition>&limit=1000          {"agents":[{"name","status",...}]}
//   GET  /api/v1/investigators                                 {"investigators":[{"name","keyid"}]}
//
// An action is accepted only if every signature on it verifies against a known investigator's key, it has
// not expired, and its target is a valid condition over the agents table that selects at least one agent
// (the agents themselves check the ACL, the validity window and their replay cache), and no action with the
// same id was accepted before. Errors are {"error":"..."} with 400 (bad input, including a target outside
// the target language or beyond its limits), 401 (authentication), 404, 409 (an action id already
// submitted), 422 (a target selecting nobody).
//
//   Api api({.database = path, .investigators = config.investigators, .commands_created = [&] {...}});
//   http::Response response = api.Handle(request);   // thread-safe
#ifndef MIG_SCHEDULER_API_H_
#define MIG_SCHEDULER_API_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/http/message.h"
#include "protocol/api/token.h"
#include "protocol/authorization/policy.h"
#include "scheduler/store.h"
#include "scheduler/target.h"

namespace mig::scheduler {

struct ApiOptions {
  std::string database;
  std::vector<api::Investigator> investigators;
  // Called once an action's commands are in the database (the dispatcher publishes them).
  std::function<void()> commands_created = [] {};
  std::function<absl::Time()> now = [] { return absl::Now(); };
  absl::Duration max_skew = absl::Minutes(2);
  TargetLimits target_limits;  // what one target may cost (target.h)
};

class Api {
 public:
  static absl::StatusOr<std::unique_ptr<Api>> Open(ApiOptions options);
  http::Response Handle(const http::Request& request);

 private:
  Api(ApiOptions options, Store store, TargetSelector selector, authorization::Keyring keys);
  http::Response CreateAction(const http::Request& request, const std::string& investigator)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  http::Response ListActions(const http::Request& request, const std::string& investigator)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  http::Response ShowAction(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  http::Response ActionResults(int64_t id, const http::Request& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  http::Response ListAgents(const http::Request& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  http::Response ListInvestigators();

  ApiOptions options_;
  // One database connection, one selector and the verifier's memory of used nonces, shared by the server's
  // threads.
  absl::Mutex mutex_;
  Store store_ ABSL_GUARDED_BY(mutex_);
  TargetSelector selector_ ABSL_GUARDED_BY(mutex_);
  authorization::Keyring keys_;  // the same investigators, by key id: who signed an action
  api::TokenVerifier verifier_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_API_H_
