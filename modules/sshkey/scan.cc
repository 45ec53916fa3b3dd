#include "modules/sshkey/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "modules/sshkey/private_key.h"
#include "modules/sshkey/public_key.h"

namespace mig::modules::sshkey {
namespace {

constexpr size_t kMaxErrors = 1000;
constexpr size_t kBinaryProbeBytes = 8192;

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void AddError(std::vector<std::string>* errors, std::string message) {
  if (errors->size() < kMaxErrors) errors->push_back(std::move(message));
}

KeyEntry EntryFor(const std::string& path, std::string_view kind, const PublicKey& key) {
  return KeyEntry{.path = path,
                  .kind = std::string(kind),
                  .fingerprint_md5 = Md5Fingerprint(key),
                  .fingerprint_sha256 = Sha256Fingerprint(key),
                  .key_type = key.display_type,
                  .bits = key.bits};
}

// A cheap test before any parsing: every key line starts with one of these, every private key has this.
bool MayHoldKeys(std::string_view text) {
  return absl::StrContains(text, "-----BEGIN ") || absl::StrContains(text, "ssh-") ||
         absl::StrContains(text, "ecdsa-sha2-") || absl::StrContains(text, "sk-");
}

bool StartsWithKeyType(std::string_view line) {
  size_t space = line.find_first_of(" \t");
  return space != std::string_view::npos && IsKnownKeyType(line.substr(0, space));
}

}  // namespace

std::vector<KeyEntry> InspectFile(const std::string& path, std::string_view text, std::vector<std::string>* errors) {
  std::vector<KeyEntry> keys;
  if (!MayHoldKeys(text)) return keys;

  absl::StatusOr<PrivateKeyFile> private_key = ParsePrivateKeyFile(text);
  if (private_key.ok()) {
    KeyEntry entry{.path = path, .kind = std::string(kKindPrivate)};
    if (private_key->public_key.has_value()) entry = EntryFor(path, kKindPrivate, *private_key->public_key);
    entry.encrypted = private_key->encrypted;
    entry.comment = private_key->comment;
    keys.push_back(std::move(entry));
    return keys;
  }
  if (!absl::IsNotFound(private_key.status())) {
    // Key files start with their armour; elsewhere (source code, documentation) armour that does not parse
    // is only text about keys, not worth an error.
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "-----BEGIN ")) {
      AddError(errors, absl::StrCat(path, ": ", private_key.status().message()));
    }
    return keys;
  }

  std::string_view base = BaseName(path);
  bool authorized_keys = base == "authorized_keys" || base == "authorized_keys2";
  bool public_key_file = absl::EndsWith(base, ".pub");
  int line_number = 0;
  int bad_lines = 0;
  std::string first_error;
  auto bad_line = [&](std::string_view reason) {
    if (bad_lines++ == 0) first_error = absl::StrCat("line ", line_number, ": ", reason);
  };
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (!authorized_keys && !StartsWithKeyType(line)) {
      if (public_key_file) bad_line("not a public key line");
      continue;
    }
    absl::StatusOr<KeyLine> key = ParseKeyLine(line, authorized_keys);
    if (!key.ok()) {
      bad_line(key.status().message());
      continue;
    }
    KeyEntry entry = EntryFor(path, authorized_keys ? kKindAuthorizedKeys : kKindPublic, key->key);
    entry.comment = key->comment;
    entry.line = line_number;
    keys.push_back(std::move(entry));
  }
  if (bad_lines > 0 && (authorized_keys || public_key_file)) {
    std::string message = absl::StrCat(path, " contained unparsable data: ", first_error);
    if (bad_lines > 1) absl::StrAppend(&message, " (and ", bad_lines - 1, " more lines)");
    AddError(errors, std::move(message));
  }
  return keys;
}

namespace {

class Scanner {
 public:
  Scanner(const ScanRequest& request, const RunContext& context, ScanOutcome* outcome)
      : request_(request), context_(context), outcome_(outcome) {}

  void ScanPath(const std::string& path) {
    struct stat st;
    // A search path that is itself a link (to a directory or a file) is followed.
    if (stat(path.c_str(), &st) != 0) {
      if (errno != ENOENT || request_.missing_paths_are_errors) {
        AddError(&outcome_->errors, absl::StrCat(path, ": ", strerror(errno)));
      }
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) {
        AddError(&outcome_->errors, absl::StrCat(path, ": ", strerror(errno)));
        return;
      }
      Walk(fd, path, 1);
    } else if (S_ISREG(st.st_mode)) {
      InspectAt(AT_FDCWD, path.c_str(), path);
    }
  }

 private:
  // Reads a regular file of at most kMaxKeyFileBytes through `dir_fd`, following a link to a file.
  void InspectAt(int dir_fd, const char* name, const std::string& path) {
    if (Stopped()) return;
    int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    // O_NOATIME keeps a sweep from changing access times; it is refused on others' files unless root.
    int fd = openat(dir_fd, name, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = openat(dir_fd, name, flags);
    if (fd < 0) {
      // A dangling link, or a link loop, is no key and no failure either.
      if (errno != ENOENT && errno != ELOOP) AddError(&outcome_->errors, absl::StrCat(path, ": ", strerror(errno)));
      return;
    }
    struct stat st;
    // Only regular files: a FIFO or a device could block or never end.
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > kMaxKeyFileBytes) {
      close(fd);
      return;
    }
    ++outcome_->files_checked;
    if (context_.progress != nullptr) ++context_.progress->items;
    size_t size = static_cast<size_t>(st.st_size);
    size_t filled = 0;
    // Key files are text: a NUL byte early on means a binary file, and reading no further is what keeps a
    // sweep of home directories full of build outputs and caches fast.
    bool read_ok = ReadUpTo(fd, std::min(size, kBinaryProbeBytes), &filled, path);
    bool binary = read_ok && memchr(buffer_.get(), '\0', filled) != nullptr;
    if (read_ok && !binary && filled == kBinaryProbeBytes) read_ok = ReadUpTo(fd, size, &filled, path);
    close(fd);
    if (context_.progress != nullptr) context_.progress->bytes += filled;
    if (!read_ok || binary) return;
    std::string_view text(buffer_.get(), filled);
    for (KeyEntry& key : InspectFile(path, text, &outcome_->errors)) outcome_->keys.push_back(std::move(key));
  }

  // Reads into buffer_ from `*filled` until `limit` bytes or the end of the file. False on a read error.
  bool ReadUpTo(int fd, size_t limit, size_t* filled, const std::string& path) {
    while (*filled < limit) {
      ssize_t n = read(fd, buffer_.get() + *filled, limit - *filled);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        AddError(&outcome_->errors, absl::StrCat(path, ": ", strerror(errno)));
        return false;
      }
      if (n == 0) break;
      *filled += static_cast<size_t>(n);
    }
    return true;
  }

  // Takes ownership of `dir_fd`. Entries of the directory are at `depth`.
  void Walk(int dir_fd, const std::string& path, uint64_t depth) {
    if (context_.progress != nullptr) ++context_.progress->containers;
    DIR* dir = fdopendir(dir_fd);
    if (dir == nullptr) {
      close(dir_fd);
      return;
    }
    std::vector<std::string> subdirectories;
    while (struct dirent* entry = readdir(dir)) {
      if (Stopped()) break;
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string child = path == "/" ? absl::StrCat("/", name) : absl::StrCat(path, "/", name);
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        if (depth < request_.max_depth) subdirectories.emplace_back(name);
      } else if (type == DT_REG || type == DT_LNK) {
        // Links are opened, which follows them to files; InspectAt skips what is not a regular file, and
        // links to directories are never walked, so there are no loops.
        InspectAt(dirfd(dir), entry->d_name, child);
      }
    }
    for (const std::string& name : subdirectories) {
      if (Stopped()) break;
      std::string child = path == "/" ? absl::StrCat("/", name) : absl::StrCat(path, "/", name);
      int child_fd = openat(dirfd(dir), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child_fd < 0) {
        AddError(&outcome_->errors, absl::StrCat(child, ": ", strerror(errno)));
        continue;
      }
      Walk(child_fd, child, depth + 1);
    }
    closedir(dir);
  }

  bool Stopped() {
    if (!outcome_->stopped && context_.ShouldStop()) outcome_->stopped = true;
    return outcome_->stopped;
  }

  const ScanRequest& request_;
  const RunContext& context_;
  ScanOutcome* outcome_;
  // One buffer for every file: files are read one at a time.
  std::unique_ptr<char[]> buffer_{new char[kMaxKeyFileBytes]};
};

}  // namespace

ScanOutcome ScanForKeys(const ScanRequest& request, const RunContext& context) {
  ScanOutcome outcome;
  Scanner scanner(request, context, &outcome);
  for (const std::string& path : request.paths) scanner.ScanPath(path);
  std::stable_sort(outcome.keys.begin(), outcome.keys.end(), [](const KeyEntry& a, const KeyEntry& b) {
    return std::tie(a.path, a.line) < std::tie(b.path, b.line);
  });
  if (outcome.stopped) outcome.errors.push_back("stopped before the end of the search (timeout or cancelled)");
  return outcome;
}

}  // namespace mig::modules::sshkey
