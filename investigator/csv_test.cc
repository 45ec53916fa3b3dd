#include "investigator/csv.h"

#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace mig::investigator {
namespace {

struct Case {
  std::vector<std::string> fields;
  std::string row;
};

TEST_CASE("CSV rows quote what must be quoted and keep formulas text") {
  const Case cases[] = {
      {{"web1", "online"}, "web1,online\r\n"},
      {{"a,b", "say \"hi\""}, "\"a,b\",\"say \"\"hi\"\"\"\r\n"},
      {{"two\nlines"}, "\"two\nlines\"\r\n"},
      {{"=HYPERLINK(\"http://evil\")"}, "\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n"},  // class csv-injection
      {{"+1", "-1", "@SUM(A1)"}, "'+1,'-1,'@SUM(A1)\r\n"},
      {{"", ""}, ",\r\n"},
  };
  for (const Case& c : cases) CHECK(CsvRow(c.fields) == c.row);
}

}  // namespace
}  // namespace mig::investigator
