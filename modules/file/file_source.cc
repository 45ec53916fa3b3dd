#include "modules/file/file_source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/unique_fd.h"
#include "zlib.h"

namespace mig::modules::file {

std::string ErrnoText(int error_number) {
  std::string text = strerror(error_number);
  if (!text.empty()) text[0] = absl::ascii_tolower(static_cast<unsigned char>(text[0]));
  return text;
}

struct FileSource::Gzip {
  z_stream stream{};
  std::vector<unsigned char> input = std::vector<unsigned char>(256 << 10);
  bool input_exhausted = false;
  bool finished = false;
  uint64_t produced = 0;

  Gzip() { inflateInit2(&stream, 16 + MAX_WBITS); }
  ~Gzip() { inflateEnd(&stream); }
};

int OpenWithoutAtime(int dir_fd, const char* path, int flags) {
  flags |= O_CLOEXEC;
  long fd = syscall(SYS_openat, dir_fd, path, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = syscall(SYS_openat, dir_fd, path, flags);
  return static_cast<int>(fd);
}

int OpenDirectoryAtAnyDepth(const std::string& path, int flags) {
  if (path.size() < PATH_MAX) return OpenWithoutAtime(AT_FDCWD, path.c_str(), flags);
  // Longer than the kernel takes in one call: one stretch at a time, each opened relative to the one before
  // (as find(1) does), so that no depth hides a file.
  UniqueFd current;
  size_t start = 0;
  while (true) {
    size_t end = path.size();
    if (end - start >= PATH_MAX) {
      end = path.rfind('/', start + PATH_MAX - 1);
      if (end == std::string::npos || end <= start) {
        errno = ENAMETOOLONG;
        return -1;
      }
    }
    const bool last = end == path.size();
    std::string stretch = path.substr(start, end - start);
    int fd = OpenWithoutAtime(current.valid() ? current.get() : AT_FDCWD, stretch.c_str(),
                              last ? flags : O_RDONLY | O_DIRECTORY);
    if (fd < 0 || last) return fd;
    current.reset(fd);
    start = end + 1;
  }
}

FileSource::FileSource() = default;

FileSource::~FileSource() {
  if (fd_ >= 0) close(fd_);
}

absl::Status FileSource::Open(int dir_fd, const char* name, const std::string& display_path, bool decompress) {
  path_ = display_path;
  fd_ = OpenWithoutAtime(dir_fd, name, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (fd_ < 0) {
    int error = errno;
    return absl::Status(error == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kUnavailable,
                        absl::StrCat("open ", path_, ": ", ErrnoText(error)));
  }
  if (fstat(fd_, &stat_) != 0) return absl::UnavailableError(absl::StrCat("stat ", path_, ": ", ErrnoText(errno)));
  // O_NONBLOCK guarded the open against FIFOs and devices; on a regular file it does not change reads.
  if (!S_ISREG(stat_.st_mode)) return absl::FailedPreconditionError(absl::StrCat(path_, " is not a regular file"));
  if (stat_.st_size > (1 << 20)) posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (!decompress) return absl::OkStatus();

  // Peek at the magic number. /proc and /sys files report size 0 yet have content, so always read.
  char magic[2];
  size_t got = 0;
  while (got < sizeof(magic)) {
    absl::StatusOr<size_t> n = ReadFd(magic + got, sizeof(magic) - got);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    got += *n;
  }
  if (got == 2 && static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b) {
    gzip_ = std::make_unique<Gzip>();
    gzip_->input[0] = 0x1f;
    gzip_->input[1] = 0x8b;
    gzip_->stream.next_in = gzip_->input.data();
    gzip_->stream.avail_in = 2;
  } else {
    peeked_.assign(magic, got);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> FileSource::ReadRaw(char* buffer, size_t capacity) {
  if (peeked_offset_ < peeked_.size()) {
    size_t n = std::min(capacity, peeked_.size() - peeked_offset_);
    memcpy(buffer, peeked_.data() + peeked_offset_, n);
    peeked_offset_ += n;
    return n;
  }
  return ReadFd(buffer, capacity);
}

absl::StatusOr<size_t> FileSource::ReadFd(char* buffer, size_t capacity) {
  // The size fstat() gave at open is where the content ends: a file that grows while it is read (a log being
  // written, or one made to grow for ever) is read as it was, and the read() that returns 0 is saved on every
  // file. Files that report no size (/proc, /sys) are read until read() says the end, within a bound.
  const uint64_t end = stat_.st_size > 0 ? static_cast<uint64_t>(stat_.st_size) : kMaxUnsizedFileBytes;
  if (delivered_ >= end) return 0;
  capacity = static_cast<size_t>(std::min<uint64_t>(capacity, end - delivered_));
  while (true) {
    ssize_t n = read(fd_, buffer, capacity);
    if (n >= 0) {
      delivered_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) return absl::UnavailableError(absl::StrCat("read ", path_, ": ", ErrnoText(errno)));
  }
}

absl::Status FileSource::RefillGzipInput() {
  Gzip& g = *gzip_;
  z_stream& z = g.stream;
  // Keep what inflate has not consumed (a member's header may straddle two reads).
  memmove(g.input.data(), z.next_in, z.avail_in);
  absl::StatusOr<size_t> n = ReadFd(reinterpret_cast<char*>(g.input.data()) + z.avail_in, g.input.size() - z.avail_in);
  if (!n.ok()) return n.status();
  if (*n == 0) g.input_exhausted = true;
  z.next_in = g.input.data();
  z.avail_in += static_cast<unsigned int>(*n);
  return absl::OkStatus();
}

absl::StatusOr<size_t> FileSource::ReadGzip(char* buffer, size_t capacity) {
  Gzip& g = *gzip_;
  if (g.finished) return 0;
  z_stream& z = g.stream;
  z.next_out = reinterpret_cast<unsigned char*>(buffer);
  const size_t want = std::min<size_t>(capacity, 1u << 30);
  z.avail_out = static_cast<unsigned int>(want);
  while (z.avail_out > 0) {
    if (z.avail_in == 0 && !g.input_exhausted) {
      absl::Status refill = RefillGzipInput();
      if (!refill.ok()) return refill;
    }
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      // Another member may follow, as in `cat a.gz b.gz`. Anything else after a member is ignored, as gzip -d
      // does with trailing padding.
      while (z.avail_in < 2 && !g.input_exhausted) {
        absl::Status refill = RefillGzipInput();
        if (!refill.ok()) return refill;
      }
      if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
        inflateReset(&z);
        continue;
      }
      g.finished = true;
      break;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && g.input_exhausted) {
      return absl::DataLossError(absl::StrCat("gzip ", path_, ": unexpected end of compressed data"));
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return absl::DataLossError(
          absl::StrCat("gzip ", path_, ": ", z.msg != nullptr ? z.msg : "corrupt compressed data"));
    }
  }
  size_t produced = want - z.avail_out;
  g.produced += produced;
  if (g.produced > kMaxDecompressedBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("gzip ", path_, ": decompresses to more than ",
                                                     kMaxDecompressedBytes >> 30, " GiB; not inspected"));
  }
  return produced;
}

absl::StatusOr<size_t> FileSource::Read(char* buffer, size_t capacity) {
  if (capacity == 0) return 0;
  return gzip_ ? ReadGzip(buffer, capacity) : ReadRaw(buffer, capacity);
}

}  // namespace mig::modules::file
