#include "modules/sshkey/der.h"

#include "absl/strings/str_cat.h"

namespace mig::modules::sshkey {

absl::StatusOr<std::string_view> DerReader::Read(uint8_t tag) {
  if (data_.size() < 2) return absl::InvalidArgumentError("truncated DER element");
  uint8_t actual = static_cast<uint8_t>(data_[0]);
  if (actual != tag) {
    return absl::InvalidArgumentError(
        absl::StrCat("DER tag 0x", absl::Hex(actual), " where 0x", absl::Hex(tag), " was expected"));
  }
  size_t length = static_cast<uint8_t>(data_[1]);
  size_t header = 2;
  if (length & 0x80) {
    size_t length_bytes = length & 0x7f;
    // Four length bytes describe 4 GiB, more than any key file this module reads.
    if (length_bytes == 0 || length_bytes > 4 || data_.size() < 2 + length_bytes) {
      return absl::InvalidArgumentError("invalid DER length");
    }
    length = 0;
    for (size_t i = 0; i < length_bytes; ++i) length = (length << 8) | static_cast<uint8_t>(data_[2 + i]);
    header += length_bytes;
  }
  if (length > data_.size() - header) return absl::InvalidArgumentError("DER element longer than its container");
  std::string_view contents = data_.substr(header, length);
  data_.remove_prefix(header + length);
  return contents;
}

}  // namespace mig::modules::sshkey
