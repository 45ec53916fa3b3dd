#include "modules/scribe/policy_sources/test_files.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "lz4frame.h"

namespace mig::modules::scribe::policy_sources {
namespace {

void MakeParents(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
  }
}

}  // namespace

std::string NewTestDir(std::string_view name) {
  static int counter = 0;
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, ".", getpid(), ".", ++counter);
  MakeParents(dir + "/");
  struct stat st;
  REQUIRE(stat(dir.c_str(), &st) == 0);
  return dir;
}

void WriteTestFile(const std::string& path, std::string_view contents) {
  MakeParents(path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  REQUIRE(out.good());
}

std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void MakeSymlink(const std::string& target, const std::string& path) {
  MakeParents(path);
  REQUIRE(symlink(target.c_str(), path.c_str()) == 0);
}

std::string Lz4Frame(std::string_view data) {
  std::string out(LZ4F_compressFrameBound(data.size(), nullptr), '\0');
  size_t size = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), nullptr);
  REQUIRE(!LZ4F_isError(size));
  out.resize(size);
  return out;
}

std::string Gzip(std::string_view data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(z.total_out);
  return out;
}

std::vector<std::string> TestIds(const PolicyBuilder& builder) {
  std::vector<std::string> ids;
  for (const PolicyTest& test : builder.tests()) ids.push_back(test.id);
  return ids;
}

const PolicyTest& FindTest(const PolicyBuilder& builder, std::string_view id) {
  for (const PolicyTest& test : builder.tests()) {
    if (test.id == id) return test;
  }
  FAIL("no test " << id);
  throw;
}

}  // namespace mig::modules::scribe::policy_sources
