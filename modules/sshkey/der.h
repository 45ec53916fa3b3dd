// A minimal DER reader for the ASN.1 structures of PEM and PKCS#8 private keys: tag, length, contents,
// with definite lengths only (DER has no others) and bounds checked.
//
//   DerReader der(bytes);
//   MIG_ASSIGN_OR_RETURN(DerReader sequence, der.Enter(kDerSequence));
//   MIG_ASSIGN_OR_RETURN(std::string_view n, sequence.Read(kDerInteger));
#ifndef MIG_MODULES_SSHKEY_DER_H_
#define MIG_MODULES_SSHKEY_DER_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::sshkey {

inline constexpr uint8_t kDerInteger = 0x02;
inline constexpr uint8_t kDerBitString = 0x03;
inline constexpr uint8_t kDerOctetString = 0x04;
inline constexpr uint8_t kDerNull = 0x05;
inline constexpr uint8_t kDerOid = 0x06;
inline constexpr uint8_t kDerSequence = 0x30;
inline constexpr uint8_t kDerContext0 = 0xA0;  // [0] EXPLICIT
inline constexpr uint8_t kDerContext1 = 0xA1;  // [1] EXPLICIT

class DerReader {
 public:
  explicit DerReader(std::string_view data) : data_(data) {}

  // The contents of the next element, which must have `tag`.
  absl::StatusOr<std::string_view> Read(uint8_t tag);
  // The same, as a reader of the element's contents.
  absl::StatusOr<DerReader> Enter(uint8_t tag) {
    absl::StatusOr<std::string_view> contents = Read(tag);
    if (!contents.ok()) return contents.status();
    return DerReader(*contents);
  }
  // The tag of the next element; 0 at the end.
  uint8_t PeekTag() const { return data_.empty() ? 0 : static_cast<uint8_t>(data_[0]); }

  bool empty() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_DER_H_
