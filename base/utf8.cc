#include "base/utf8.h"

namespace mig {

size_t ValidUtf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) return 1;
  size_t left = s.size() - i;
  auto cont = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    return (left >= 2 && (cont(1) & 0xC0) == 0x80) ? 2 : 0;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (left < 3) return 0;
    unsigned char c1 = cont(1);
    unsigned char lo = c0 == 0xE0 ? 0xA0 : 0x80;
    unsigned char hi = c0 == 0xED ? 0x9F : 0xBF;
    if (c1 < lo || c1 > hi || (cont(2) & 0xC0) != 0x80) return 0;
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (left < 4) return 0;
    unsigned char c1 = cont(1);
    unsigned char lo = c0 == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c0 == 0xF4 ? 0x8F : 0xBF;
    if (c1 < lo || c1 > hi || (cont(2) & 0xC0) != 0x80 || (cont(3) & 0xC0) != 0x80) return 0;
    return 4;
  }
  return 0;
}

char32_t DecodeUtf8(std::string_view sequence) {
  auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(sequence[k])); };
  switch (sequence.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    case 4:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    default:
      return 0xFFFD;
  }
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t length = ValidUtf8SequenceLength(s, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace mig
