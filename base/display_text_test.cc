#include "base/display_text.h"

#include <set>
#include <string>

#include "catch2/catch.hpp"

namespace mig {
namespace {

TEST_CASE("class forged-output: host text is shown escaped, on one line") {
  struct Case {
    std::string in;
    std::string shown;
  };
  const Case kCases[] = {
      {"/usr/bin/ls", "/usr/bin/ls"},
      {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"},
      {"a\n/etc/shadow [lastmodified:x] in search 's1'\nz", "a\\n/etc/shadow [lastmodified:x] in search 's1'\\nz"},
      {"back\\slash", "back\\\\slash"},
      {"tab\there\rcr", "tab\\there\\rcr"},
      {"\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"},
      {std::string("nul\0byte", 8), "nul\\x00byte"},
      {"del\x7f", "del\\x7f"},
      {"bad\xff.txt", "bad\\xff.txt"},
      {"bad\xfe.txt", "bad\\xfe.txt"},
      {"trunc\xe6\x97", "trunc\\xe6\\x97"},
      {"overlong\xc0\xaf", "overlong\\xc0\\xaf"},
      {"surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80"},
      {"c1\xc2\x85next", "c1\\u0085next"},
      {"rlo\xe2\x80\xaegnp.exe", "rlo\\u202egnp.exe"},
      {"zero\xe2\x80\x8bwidth", "zero\\u200bwidth"},
      {"line\xe2\x80\xa8sep", "line\\u2028sep"},
      {"bom\xef\xbb\xbf", "bom\\ufeff"},
  };
  for (const Case& c : kCases) {
    INFO(c.shown);
    CHECK(EscapeForDisplay(c.in) == c.shown);
    CHECK(EscapeForDisplay(c.in).find('\n') == std::string::npos);
  }
  // Different names never look the same (the escaping is injective on these).
  std::set<std::string> shown;
  for (const Case& c : kCases) shown.insert(EscapeForDisplay(c.in));
  CHECK(shown.size() == std::size(kCases));
  CHECK(EscapeForDisplay("a\\x41") != EscapeForDisplay("aA"));
}

TEST_CASE("class forged-output: the last net keeps backslashes and, if asked, newlines and tabs") {
  CHECK(EscapeControls("line one\nline\x1b two\\") == "line one\\nline\\x1b two\\");
  CHECK(EscapeControls("line\tone\nline\x1b two", /*keep_layout=*/true) == "line\tone\nline\\x1b two");
  CHECK(EscapeControls("bad\xff") == "bad\\xff");
}

}  // namespace
}  // namespace mig
