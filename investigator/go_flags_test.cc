#include "investigator/go_flags.h"

#include <string>
#include <vector>

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
      {{"-unknown", "x"}, {"-unknown", "x"}},
      {{"-path", "/a", "--", "-path"}, {"--path=/a", "--", "-path"}},
      {{"-path"}, {"--path"}},
  };
  for (const Case& c : cases) {
    CHECK(NormalizeGoFlags(*file, c.in) == c.out);
  }
}

}  // namespace
}  // namespace mig::investigator
