// The INI reader's write-back: what QuoteIniValue writes reads back as the same value.
#include "embedded_conf/ini.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::conf {
namespace {

// `mig config show` writes values with QuoteIniValue; what it prints must be what was configured. Found by
// ini_fuzzer: a value ending in '\v' (or '\f', '\r') was written bare and lost that byte when read back.
TEST_CASE("class lossless-write-back: a quoted value reads back as itself") {
  const std::string kValues[] = {
      "plain",        "",    " leading", "trailing ", "x\v", "x\f",         "x\r",     "\fx",
      "\tx",          "a#b", "a;b",      "a\\b",      "q\"", "line\nbreak", "tab\tin", std::string("nul\0in", 6),
      "\x7f\x80\xff",
  };
  for (const std::string& value : kValues) {
    std::string text = absl::StrCat("[s]\nk = ", QuoteIniValue(value), "\n");
    INFO(text);
    absl::StatusOr<IniFile> file = ParseIni(text, "written.conf");
    REQUIRE(file.ok());
    REQUIRE(file->entries.size() == 1);
    CHECK(file->entries[0].value == value);
  }
}

}  // namespace
}  // namespace mig::conf
