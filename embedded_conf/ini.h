// The configuration file syntax: git-config style INI, as MIG's agent configuration (gcfg) used.
//
//   # comment            ; comment too
//   [agent]
//       heartbeatfreq = 5m
//       tag = env:prod          <- a key may repeat; every value is kept in order
//   [acl "file"]                <- a section with a subsection name
//       minimumweight = 1
//       investigator = "alice:1"   <- quotes are optional; inside them \" \\ \n \t escapes work
//
// Section, subsection-less, and key names are case-insensitive (stored lowercase); values are kept as
// written.
#ifndef MIG_EMBEDDED_CONF_INI_H_
#define MIG_EMBEDDED_CONF_INI_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mig::conf {

struct IniEntry {
  std::string section;     // lowercase
  std::string subsection;  // as written, empty when absent
  std::string key;         // lowercase
  std::string value;
  int line = 0;
};

struct IniSectionHeader {
  std::string section;
  std::string subsection;
  int line = 0;
};

struct IniFile {
  std::vector<IniSectionHeader> sections;  // every header, even of sections without keys
  std::vector<IniEntry> entries;
};

// Parses `text`; `source` names it in errors ("site.conf:12: ...").
absl::StatusOr<IniFile> ParseIni(std::string_view text, std::string_view source);

// Quotes a value for writing it back when it needs quotes (spaces at the ends, '#', ';', '"', '\').
std::string QuoteIniValue(std::string_view value);

}  // namespace mig::conf

#endif  // MIG_EMBEDDED_CONF_INI_H_
