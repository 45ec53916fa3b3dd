// Test inputs written in the real formats (files under TEST_TMPDIR, LZ4 frames, gzip members), and a look
// into what a PolicyBuilder collected.
//
//   std::string dir = NewTestDir("lists");
//   WriteTestFile(dir + "/x_Packages.lz4", Lz4Frame("Package: a\nVersion: 1\n"));
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_TEST_FILES_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_TEST_FILES_H_

#include <string>
#include <string_view>
#include <vector>

#include "modules/scribe/policy_sources/policy_builder.h"

namespace mig::modules::scribe::policy_sources {

// A new, empty directory under TEST_TMPDIR (each call a different one).
std::string NewTestDir(std::string_view name);
// Writes the file, creating missing parent directories.
void WriteTestFile(const std::string& path, std::string_view contents);
std::string ReadTestFile(const std::string& path);
void MakeSymlink(const std::string& target, const std::string& path);

// One LZ4 frame holding `data`, as `lz4` writes it.
std::string Lz4Frame(std::string_view data);
// One gzip member holding `data`, as `gzip` writes it.
std::string Gzip(std::string_view data);

// The ids of the builder's tests, in order; the test with that id (the test fails when there is none).
std::vector<std::string> TestIds(const PolicyBuilder& builder);
const PolicyTest& FindTest(const PolicyBuilder& builder, std::string_view id);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_TEST_FILES_H_
