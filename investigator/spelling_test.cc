#include "investigator/spelling.h"

#include <optional>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace mig::investigator {
namespace {

struct Case {
  std::string typed;
  std::optional<std::string> closest;
};

TEST_CASE("A mistyped name is matched to the closest known one, or to none") {
  const std::vector<std::string> known = {"path", "name", "content", "maxdepth", "file", "ping", "netstat", "pkg"};
  const Case cases[] = {
      {"pth", "path"},                                                          // a deletion
      {"paht", "path"},                                                         // a transposition
      {"cnotent", "content"},                                                   // a transposition
      {"maxdept", "maxdepth"},                                                  // an abbreviation
      {"fiel", "file"},        {"netsat", "netstat"}, {"bogus", std::nullopt},  // nothing close
      {"zz", std::nullopt},    {"", std::nullopt},    {"pkg", "pkg"},           // itself
  };
  for (const Case& c : cases) {
    INFO(c.typed);
    CHECK(ClosestSpelling(c.typed, known) == c.closest);
  }
}

}  // namespace
}  // namespace mig::investigator
