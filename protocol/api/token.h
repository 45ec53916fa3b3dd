// How an investigator proves who is calling the scheduler's API without the scheduler holding any secret:
// each request carries a header signed with the investigator's Ed25519 key, bound to that one request
// (method, path and query, SHA-256 of the body), valid for a short time and only once.
//
//   Authorization: MIG-Ed25519 keyid=3f9a1c0b7d2e4f10,time=1800000000,nonce=9c1e...,signature=<base64>
//
//   std::string header = SignRequest(key, {"POST", "/api/v1/actions", body}, absl::Now());
//   TokenVerifier verifier({{"alice", alice_public_key}});
//   MIG_ASSIGN_OR_RETURN(std::string investigator, verifier.Verify(header, request, absl::Now()));
#ifndef MIG_PROTOCOL_API_TOKEN_H_
#define MIG_PROTOCOL_API_TOKEN_H_

#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ed25519.h"

namespace mig::api {

inline constexpr std::string_view kScheme = "MIG-Ed25519";

struct ApiRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // path and query, as sent: "/api/v1/actions/12/results?found=true&offset=0"
  std::string body;
};

// The Authorization header value for `request`, signed by `key` at `now`.
std::string SignRequest(const crypto::Ed25519KeyPair& key, const ApiRequest& request, absl::Time now);

struct Investigator {
  std::string name;
  crypto::Ed25519PublicKey key;
};

class TokenVerifier {
 public:
  // A request signed more than `max_skew` before or after the scheduler's clock is refused.
  explicit TokenVerifier(std::vector<Investigator> investigators, absl::Duration max_skew = absl::Minutes(2));

  // The investigator's name when the header is a valid signature of this request by a known investigator,
  // within the time window, never seen before. Unauthenticated otherwise, with the reason.
  absl::StatusOr<std::string> Verify(std::string_view header, const ApiRequest& request, absl::Time now);

 private:
  void ForgetOldNonces(absl::Time now);

  absl::flat_hash_map<std::string, Investigator> by_key_id_;
  absl::Duration max_skew_;
  // The latest clock reading seen: were the clock to step back, a forgotten nonce must not become valid again.
  absl::Time newest_now_ = absl::InfinitePast();
  // (key id, nonce) of accepted requests, until they could no longer be accepted anyway.
  absl::flat_hash_set<std::string> seen_;
  std::deque<std::pair<absl::Time, std::string>> seen_order_;
};

}  // namespace mig::api

#endif  // MIG_PROTOCOL_API_TOKEN_H_
