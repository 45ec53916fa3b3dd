// A file descriptor, or a directory stream, with exactly one owner: closed when the owner goes away, on
// every path, moved but never copied.
//
//   UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
//   if (!fd.valid()) return ErrnoError("open", path, errno);
//   read(fd.get(), ...);
//   int raw = fd.release();   // the caller owns it now
//
//   UniqueDir dir(opendir(path));
//   while (struct dirent* entry = readdir(dir.get())) ...   // closedir()ed however the loop ends
#ifndef MIG_BASE_UNIQUE_FD_H_
#define MIG_BASE_UNIQUE_FD_H_

#include <dirent.h>
#include <unistd.h>

#include <memory>
#include <utility>

namespace mig {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  // Closes what is held (if anything) and holds `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};
using UniqueDir = std::unique_ptr<DIR, DirCloser>;

}  // namespace mig

#endif  // MIG_BASE_UNIQUE_FD_H_
