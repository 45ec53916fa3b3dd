#include "test/shell.h"

#include <cstdio>

#include "catch2/catch.hpp"

namespace mig::test {
namespace {

std::string Run(const std::string& command, bool must_succeed) {
  FILE* pipe = popen(command.c_str(), "r");
  INFO(command);
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  int status = pclose(pipe);
  if (must_succeed) REQUIRE(status == 0);
  return out;
}

}  // namespace

std::string Shell(const std::string& command) { return Run(command, true); }
std::string ShellOutput(const std::string& command) { return Run(command, false); }

}  // namespace mig::test
