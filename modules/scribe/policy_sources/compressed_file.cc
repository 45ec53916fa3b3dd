#include "modules/scribe/policy_sources/compressed_file.h"

#include <zlib.h>

#include <algorithm>
#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "lz4frame.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr std::array<std::string_view, 4> kUnsupportedSuffixes = {".xz", ".bz2", ".lzma", ".zst"};
constexpr size_t kInitialOutput = 1 << 16;

absl::Status TooLarge(std::string_view name, size_t max_bytes) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": decompresses to more than ", max_bytes, " bytes"));
}

// Room for more output: doubles the buffer, bounded by max_bytes + 1 (one byte more tells "too large").
absl::Status Grow(PageBuffer& out, size_t wanted, std::string_view name, size_t max_bytes) {
  if (out.capacity() > max_bytes) return TooLarge(name, max_bytes);
  if (!out.Reserve(std::min(std::max({wanted, out.capacity() * 2, kInitialOutput}), max_bytes + 1))) {
    return absl::ResourceExhaustedError(absl::StrCat(name, ": cannot allocate memory to decompress it"));
  }
  return absl::OkStatus();
}

struct Lz4Context {
  LZ4F_dctx* dctx = nullptr;
  ~Lz4Context() { LZ4F_freeDecompressionContext(dctx); }
};

struct InflateStream {
  z_stream z{};
  bool initialized = false;
  ~InflateStream() {
    if (initialized) inflateEnd(&z);
  }
};

}  // namespace

absl::StatusOr<PageBuffer> DecompressLz4(std::string_view data, std::string_view name, size_t max_bytes) {
  Lz4Context context;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&context.dctx, LZ4F_VERSION))) {
    return absl::ResourceExhaustedError(absl::StrCat(name, ": cannot allocate an LZ4 decompression context"));
  }
  PageBuffer out;
  // Package lists compress about 5:1; start near the final size to avoid most regrowth.
  MIG_RETURN_IF_ERROR(Grow(out, data.size() * 5, name, max_bytes));
  size_t produced = 0;
  bool frame_ended = data.empty();
  while (!data.empty()) {
    if (produced == out.capacity()) MIG_RETURN_IF_ERROR(Grow(out, 0, name, max_bytes));
    size_t dst_size = out.capacity() - produced;
    size_t src_size = data.size();
    size_t hint = LZ4F_decompress(context.dctx, out.data() + produced, &dst_size, data.data(), &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": not valid LZ4 frame data (", LZ4F_getErrorName(hint), ")"));
    }
    produced += dst_size;
    data.remove_prefix(src_size);
    frame_ended = hint == 0;
  }
  if (produced > max_bytes) return TooLarge(name, max_bytes);
  if (!frame_ended) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": truncated LZ4 data (a frame does not end)"));
  }
  out.Resize(produced);
  return out;
}

absl::StatusOr<PageBuffer> DecompressGzip(std::string_view data, std::string_view name, size_t max_bytes) {
  InflateStream stream;
  z_stream& z = stream.z;
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return absl::ResourceExhaustedError(absl::StrCat(name, ": cannot allocate a gzip decompressor"));
  }
  stream.initialized = true;
  PageBuffer out;
  MIG_RETURN_IF_ERROR(Grow(out, data.size() * 4, name, max_bytes));
  size_t produced = 0;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  while (true) {
    if (produced == out.capacity()) MIG_RETURN_IF_ERROR(Grow(out, 0, name, max_bytes));
    size_t room = std::min<size_t>(out.capacity() - produced, UINT32_MAX);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(room);
    int rc = inflate(&z, Z_NO_FLUSH);
    produced += room - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // another member follows
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && produced == out.capacity()) continue;  // only needs more room
    if (rc == Z_BUF_ERROR) return absl::InvalidArgumentError(absl::StrCat(name, ": truncated gzip data"));
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not valid gzip data (", z.msg != nullptr ? z.msg : zError(rc), ")"));
  }
  if (produced > max_bytes) return TooLarge(name, max_bytes);
  out.Resize(produced);
  return out;
}

std::string_view WithoutCompressionSuffix(std::string_view name) {
  for (std::string_view suffix : {".lz4", ".gz"}) {
    if (absl::EndsWith(name, suffix)) return name.substr(0, name.size() - suffix.size());
  }
  for (std::string_view suffix : kUnsupportedSuffixes) {
    if (absl::EndsWith(name, suffix)) return name.substr(0, name.size() - suffix.size());
  }
  return name;
}

absl::StatusOr<PageBuffer> ReadMaybeCompressedFile(const std::string& path, size_t max_bytes) {
  for (std::string_view suffix : kUnsupportedSuffixes) {
    if (absl::EndsWith(path, suffix)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", suffix.substr(1), "-compressed files are not supported (mig reads plain, .lz4 and .gz files)"));
    }
  }
  MIG_ASSIGN_OR_RETURN(PageBuffer raw, ReadFileToBuffer(path, max_bytes));
  if (absl::EndsWith(path, ".lz4")) return DecompressLz4(raw.view(), path, max_bytes);
  if (absl::EndsWith(path, ".gz")) return DecompressGzip(raw.view(), path, max_bytes);
  return raw;
}

}  // namespace mig::modules::scribe::policy_sources
