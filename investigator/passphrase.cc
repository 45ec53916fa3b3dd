#include "investigator/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"

namespace mig::investigator {
namespace {

// The terminal's settings while echo is off, so that Ctrl-C at the prompt does not leave the user's shell
// without echo.
int tty_fd = -1;
struct termios saved_termios;
struct sigaction saved_sigint, saved_sigterm;

void RestoreTerminalAndDie(int signal_number) {
  if (tty_fd >= 0) tcsetattr(tty_fd, TCSAFLUSH, &saved_termios);
  (void)!write(tty_fd, "\n", 1);
  sigaction(SIGINT, &saved_sigint, nullptr);
  sigaction(SIGTERM, &saved_sigterm, nullptr);
  raise(signal_number);
}

absl::StatusOr<std::string> AskOnce(int fd, std::string_view prompt) {
  (void)!write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (true) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError(absl::StrCat("reading the passphrase: ", strerror(errno)));
    if (n == 0 || c == '\n' || c == '\r') break;
    if (line.size() >= 4096) return absl::InvalidArgumentError("the passphrase is longer than 4096 bytes");
    line.push_back(c);
  }
  return line;  // the terminal echoed the newline itself (ECHONL)
}

absl::StatusOr<std::string> AskOnTerminal(std::string_view prompt, bool confirm) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a passphrase is needed and there is no terminal to ask it on; set ", kPassphraseEnv, " for scripts"));
  }
  struct termios quiet;
  if (tcgetattr(fd, &saved_termios) != 0) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat("/dev/tty is not a terminal; set ", kPassphraseEnv));
  }
  tty_fd = fd;
  struct sigaction restore = {};
  restore.sa_handler = RestoreTerminalAndDie;
  sigaction(SIGINT, &restore, &saved_sigint);
  sigaction(SIGTERM, &restore, &saved_sigterm);
  quiet = saved_termios;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  tcsetattr(fd, TCSAFLUSH, &quiet);

  absl::StatusOr<std::string> first = AskOnce(fd, prompt);
  absl::StatusOr<std::string> second = first;
  if (first.ok() && confirm) second = AskOnce(fd, "again, to confirm: ");

  tcsetattr(fd, TCSAFLUSH, &saved_termios);
  sigaction(SIGINT, &saved_sigint, nullptr);
  sigaction(SIGTERM, &saved_sigterm, nullptr);
  tty_fd = -1;
  close(fd);
  if (!first.ok()) return first.status();
  if (!second.ok()) return second.status();
  if (*first != *second) return absl::InvalidArgumentError("the two passphrases differ");
  return first;
}

}  // namespace

absl::StatusOr<std::string> ReadPassphrase(std::string_view prompt, bool confirm) {
  absl::StatusOr<std::string> passphrase;
  if (const char* from_env = std::getenv(kPassphraseEnv); from_env != nullptr) {
    passphrase = std::string(from_env);
  } else {
    passphrase = AskOnTerminal(prompt, confirm);
  }
  if (passphrase.ok() && passphrase->empty()) {
    return absl::InvalidArgumentError(
        "the passphrase is empty; to store a key without one, say so with --no-passphrase");
  }
  return passphrase;
}

absl::StatusOr<crypto::SecretKeyFile> ReadSigningKey(const std::string& path) {
  absl::StatusOr<crypto::SecretKeyFileSummary> summary = crypto::InspectSecretKeyFile(path);
  if (!summary.ok()) return summary.status();
  std::optional<std::string> passphrase;
  if (summary->needs_passphrase) {
    absl::StatusOr<std::string> read = ReadPassphrase(absl::StrCat("passphrase for ", path, ": "), false);
    if (!read.ok()) return read.status();
    passphrase = std::move(*read);
  }
  return crypto::ReadSecretKeyFile(path, passphrase);
}

}  // namespace mig::investigator
