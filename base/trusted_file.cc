#include "base/trusted_file.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/files.h"

namespace mig {
namespace {

std::string WhoMayWrite(uid_t user) { return user == 0 ? std::string("root") : absl::StrCat("root or uid ", user); }

absl::Status Refuse(const std::string& path, std::string_view what, const std::string& at_fault, const struct stat& st,
                    uid_t user) {
  std::string why;
  std::string fix;
  if (st.st_uid != 0 && st.st_uid != user) {
    why = absl::StrCat("is owned by uid ", st.st_uid);
    fix = absl::StrCat("chown ", user, " ", at_fault);
  } else {
    why = (st.st_mode & S_IWOTH) != 0 ? "is writable by others" : "is writable by its group";
    fix = absl::StrCat("chmod go-w ", at_fault);
  }
  std::string subject = at_fault == path ? std::string("it") : absl::StrCat(what, " ", at_fault);
  return absl::PermissionDeniedError(absl::StrFormat(
      "refusing %s: %s %s (mode %04o, owner uid %d); a file that grants trust, and every directory above it, "
      "may be changeable by %s only (%s)",
      path, subject, why, st.st_mode & 07777, st.st_uid, WhoMayWrite(user), fix));
}

// "/a/b/c" -> "/a/b", "/a", "/": every directory a lookup of the path goes through, as written.
std::vector<std::string> DirectoriesAbove(const std::string& absolute) {
  std::vector<std::string> out;
  std::string prefix = absolute;
  while (true) {
    size_t slash = prefix.find_last_of('/');
    if (slash == std::string::npos) break;
    prefix.resize(slash == 0 ? 1 : slash);
    if (out.empty() || out.back() != prefix) out.push_back(prefix);
    if (prefix == "/") break;
  }
  return out;
}

absl::StatusOr<std::string> Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", path, ": getcwd: ", strerror(errno)));
  }
  return absl::StrCat(cwd, "/", path);
}

// Where the open file really is: the kernel's name for the descriptor, else realpath.
std::string ResolvedPath(const std::string& path, int fd) {
  char buffer[PATH_MAX + 1];
  std::string link = absl::StrCat("/proc/self/fd/", fd);
  ssize_t n = readlink(link.c_str(), buffer, PATH_MAX);
  if (n > 0 && buffer[0] == '/') return std::string(buffer, static_cast<size_t>(n));
  if (realpath(path.c_str(), buffer) != nullptr) return buffer;
  return "";
}

}  // namespace

bool TrustedOwnerAndMode(uid_t owner, mode_t mode, uid_t user) {
  if (owner != 0 && owner != user) return false;
  if ((mode & (S_IWGRP | S_IWOTH)) == 0) return true;
  // A sticky directory (/tmp): others may add entries but can neither remove nor rename one they do not own,
  // so what a trusted user keeps there stays theirs. (OpenSSH refuses these too; mig's CI checks out there.)
  return S_ISDIR(mode) && (mode & S_ISVTX) != 0;
}

absl::Status CheckTrustedFile(const std::string& path, int fd) {
  const uid_t user = geteuid();
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::UnavailableError(absl::StrCat("cannot stat ", path, ": ", strerror(errno)));
  if (!TrustedOwnerAndMode(st.st_uid, st.st_mode, user)) return Refuse(path, "the file", path, st, user);

  absl::StatusOr<std::string> absolute = Absolute(path);
  if (!absolute.ok()) return absolute.status();
  std::vector<std::string> directories = DirectoriesAbove(*absolute);
  // A link (the file's or a directory's) leads elsewhere: whoever can change the directories there can change
  // the file too.
  if (std::string resolved = ResolvedPath(path, fd); !resolved.empty() && resolved != *absolute) {
    for (std::string& d : DirectoriesAbove(resolved)) directories.push_back(std::move(d));
  }
  for (const std::string& directory : directories) {
    if (stat(directory.c_str(), &st) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot check ", path, ": stat ", directory, ": ", strerror(errno)));
    }
    if (!TrustedOwnerAndMode(st.st_uid, st.st_mode, user)) return Refuse(path, "the directory", directory, st, user);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadTrustedFile(const std::string& path, size_t max_bytes) {
  absl::StatusOr<UniqueFd> fd = OpenRegularFile(path);
  if (!fd.ok()) return fd.status();
  if (absl::Status trusted = CheckTrustedFile(path, fd->get()); !trusted.ok()) return trusted;
  return ReadFdBounded(fd->get(), max_bytes, path);
}

}  // namespace mig
