// Files as apt and dpkg leave them: apt's package lists plain or LZ4-compressed (the frame format, which is
// what apt writes with Acquire::GzipIndexes / CompressionTypes::Order lz4), Debian changelogs gzipped.
//
//   MIG_ASSIGN_OR_RETURN(PageBuffer text, ReadMaybeCompressedFile(".../bookworm_main_binary-amd64_Packages.lz4",
//                                                                 1 << 30));
//   Parse(text.view());
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_COMPRESSED_FILE_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_COMPRESSED_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/scribe/policy_sources/page_buffer.h"

namespace mig::modules::scribe::policy_sources {

// One or more concatenated LZ4 frames. Errors name `name`; more than `max_bytes` of output is an error.
absl::StatusOr<PageBuffer> DecompressLz4(std::string_view data, std::string_view name, size_t max_bytes);

// One or more concatenated gzip members.
absl::StatusOr<PageBuffer> DecompressGzip(std::string_view data, std::string_view name, size_t max_bytes);

// The file's contents, decompressed by its suffix: ".lz4" and ".gz" are read through the decompressors, no
// known suffix as it is; ".xz", ".bz2", ".lzma" and ".zst" are InvalidArgument (no decompressor here).
// NotFound when the file does not exist.
absl::StatusOr<PageBuffer> ReadMaybeCompressedFile(const std::string& path, size_t max_bytes);

// The name without a compression suffix ("x_Packages.lz4" -> "x_Packages").
std::string_view WithoutCompressionSuffix(std::string_view name);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_COMPRESSED_FILE_H_
