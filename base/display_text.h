// Text from the hosts — file names, process names, package fields, key comments, error messages, and every
// other string a module's result carries, since an agent's result is only as honest as its host — made safe
// to show on a terminal or to write in a log line: nothing in it can end a line, move the cursor, recolour the
// screen or reorder what is shown, and two different byte strings never look the same.
//
//   std::cout << EscapeForDisplay(file_name);      // "a\nb" -> a\nb, "bad\xff" -> bad\xff, "a\\b" -> a\\b
//   log::Info("agent", EscapeControls(message));   // one log line, whatever the message holds
#ifndef MIG_BASE_DISPLAY_TEXT_H_
#define MIG_BASE_DISPLAY_TEXT_H_

#include <string>
#include <string_view>

namespace mig {

// Like `ls -b` or Go's %q without the quotes: a backslash is doubled; \a \b \t \n \v \f \r stand for those
// controls, every other control byte (C0, DEL) and every byte that is not part of valid UTF-8 becomes \xHH;
// C1 controls and the Unicode characters that hide or reorder text (bidirectional overrides and isolates,
// zero-width characters, line and paragraph separators, the byte-order mark) become \uHHHH. Printable UTF-8
// is kept as it is. The result is one line, and maps back to exactly one byte string.
std::string EscapeForDisplay(std::string_view host_text);

// The same escapes, except that a backslash is kept, and `keep_layout` keeps '\n' and '\t': for text already
// assembled from trusted words and escaped fields (a renderer's output, a log message), as a last net, and for
// text that is not a name (an investigator's regex echoed back) where doubling backslashes would only mislead.
std::string EscapeControls(std::string_view text, bool keep_layout = false);

}  // namespace mig

#endif  // MIG_BASE_DISPLAY_TEXT_H_
