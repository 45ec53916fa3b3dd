// The embedding rule, run on the example site: the generated source holds the configuration text and every
// file it refers to, byte for byte, and parses back into the same configuration.
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "embedded_conf/config.h"
#include "embedded_conf/embedded.h"

namespace mig::conf {
namespace {

TEST_CASE("The example site is embedded intact") {
  const EmbeddedConfiguration& embedded = Embedded();
  CHECK(embedded.name == "example.conf");
  absl::StatusOr<std::string> text = ReadConfigFile("embedded_conf/example/example.conf");
  REQUIRE(text.ok());
  CHECK(embedded.text == *text);
  REQUIRE(embedded.file_count == 3);
  for (size_t i = 0; i < embedded.file_count; ++i) {
    absl::StatusOr<std::string> on_disk =
        ReadConfigFile(absl::StrCat("embedded_conf/example/", embedded.files[i].path));
    REQUIRE(on_disk.ok());
    CHECK(embedded.files[i].contents == *on_disk);
  }
}

}  // namespace
}  // namespace mig::conf
