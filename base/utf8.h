// UTF-8 validation by Go's rules (utf8.DecodeRune: no overlong forms, no surrogates, nothing above U+10FFFF),
// shared by the JSON writer and the display escaping so that both agree on which bytes are text.
//
//   size_t length = ValidUtf8SequenceLength(text, i);   // 1-4, or 0 for an invalid byte at text[i]
//   char32_t c = DecodeUtf8(text.substr(i, length));
#ifndef MIG_BASE_UTF8_H_
#define MIG_BASE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace mig {

// Length of the valid UTF-8 sequence starting at s[i] (i < s.size()), or 0 if the bytes there are not valid.
size_t ValidUtf8SequenceLength(std::string_view s, size_t i);

// The code point of one valid sequence, as ValidUtf8SequenceLength measured it.
char32_t DecodeUtf8(std::string_view sequence);

// Whether every byte of `s` belongs to a valid sequence.
bool IsValidUtf8(std::string_view s);

}  // namespace mig

#endif  // MIG_BASE_UTF8_H_
