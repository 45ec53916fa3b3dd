#include "base/display_text.h"

#include "absl/strings/str_format.h"
#include "base/utf8.h"

namespace mig {
namespace {

// Code points shown as \uHHHH although valid: they are invisible, or change how the text around them looks.
bool HidesOrReorders(char32_t c) {
  return (c >= 0x80 && c <= 0x9F) ||      // C1 controls
         c == 0xAD ||                     // soft hyphen
         (c >= 0x200B && c <= 0x200F) ||  // zero-width space/joiners, LRM, RLM
         (c >= 0x2028 && c <= 0x202E) ||  // line/paragraph separators, bidi embeddings and overrides
         (c >= 0x2060 && c <= 0x2069) ||  // word joiner, invisible operators, bidi isolates
         c == 0xFEFF ||                   // byte-order mark
         (c >= 0xFFF9 && c <= 0xFFFB);    // interlinear annotations
}

std::string Escape(std::string_view text, bool escape_backslash, bool keep_layout) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '\\' && escape_backslash) out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '\a':
          out.append("\\a");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\t':
          out.append(keep_layout ? "\t" : "\\t");
          break;
        case '\n':
          out.append(keep_layout ? "\n" : "\\n");
          break;
        case '\v':
          out.append("\\v");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\r':
          out.append("\\r");
          break;
        default:
          absl::StrAppendFormat(&out, "\\x%02x", c);
      }
      ++i;
      continue;
    }
    const size_t length = ValidUtf8SequenceLength(text, i);
    if (length == 0) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
      ++i;
      continue;
    }
    const char32_t code_point = DecodeUtf8(text.substr(i, length));
    if (HidesOrReorders(code_point)) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<uint32_t>(code_point));
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace

std::string EscapeForDisplay(std::string_view host_text) {
  return Escape(host_text, /*escape_backslash=*/true, /*keep_layout=*/false);
}

std::string EscapeControls(std::string_view text, bool keep_layout) {
  return Escape(text, /*escape_backslash=*/false, keep_layout);
}

}  // namespace mig
