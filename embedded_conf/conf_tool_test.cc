// The build-time validator: a valid site produces a source file; an invalid one fails (so the build fails)
// with a message naming the file, the line and the problem.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace {

struct Outcome {
  int exit_code;
  std::string output;
};

Outcome RunTool(const std::string& conf_text, const std::string& extra_args) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = tmp ? tmp : "/tmp";
  std::string conf = dir + "/site.conf";
  std::ofstream(conf) << conf_text;
  std::string command = absl::StrCat("embedded_conf/conf_tool --conf ", conf, " --name site.conf --out ", dir,
                                     "/out.cc ", extra_args, " 2>&1");
  Outcome outcome{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) outcome.output.append(buf, n);
  int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

TEST_CASE("conf_tool accepts a valid site and embeds its files") {
  Outcome ok = RunTool("[certs]\nca = ca.pem\n", "--file ca.pem=embedded_conf/example/ca.pem");
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
}

TEST_CASE("conf_tool fails on an invalid site, naming the problem") {
  Outcome bad = RunTool("[agent]\nmoduletimeout = soon\n", "");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.output, Catch::Contains("invalid mig configuration"));
  CHECK_THAT(bad.output, Catch::Contains("site.conf:2: 'soon' is not a positive duration"));
}

TEST_CASE("conf_tool fails when a referenced file is not part of the site") {
  Outcome missing = RunTool("[certs]\nca = ca.pem\n", "");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.output, Catch::Contains("ca.pem is not among the site's files"));
}

}  // namespace
