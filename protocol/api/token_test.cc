// Signed API requests: a valid one names the investigator; anything changed, late, unknown or replayed is
// refused with the reason.
#include "protocol/api/token.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "catch2/catch.hpp"

namespace mig::api {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("A signed request is accepted once, for that request only, within the time window") {
  crypto::Ed25519KeyPair alice = crypto::Ed25519KeyPair::Generate();
  crypto::Ed25519KeyPair bob = crypto::Ed25519KeyPair::Generate();
  crypto::Ed25519KeyPair mallory = crypto::Ed25519KeyPair::Generate();
  TokenVerifier verifier({{"alice", alice.public_key()}, {"bob", bob.public_key()}});
  ApiRequest request{"POST", "/api/v1/actions", R"({"name":"find passwd"})"};
  std::string header = SignRequest(alice, request, kNow);
  CHECK(header.rfind("MIG-Ed25519 keyid=", 0) == 0);

  absl::StatusOr<std::string> who = verifier.Verify(header, request, kNow + absl::Seconds(3));
  INFO(who.status().message());
  REQUIRE(who.ok());
  CHECK(*who == "alice");
  CHECK(*verifier.Verify(SignRequest(bob, request, kNow), request, kNow) == "bob");

  struct Refusal {
    std::string name;
    std::string header;
    ApiRequest request;
    absl::Time now;
    std::string reason_part;
  };
  std::string fresh = SignRequest(alice, request, kNow);
  std::vector<Refusal> refusals = {
      {"replayed", header, request, kNow + absl::Seconds(5), "already used"},
      {"other body", fresh, {"POST", "/api/v1/actions", R"({"name":"rm -rf"})"}, kNow, "does not match this request"},
      {"other path", fresh, {"POST", "/api/v1/investigators", request.body}, kNow, "does not match"},
      {"other method", fresh, {"GET", "/api/v1/actions", request.body}, kNow, "does not match"},
      {"too old", fresh, request, kNow + absl::Minutes(3), "more than 2m from the scheduler's clock"},
      {"from the future", SignRequest(alice, request, kNow + absl::Minutes(5)), request, kNow, "more than 2m"},
      {"unknown key", SignRequest(mallory, request, kNow), request, kNow, "no investigator has the key"},
      {"no header", "", request, kNow, "no Authorization header"},
      {"other scheme", absl::StrReplaceAll(fresh, {{"MIG-Ed25519", "Bearer"}}), request, kNow, "is not"},
      {"signature of another key under alice's id",
       absl::StrCat(fresh.substr(0, fresh.find("signature=")),
                    SignRequest(mallory, request, kNow).substr(SignRequest(mallory, request, kNow).find("signature="))),
       request, kNow, "does not match"},
      {"bad signature text", absl::StrCat(fresh.substr(0, fresh.find("signature=")), "signature=AAAA"), request, kNow,
       "not base64 of 64 bytes"},
      {"missing nonce", absl::StrReplaceAll(fresh, {{",nonce=", ",nonc="}}), request, kNow, "unknown field 'nonc'"},
      {"time not a number", absl::StrReplaceAll(fresh, {{",time=1800000000", ",time=soon"}}), request, kNow,
       "is not a number"},
      {"duplicate field", absl::StrCat(fresh, ",keyid=0000000000000000"), request, kNow, "appears twice"},
  };
  for (const Refusal& r : refusals) {
    SECTION(r.name) {
      absl::StatusOr<std::string> result = verifier.Verify(r.header, r.request, r.now);
      REQUIRE_FALSE(result.ok());
      INFO(result.status().message());
      CHECK(absl::IsUnauthenticated(result.status()));
      CHECK(result.status().message().find(r.reason_part) != std::string_view::npos);
    }
  }
}

TEST_CASE("Nonces are forgotten only once their request could no longer be accepted") {
  crypto::Ed25519KeyPair alice = crypto::Ed25519KeyPair::Generate();
  TokenVerifier verifier({{"alice", alice.public_key()}});
  ApiRequest request{"GET", "/api/v1/agents?target=status%3D%27online%27", ""};
  std::string header = SignRequest(alice, request, kNow);
  REQUIRE(verifier.Verify(header, request, kNow).ok());
  CHECK(verifier.Verify(header, request, kNow + absl::Seconds(30)).status().message().find("already used") !=
        std::string_view::npos);
  // Other requests much later make the verifier forget old nonces; the old header is then too old anyway.
  for (int i = 1; i <= 3; ++i) {
    absl::Time later = kNow + absl::Minutes(i);
    REQUIRE(verifier.Verify(SignRequest(alice, request, later), request, later).ok());
  }
  // Even with the clock stepped back to when it was still fresh, the forgotten header stays refused.
  absl::StatusOr<std::string> replay = verifier.Verify(header, request, kNow + absl::Minutes(1));
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.status().message().find("more than 2m") != std::string_view::npos);
  absl::StatusOr<std::string> stale = verifier.Verify(header, request, kNow + absl::Minutes(3));
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().message().find("more than 2m") != std::string_view::npos);
}

}  // namespace
}  // namespace mig::api
