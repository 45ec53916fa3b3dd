// The configuration compiled into this binary: the site's INI text and the files it refers to, generated at
// build time by //embedded_conf:conf_tool from the site chosen with --//embedded_conf:site (see README).
#ifndef MIG_EMBEDDED_CONF_EMBEDDED_H_
#define MIG_EMBEDDED_CONF_EMBEDDED_H_

#include <cstddef>
#include <string_view>

namespace mig::conf {

struct EmbeddedFile {
  std::string_view path;  // relative to the configuration file
  std::string_view contents;
};

struct EmbeddedConfiguration {
  std::string_view name;  // the configuration file's name, e.g. "default.conf"
  std::string_view text;
  const EmbeddedFile* files;
  size_t file_count;
};

// Defined in the generated source.
const EmbeddedConfiguration& Embedded();

}  // namespace mig::conf

#endif  // MIG_EMBEDDED_CONF_EMBEDDED_H_
