// Decompression of apt's LZ4 lists and gzipped changelogs, whole frames and members, and the errors for
// damaged, truncated, oversized and unsupported files.
#include "modules/scribe/policy_sources/compressed_file.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy_sources/test_files.h"

namespace mig::modules::scribe::policy_sources {
namespace {

std::string Text(size_t lines) {
  std::string text;
  for (size_t i = 0; i < lines; ++i) absl::StrAppend(&text, "Package: p", i, "\nVersion: 1.", i, "-1\n\n");
  return text;
}

TEST_CASE("Files read back as they were written, compressed or not") {
  std::string dir = NewTestDir("compressed");
  const std::string small = "Package: a\nVersion: 1\n";
  const std::string large = Text(50000);  // more than one LZ4 block, and output regrowth
  struct Case {
    const char* name;
    std::string contents;
    std::string expected;
  };
  const Case cases[] = {
      {"plain_Packages", small, small},
      {"empty_Packages", "", ""},
      {"one_Packages.lz4", Lz4Frame(small), small},
      {"large_Packages.lz4", Lz4Frame(large), large},
      {"two_frames_Packages.lz4", Lz4Frame(small) + Lz4Frame(large), small + large},
      {"changelog.Debian.gz", Gzip(large), large},
      {"two_members.gz", Gzip(small) + Gzip(small), small + small},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::string path = absl::StrCat(dir, "/", c.name);
    WriteTestFile(path, c.contents);
    absl::StatusOr<PageBuffer> read = ReadMaybeCompressedFile(path, 64 << 20);
    INFO(read.status().message());
    REQUIRE(read.ok());
    CHECK(read->view() == c.expected);
    // simdjson's padding: zeros after the contents.
    CHECK(std::string_view(read->data() + read->size(), PageBuffer::kPadding) ==
          std::string(PageBuffer::kPadding, '\0'));
  }
}

TEST_CASE("Damaged, truncated, oversized and unsupported files are errors naming the file") {
  std::string dir = NewTestDir("compressed_bad");
  const std::string text = Text(1000);
  std::string lz4 = Lz4Frame(text);
  std::string gz = Gzip(text);
  const std::string zeros(100000, '\0');  // compresses to far less than it decompresses to
  std::string corrupt_lz4 = lz4;
  corrupt_lz4[0] = 'X';  // bad magic number
  struct Case {
    const char* name;
    std::string contents;
    size_t max_bytes;
    absl::StatusCode code;
    std::string message;  // after "<path>: "
  };
  const Case cases[] = {
      {"a.lz4", lz4.substr(0, lz4.size() / 2), 1 << 20, absl::StatusCode::kInvalidArgument,
       "truncated LZ4 data (a frame does not end)"},
      {"b.lz4", corrupt_lz4, 1 << 20, absl::StatusCode::kInvalidArgument,
       "not valid LZ4 frame data (ERROR_frameType_unknown)"},
      {"c.lz4", Lz4Frame(zeros), 1000, absl::StatusCode::kInvalidArgument, "decompresses to more than 1000 bytes"},
      {"d.gz", gz.substr(0, gz.size() / 2), 1 << 20, absl::StatusCode::kInvalidArgument, "truncated gzip data"},
      {"e.gz", "not gzip at all", 1 << 20, absl::StatusCode::kInvalidArgument,
       "not valid gzip data (incorrect header check)"},
      {"f.gz", Gzip(zeros), 1000, absl::StatusCode::kInvalidArgument, "decompresses to more than 1000 bytes"},
      {"x_Packages.xz", "whatever", 1 << 20, absl::StatusCode::kInvalidArgument,
       "xz-compressed files are not supported (mig reads plain, .lz4 and .gz files)"},
      {"x_Packages.zst", "whatever", 1 << 20, absl::StatusCode::kInvalidArgument,
       "zst-compressed files are not supported (mig reads plain, .lz4 and .gz files)"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::string path = absl::StrCat(dir, "/", c.name);
    WriteTestFile(path, c.contents);
    absl::StatusOr<PageBuffer> read = ReadMaybeCompressedFile(path, c.max_bytes);
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == c.code);
    CHECK(read.status().message() == absl::StrCat(path, ": ", c.message));
  }
  CHECK(ReadMaybeCompressedFile(dir + "/missing.lz4", 100).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("Page buffers keep their contents as they grow, and zeros after them") {
  PageBuffer buffer;
  CHECK(buffer.view().empty());
  REQUIRE(buffer.Reserve(10));
  std::memcpy(buffer.data(), "0123456789", 10);
  buffer.Resize(10);
  REQUIRE(buffer.Reserve(8 << 20));  // huge pages, and a move of the mapping
  CHECK(buffer.capacity() >= (8 << 20));
  CHECK(buffer.view() == "0123456789");
  buffer.Resize(4);
  CHECK(buffer.view() == "0123");
  CHECK(std::string_view(buffer.data() + 4, PageBuffer::kPadding) == std::string(PageBuffer::kPadding, '\0'));
  PageBuffer moved = std::move(buffer);
  CHECK(moved.view() == "0123");
  CHECK(buffer.view().empty());
  CHECK(ReadFileToBuffer("/nonexistent", 10).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("Compression suffixes come off list names") {
  CHECK(WithoutCompressionSuffix("a_Packages.lz4") == "a_Packages");
  CHECK(WithoutCompressionSuffix("a_Packages.gz") == "a_Packages");
  CHECK(WithoutCompressionSuffix("a_Packages.xz") == "a_Packages");
  CHECK(WithoutCompressionSuffix("a_Packages") == "a_Packages");
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
