#include "modules/timedrift/query.h"

#include <netdb.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/go_format.h"
#include "base/unique_fd.h"
#include "modules/timedrift/sntp.h"

namespace mig::modules::timedrift {
namespace {

ServerReport Unreachable(ServerReport report, std::string error) {
  report.reachable = false;
  report.error = std::move(error);
  return report;
}

// Random low bits in our transmit timestamp (a few hundred nanoseconds at most) make the originate check
// hard to pass for a reply that was not sent in answer to this request.
NtpTimestamp UnpredictableTransmit(absl::Time t1) {
  NtpTimestamp transmit = ToNtpTimestamp(t1);
  uint16_t noise = 0;
  if (getrandom(&noise, sizeof(noise), GRND_NONBLOCK) == sizeof(noise)) {
    transmit.fraction = (transmit.fraction & ~uint32_t{0xfff}) | (noise & 0xfff);
  }
  return transmit;
}

}  // namespace

ServerReport QueryServer(const NtpServer& server, absl::Time deadline, const std::atomic<bool>& stop) {
  ServerReport report;
  report.name = server.name;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = absl::StrCat(server.port);
  int rc = getaddrinfo(server.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return Unreachable(report, absl::StrCat("cannot resolve '", server.host, "': ", gai_strerror(rc)));
  sockaddr_storage address{};
  socklen_t length = 0;
  if (found != nullptr && found->ai_addrlen <= sizeof(address)) {
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    length = found->ai_addrlen;
  }
  freeaddrinfo(found);
  if (length == 0) return Unreachable(report, absl::StrCat("'", server.host, "' resolves to no address"));
  char ip[NI_MAXHOST] = "?";
  getnameinfo(reinterpret_cast<sockaddr*>(&address), length, ip, sizeof(ip), nullptr, 0, NI_NUMERICHOST);
  report.address =
      address.ss_family == AF_INET6 ? absl::StrCat("[", ip, "]:", server.port) : absl::StrCat(ip, ":", server.port);

  UniqueFd fd(socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Unreachable(report, absl::StrCat("socket: ", std::strerror(errno)));
  // Connected: replies from anyone else are dropped by the kernel, and an ICMP port unreachable shows.
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return Unreachable(report, absl::StrCat("connect to ", report.address, ": ", std::strerror(errno)));
  }
  absl::Time t1 = absl::Now();
  NtpTimestamp transmit = UnpredictableTransmit(t1);
  std::array<uint8_t, kNtpPacketSize> request = BuildRequest(transmit);
  if (send(fd.get(), request.data(), request.size(), 0) < 0) {
    return Unreachable(report, absl::StrCat("send to ", report.address, ": ", std::strerror(errno)));
  }

  std::string rejected;  // why replies that came were not ours
  while (true) {
    if (stop.load(std::memory_order_relaxed)) return Unreachable(report, "stopped before the server answered");
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      std::string error = "no answer before the timeout";
      if (!rejected.empty()) absl::StrAppend(&error, "; a reply was rejected: ", rejected);
      return Unreachable(report, error);
    }
    pollfd p{fd.get(), POLLIN, 0};
    int64_t wait_ms = std::clamp<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1, 100);
    int ready = poll(&p, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) return Unreachable(report, absl::StrCat("poll: ", std::strerror(errno)));
    if (ready <= 0) continue;
    char buffer[1024];
    ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
    absl::Time t4 = absl::Now();
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno == ECONNREFUSED) {
        return Unreachable(
            report, absl::StrCat("no NTP server at ", report.address, " (ICMP port unreachable: connection refused)"));
      }
      return Unreachable(report, absl::StrCat("receive from ", report.address, ": ", std::strerror(errno)));
    }
    absl::StatusOr<NtpPacket> reply = ParsePacket(std::string_view(buffer, static_cast<size_t>(n)));
    if (!reply.ok()) {
      rejected = std::string(reply.status().message());
      continue;
    }
    ReplyCheck check = CheckReply(*reply, transmit);
    if (check.problem == ReplyProblem::kOriginateMismatch) {
      rejected = check.reason;
      continue;
    }
    if (check.problem != ReplyProblem::kNone) return Unreachable(report, check.reason);
    Measurement m = Measure(t1, *reply, t4);
    report.reachable = true;
    report.offset = m.offset;
    report.delay = m.delay;
    report.round_trip = t4 - t1;
    report.server_time = t4 + m.offset;
    report.stratum = reply->stratum;
    return report;
  }
}

}  // namespace mig::modules::timedrift
