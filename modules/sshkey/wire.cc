#include "modules/sshkey/wire.h"

#include <bit>

#include "absl/strings/str_cat.h"

namespace mig::modules::sshkey {

absl::StatusOr<uint32_t> WireReader::Uint32() {
  if (data_.size() < 4) return absl::InvalidArgumentError("truncated: a 4-byte integer is missing");
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(data_[i]);
  data_.remove_prefix(4);
  return value;
}

absl::StatusOr<uint8_t> WireReader::Byte() {
  if (data_.empty()) return absl::InvalidArgumentError("truncated: a byte is missing");
  uint8_t value = static_cast<uint8_t>(data_[0]);
  data_.remove_prefix(1);
  return value;
}

absl::StatusOr<std::string_view> WireReader::String() {
  absl::StatusOr<uint32_t> length = Uint32();
  if (!length.ok()) return length.status();
  if (*length > data_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("truncated: a string of ", *length, " bytes with ", data_.size(), " bytes left"));
  }
  std::string_view value = data_.substr(0, *length);
  data_.remove_prefix(*length);
  return value;
}

absl::StatusOr<std::string_view> WireReader::Mpint() {
  absl::StatusOr<std::string_view> value = String();
  if (!value.ok()) return value.status();
  if (!value->empty() && (static_cast<uint8_t>((*value)[0]) & 0x80) != 0) {
    return absl::InvalidArgumentError("negative mpint");
  }
  // RFC 4251: zero is the empty string, and no other leading zero byte is needed unless the next byte's top
  // bit is set.
  if (!value->empty() && (*value)[0] == 0 && (value->size() == 1 || (static_cast<uint8_t>((*value)[1]) & 0x80) == 0)) {
    return absl::InvalidArgumentError("mpint with a superfluous leading zero");
  }
  return value;
}

int BitLength(std::string_view big_endian) {
  size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == 0) ++i;
  if (i == big_endian.size()) return 0;
  int top = std::bit_width(static_cast<unsigned>(static_cast<uint8_t>(big_endian[i])));
  return static_cast<int>((big_endian.size() - i - 1) * 8) + top;
}

}  // namespace mig::modules::sshkey
