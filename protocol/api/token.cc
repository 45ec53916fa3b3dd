#include "protocol/api/token.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/digest.h"

namespace mig::api {
namespace {

// What is signed: a domain separator and every part of the request that must not change.
std::string SignedBytes(std::string_view key_id, int64_t time, std::string_view nonce, const ApiRequest& request) {
  std::string body_hash = crypto::ComputeDigest(crypto::DigestAlgorithm::kSha256, request.body).ToHex();
  return absl::StrCat("mig-api-request-v1\n", key_id, "\n", time, "\n", nonce, "\n", request.method, "\n",
                      request.target, "\n", body_hash);
}

absl::Status Refused(std::string_view why) { return absl::UnauthenticatedError(why); }

}  // namespace

std::string SignRequest(const crypto::Ed25519KeyPair& key, const ApiRequest& request, absl::Time now) {
  crypto::EnsureSodiumInitialized();
  unsigned char random[16];
  randombytes_buf(random, sizeof(random));
  std::string nonce = absl::BytesToHexString(std::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  std::string key_id = key.public_key().KeyId();
  int64_t time = absl::ToUnixSeconds(now);
  crypto::Ed25519Signature signature = key.Sign(SignedBytes(key_id, time, nonce, request));
  return absl::StrCat(kScheme, " keyid=", key_id, ",time=", time, ",nonce=", nonce,
                      ",signature=", crypto::SignatureToBase64(signature));
}

TokenVerifier::TokenVerifier(std::vector<Investigator> investigators, absl::Duration max_skew) : max_skew_(max_skew) {
  for (Investigator& investigator : investigators) {
    std::string key_id = investigator.key.KeyId();
    by_key_id_.emplace(std::move(key_id), std::move(investigator));
  }
}

void TokenVerifier::ForgetOldNonces(absl::Time now) {
  while (!seen_order_.empty() && seen_order_.front().first < now) {
    seen_.erase(seen_order_.front().second);
    seen_order_.pop_front();
  }
}

absl::StatusOr<std::string> TokenVerifier::Verify(std::string_view header, const ApiRequest& request, absl::Time now) {
  if (header.empty()) return Refused("no Authorization header: sign requests with your investigator key");
  std::string_view rest = header;
  if (!absl::ConsumePrefix(&rest, kScheme) || !absl::ConsumePrefix(&rest, " ")) {
    return Refused(absl::StrCat("the Authorization header is not '", kScheme, " keyid=…,time=…,nonce=…,signature=…'"));
  }
  std::string_view key_id, time_text, nonce, signature_text;
  for (std::string_view part : absl::StrSplit(rest, ',')) {
    std::pair<std::string_view, std::string_view> field = absl::StrSplit(part, absl::MaxSplits('=', 1));
    std::string_view* slot = field.first == "keyid"       ? &key_id
                             : field.first == "time"      ? &time_text
                             : field.first == "nonce"     ? &nonce
                             : field.first == "signature" ? &signature_text
                                                          : nullptr;
    if (slot == nullptr) return Refused(absl::StrCat("unknown field '", field.first, "' in the Authorization header"));
    if (!slot->empty()) return Refused(absl::StrCat("field '", field.first, "' appears twice"));
    *slot = field.second;
  }
  if (key_id.empty() || time_text.empty() || nonce.empty() || signature_text.empty()) {
    return Refused("the Authorization header needs keyid, time, nonce and signature");
  }
  if (nonce.size() < 16 || nonce.size() > 64) return Refused("the nonce must be 16 to 64 characters");
  int64_t time = 0;
  if (!absl::SimpleAtoi(time_text, &time)) return Refused(absl::StrCat("time '", time_text, "' is not a number"));
  auto found = by_key_id_.find(key_id);
  if (found == by_key_id_.end()) return Refused(absl::StrCat("no investigator has the key ", key_id));
  absl::StatusOr<crypto::Ed25519Signature> signature = crypto::SignatureFromBase64(signature_text);
  if (!signature.ok()) return Refused("the signature is not base64 of 64 bytes");
  if (!found->second.key.Verify(SignedBytes(key_id, time, nonce, request), *signature)) {
    return Refused(absl::StrCat("the signature by ", found->second.name,
                                "'s key does not match this request (method, path, query or body changed?)"));
  }
  absl::Time signed_at = absl::FromUnixSeconds(time);
  newest_now_ = std::max(newest_now_, now);
  if (signed_at < newest_now_ - max_skew_ || signed_at > now + max_skew_) {
    return Refused(absl::StrCat("the request was signed at ", absl::FormatTime(signed_at, absl::UTCTimeZone()),
                                ", more than ", absl::FormatDuration(max_skew_),
                                " from the scheduler's clock: sign it again (or check the clocks)"));
  }
  ForgetOldNonces(newest_now_);
  std::string replay_key = absl::StrCat(key_id, "/", nonce);
  if (!seen_.insert(replay_key).second) return Refused("this signed request was already used (replayed?)");
  seen_order_.emplace_back(signed_at + max_skew_, std::move(replay_key));
  return found->second.name;
}

}  // namespace mig::api
