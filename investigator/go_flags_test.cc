#include "investigator/go_flags.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"

namespace mig::investigator {
namespace {

struct Case {
  std::vector<std::string> in;
  std::vector<std::string> out;
};

TEST_CASE("Go-style flags become unambiguous CLI11 flags") {
  CLI::App app;
  CLI::App* file = app.add_subcommand("file");
  std::vector<std::string> paths, modes;
  unsigned depth = 0;
  bool matchany = false, local = false;
  std::string target;
  app.add_flag("--local", local);
  file->add_option("--path", paths);
  file->add_option("--mode", modes);
  file->add_option("--maxdepth", depth);
  file->add_flag("--matchany", matchany);
  file->add_option("-t", target);
  const Case cases[] = {
      {{"-path", "/etc"}, {"--path=/etc"}},
      {{"--path", "/etc"}, {"--path=/etc"}},
      {{"-path=/etc"}, {"--path=/etc"}},
      {{"-mode", "-rw-r--r--"}, {"--mode=-rw-r--r--"}},
      {{"-maxdepth", "2", "-matchany"}, {"--maxdepth=2", "--matchany"}},
      {{"-local", "-path", "/x"}, {"--local", "--path=/x"}},
      {{"-t", "status='online'"}, {"-t", "status='online'"}},
      {{"-path", "-5"}, {"--path=-5"}},
      {{"-t=x"}, {"-t=x"}},
      {{"-path", "/a", "--", "-path"}, {"--path=/a", "--", "-path"}},
      {{"-path"}, {"--path"}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<std::string>> normalized = NormalizeGoFlags(*file, c.in);
    INFO(normalized.status().message());
    REQUIRE(normalized.ok());
    CHECK(*normalized == c.out);
  }
}

TEST_CASE("An unknown flag is an error naming it, never a cluster of short flags") {
  CLI::App app;
  CLI::App* file = app.add_subcommand("file");
  std::vector<std::string> paths;
  std::string target;
  bool print = false;
  file->add_option("--path", paths);
  file->add_option("-t", target);
  file->add_flag("-p", print);
  struct Refused {
    std::vector<std::string> in;
    std::string message;
  };
  const Refused cases[] = {
      {{"-pth", "/etc"}, "unknown flag -pth for `file` (did you mean -path?)"},
      {{"--pth", "/etc"}, "unknown flag --pth for `file` (did you mean -path?)"},
      {{"-path", "/etc", "-bogus"}, "unknown flag -bogus for `file`; `mig file --help` lists its flags"},
      {{"-tp"}, "unknown flag -tp"},
  };
  for (const Refused& c : cases) {
    absl::StatusOr<std::vector<std::string>> normalized = NormalizeGoFlags(*file, c.in);
    INFO(c.in[0]);
    REQUIRE_FALSE(normalized.ok());
    CHECK(absl::StrContains(normalized.status().message(), c.message));
  }
}

}  // namespace
}  // namespace mig::investigator
