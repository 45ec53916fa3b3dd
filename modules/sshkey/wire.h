// Reading SSH wire-format data (RFC 4251 section 5): uint32, string, mpint, as found in public key blobs
// and OpenSSH private key files. Reads past the end fail instead of reading garbage.
//
//   WireReader reader(blob);
//   MIG_ASSIGN_OR_RETURN(std::string_view type, reader.String());
#ifndef MIG_MODULES_SSHKEY_WIRE_H_
#define MIG_MODULES_SSHKEY_WIRE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::modules::sshkey {

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  absl::StatusOr<uint32_t> Uint32();
  absl::StatusOr<uint8_t> Byte();
  // A length-prefixed byte string (also how an mpint is carried).
  absl::StatusOr<std::string_view> String();
  // An mpint's bytes, checked to be a non-negative number in minimal two's complement form (zero is empty).
  absl::StatusOr<std::string_view> Mpint();

  bool empty() const { return data_.empty(); }
  std::string_view rest() const { return data_; }

 private:
  std::string_view data_;
};

// The number of significant bits of a big-endian unsigned number.
int BitLength(std::string_view big_endian);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_WIRE_H_
