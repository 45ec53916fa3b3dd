#include "modules/netstat/proc_net.h"

#include <fcntl.h>
#include <net/if_arp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/status_macros.h"

namespace mig::modules::netstat {
namespace {

// Socket tables grow with the number of sockets (about 150 bytes each); this allows millions.
constexpr size_t kMaxTableBytes = 1ull << 30;
constexpr int kTcpListen = 0x0a;
constexpr int kUdpUnconnected = 0x07;

bool ParseHex32(std::string_view hex, uint32_t* value) { return hex.size() == 8 && absl::SimpleHexAtoi(hex, value); }

// The kernel prints each 32-bit word of an address as a native-endian number, so the bytes are recovered
// by storing the number back in native order.
bool ParseHexAddress(std::string_view hex, IpAddress* address) {
  if (hex.size() != 8 && hex.size() != 32) return false;
  uint8_t bytes[16];
  for (size_t word = 0; word < hex.size() / 8; ++word) {
    uint32_t value = 0;
    if (!ParseHex32(hex.substr(word * 8, 8), &value)) return false;
    std::memcpy(bytes + word * 4, &value, 4);
  }
  *address = hex.size() == 8 ? Ipv4FromBytes(bytes) : Ipv6FromBytes(bytes);
  return true;
}

bool ParseEndpoint(std::string_view text, IpAddress* address, uint16_t* port) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  uint32_t port_value = 0;
  std::string_view port_hex = text.substr(colon + 1);
  if (port_hex.empty() || port_hex.size() > 4 || !absl::SimpleHexAtoi(port_hex, &port_value)) return false;
  *port = static_cast<uint16_t>(port_value);
  return ParseHexAddress(text.substr(0, colon), address);
}

absl::StatusOr<std::string> ReadTable(const std::string& path, bool* missing) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && missing != nullptr) {
      *missing = true;
      return std::string();
    }
    return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  absl::StatusOr<std::string> text = ReadFdBounded(fd, kMaxTableBytes, path);
  close(fd);
  return text;
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) { return protocol == Protocol::kTcp ? "tcp" : "udp"; }

bool Socket::IsListening() const {
  return protocol == Protocol::kTcp ? state == kTcpListen : state == kUdpUnconnected && remote_port == 0;
}

bool Socket::IsConnected() const {
  if (protocol == Protocol::kTcp && state == kTcpListen) return false;
  return remote_port != 0 || !remote_address.IsUnspecified();
}

absl::StatusOr<std::vector<Socket>> ParseSocketTable(std::string_view text, Protocol protocol,
                                                     std::string_view source) {
  std::vector<Socket> sockets;
  bool header = true;
  for (std::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    Socket socket;
    socket.protocol = protocol;
    uint32_t state = 0;
    if (fields.size() < 4 || !ParseEndpoint(fields[1], &socket.local_address, &socket.local_port) ||
        !ParseEndpoint(fields[2], &socket.remote_address, &socket.remote_port) ||
        !absl::SimpleHexAtoi(fields[3], &state) || state > 0xff) {
      return absl::DataLossError(absl::StrCat(source, ": unexpected line '", line, "'"));
    }
    socket.state = static_cast<uint8_t>(state);
    sockets.push_back(socket);
  }
  return sockets;
}

absl::StatusOr<std::vector<Socket>> ReadSockets(const std::string& net_directory) {
  std::vector<Socket> sockets;
  static constexpr std::pair<const char*, Protocol> kTables[] = {
      {"tcp", Protocol::kTcp}, {"tcp6", Protocol::kTcp}, {"udp", Protocol::kUdp}, {"udp6", Protocol::kUdp}};
  for (const auto& [name, protocol] : kTables) {
    std::string path = absl::StrCat(net_directory, "/", name);
    bool missing = false;
    MIG_ASSIGN_OR_RETURN(std::string text, ReadTable(path, &missing));
    if (missing) continue;
    MIG_ASSIGN_OR_RETURN(std::vector<Socket> table, ParseSocketTable(text, protocol, path));
    sockets.insert(sockets.end(), table.begin(), table.end());
  }
  return sockets;
}

absl::StatusOr<std::vector<Neighbour>> ParseArpTable(std::string_view text, std::string_view source) {
  std::vector<Neighbour> neighbours;
  bool header = true;
  for (std::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    if (header) {
      header = false;
      continue;
    }
    // IP address, HW type, Flags, HW address, Mask, Device
    std::vector<std::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint32_t flags = 0;
    absl::StatusOr<IpAddress> address = fields.size() >= 6 ? ParseIp(fields[0]) : absl::StatusOr<IpAddress>();
    if (fields.size() < 6 || !address.ok() || !absl::SimpleHexAtoi(fields[2], &flags)) {
      return absl::DataLossError(absl::StrCat(source, ": unexpected line '", line, "'"));
    }
    if ((flags & ATF_COM) == 0) continue;  // incomplete: no hardware address yet
    neighbours.push_back({*address, absl::AsciiStrToLower(fields[3]), std::string(fields[5])});
  }
  return neighbours;
}

absl::StatusOr<std::vector<Neighbour>> ReadArpTable(const std::string& net_directory) {
  std::string path = absl::StrCat(net_directory, "/arp");
  MIG_ASSIGN_OR_RETURN(std::string text, ReadTable(path, nullptr));
  return ParseArpTable(text, path);
}

}  // namespace mig::modules::netstat
