// The netstat module against this host: sockets the test opens on loopback (IPv4, and IPv6 when the host
// has it), a listener in a network namespace the test creates, and the whole tables compared with what
// `ss -tuna`, `ip neigh`, `ip addr` and /sys/class/net say.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/json/reader.h"
#include "base/unique_fd.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/netstat/namespaces.h"
#include "modules/netstat/netlink.h"
#include "modules/netstat/proc_net.h"
#include "modules/result.h"
#include "test/shell.h"

namespace mig::modules::netstat {
namespace {

using ::mig::test::Shell;

// An address in a form both sides agree on, computed without the module's code: the 16 bytes of the
// address (IPv4 as IPv4-mapped) in hex, "ANY" for an unspecified address of either family.
std::string Canonical(std::string address) {
  if (!address.empty() && address.front() == '[') address = address.substr(1, address.size() - 2);
  if (size_t zone = address.find('%'); zone != std::string::npos) address.resize(zone);
  if (address == "*") return "ANY";
  unsigned char bytes[16] = {};
  if (address.find(':') == std::string::npos) {
    bytes[10] = bytes[11] = 0xff;
    REQUIRE(inet_pton(AF_INET, address.c_str(), bytes + 12) == 1);
  } else {
    INFO(address);
    REQUIRE(inet_pton(AF_INET6, address.c_str(), bytes) == 1);
  }
  static const unsigned char kAny4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
  static const unsigned char kAny6[16] = {};
  if (std::equal(bytes, bytes + 16, kAny4) || std::equal(bytes, bytes + 16, kAny6)) return "ANY";
  std::string hex;
  for (unsigned char b : bytes) absl::StrAppend(&hex, absl::Hex(b, absl::kZeroPad2));
  return hex;
}

// ss's "[::1]:631", "127.0.0.53%lo:53", "*:68" as canonical address and port.
std::pair<std::string, std::string> SplitEndpoint(const std::string& endpoint) {
  size_t colon = endpoint.rfind(':');
  REQUIRE(colon != std::string::npos);
  return {Canonical(endpoint.substr(0, colon)), endpoint.substr(colon + 1)};
}

struct Element {
  std::string local_mac, remote_mac, local_address, remote_address, name_space, protocol;
  int local_port = 0, remote_port = 0;
};

struct Result {
  std::string json;
  bool found_anything = false;
  bool success = false;
  std::vector<std::string> errors;
  // kind -> value -> elements
  std::map<std::string, std::map<std::string, std::vector<Element>>> elements;

  std::vector<Element> All(const std::string& kind) const {
    std::vector<Element> all;
    auto found = elements.find(kind);
    if (found == elements.end()) return all;
    for (const auto& [value, list] : found->second) all.insert(all.end(), list.begin(), list.end());
    return all;
  }
};

std::string Text(simdjson::dom::element object, const char* key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? std::string(value) : "";
}

int Int(simdjson::dom::element object, const char* key) {
  int64_t value = 0;
  return object[key].get(value) == simdjson::SUCCESS ? static_cast<int>(value) : 0;
}

template <typename T>
T As(simdjson::dom::element element) {
  T value;
  REQUIRE(element.get(value) == simdjson::SUCCESS);
  return value;
}

Result Run(const std::string& parameters, const std::atomic<bool>* cancelled = nullptr) {
  const Module* module = FindModule("netstat");
  REQUIRE(module != nullptr);
  RunContext context;
  context.cancelled = cancelled;
  Result result;
  result.json = module->Run(parameters, context);
  absl::StatusOr<ParsedResult> parsed = ParseResult(result.json);
  REQUIRE(parsed.ok());
  result.found_anything = parsed->found_anything;
  result.success = parsed->success;
  result.errors = parsed->errors;
  if (parsed->elements.is_object()) {
    for (auto [kind, by_value] : As<simdjson::dom::object>(parsed->elements)) {
      for (auto [value, list] : As<simdjson::dom::object>(by_value)) {
        std::vector<Element>& elements = result.elements[std::string(kind)][std::string(value)];
        for (simdjson::dom::element e : As<simdjson::dom::array>(list)) {
          elements.push_back({Text(e, "localmacaddr"), Text(e, "remotemacaddr"), Text(e, "localaddr"),
                              Text(e, "remoteaddr"), Text(e, "namespace"), Text(e, "protocol"), Int(e, "localport"),
                              Int(e, "remoteport")});
        }
      }
    }
  }
  return result;
}

socklen_t Loopback(int family, sockaddr_storage* address, int port) {
  *address = {};
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(address);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(address);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  in6->sin6_addr = in6addr_loopback;
  return sizeof(sockaddr_in6);
}

int PortOf(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return address.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port)
                                      : ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
}

UniqueFd BoundSocket(int family, int type) {
  UniqueFd fd(socket(family, type | SOCK_CLOEXEC, 0));
  REQUIRE(fd.get() >= 0);
  sockaddr_storage address;
  socklen_t length = Loopback(family, &address, 0);
  REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) == 0);
  return fd;
}

void Connect(int fd, int family, int port) {
  sockaddr_storage address;
  socklen_t length = Loopback(family, &address, port);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), length) == 0);
}

bool HasIpv6Loopback() {
  UniqueFd fd(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  sockaddr_storage address;
  socklen_t length = Loopback(AF_INET6, &address, 0);
  return bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) == 0;
}

// What the test opens in one address family: a TCP listener with a connection to it, an unconnected UDP
// socket, and a UDP socket connected to that one.
struct LoopbackSockets {
  explicit LoopbackSockets(int family)
      : listener(BoundSocket(family, SOCK_STREAM)),
        client(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)),
        udp_server(BoundSocket(family, SOCK_DGRAM)),
        udp_client(BoundSocket(family, SOCK_DGRAM)) {
    REQUIRE(listen(listener.get(), 8) == 0);
    listener_port = PortOf(listener.get());
    Connect(client.get(), family, listener_port);
    client_port = PortOf(client.get());
    accepted = UniqueFd(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(accepted.get() >= 0);
    udp_server_port = PortOf(udp_server.get());
    Connect(udp_client.get(), family, udp_server_port);
    udp_client_port = PortOf(udp_client.get());
  }
  UniqueFd listener, client, accepted, udp_server, udp_client;
  int listener_port = 0, client_port = 0, udp_server_port = 0, udp_client_port = 0;
};

bool Has(const std::vector<Element>& elements, const std::string& protocol, const std::string& local_address,
         int local_port, const std::string& remote_address = "", int remote_port = 0) {
  for (const Element& e : elements) {
    if (e.protocol == protocol && e.local_address == local_address && e.local_port == local_port &&
        e.remote_address == remote_address && e.remote_port == remote_port) {
      return true;
    }
  }
  return false;
}

TEST_CASE("finds the sockets the test opens on loopback, IPv4 and IPv6") {
  std::vector<std::pair<int, std::string>> families = {{AF_INET, "127.0.0.1"}};
  if (HasIpv6Loopback()) {
    families.emplace_back(AF_INET6, "::1");
  } else {
    WARN("this host has no IPv6 loopback: IPv6 sockets not tested");
  }
  for (const auto& [family, loopback] : families) {
    INFO(loopback);
    LoopbackSockets s(family);
    Result result = Run(absl::StrCat(R"({"listeningport":[")", s.listener_port, R"(",")", s.udp_server_port, R"(",")",
                                     s.client_port, R"("],"connectedip":[")", loopback, R"("]})"));
    INFO(result.json);
    REQUIRE(result.success);
    CHECK(result.errors.empty());
    CHECK(result.found_anything);
    const auto& ports = result.elements["listeningport"];
    const auto& connections = result.elements["connectedip"][loopback];
    CHECK(Has(ports.at(absl::StrCat(s.listener_port)), "tcp", loopback, s.listener_port));
    CHECK(Has(ports.at(absl::StrCat(s.udp_server_port)), "udp", loopback, s.udp_server_port));
    // The client's port is in use, but nothing listens on it (MIG counted it as listening).
    CHECK(ports.at(absl::StrCat(s.client_port)).empty());
    CHECK(Has(connections, "tcp", loopback, s.client_port, loopback, s.listener_port));
    CHECK(Has(connections, "tcp", loopback, s.listener_port, loopback, s.client_port));
    CHECK(Has(connections, "udp", loopback, s.udp_client_port, loopback, s.udp_server_port));
    // A listener, and an unconnected UDP socket, have no peer.
    CHECK_FALSE(Has(connections, "tcp", loopback, s.listener_port));
    for (const Element& e : connections) CHECK(e.remote_address == loopback);

    absl::StatusOr<std::string> text = FindModule("netstat")->Render(result.json, {});
    REQUIRE(text.ok());
    CHECK(text->find(absl::StrCat("found listening port ", s.listener_port, " for netstat listeningport:'",
                                  s.listener_port, "' localaddr:", loopback, " protocol:tcp\n")) != std::string::npos);
    CHECK(text->find(absl::StrCat("found connected tuple ", loopback, ":", s.listener_port, " with local tuple ",
                                  loopback, ":", s.client_port, " for netstat connectedip:'", loopback,
                                  "' protocol:tcp\n")) != std::string::npos);
  }
}

TEST_CASE("an IPv4 peer of an IPv6 socket counts as IPv4") {
  UniqueFd listener(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) {
    WARN("no IPv6 sockets on this host");
    return;
  }
  int off = 0;
  REQUIRE(setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_addr = in6addr_any;
  REQUIRE(bind(listener.get(), reinterpret_cast<sockaddr*>(&any), sizeof(any)) == 0);
  REQUIRE(listen(listener.get(), 8) == 0);
  int port = PortOf(listener.get());
  UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Connect(client.get(), AF_INET, port);
  int client_port = PortOf(client.get());
  UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(accepted.get() >= 0);
  Result result = Run(R"({"connectedip":["127.0.0.0/8"]})");
  INFO(result.json);
  // The accepted socket lives in tcp6 as ::ffff:127.0.0.1.
  CHECK(Has(result.All("connectedip"), "tcp", "127.0.0.1", port, "127.0.0.1", client_port));
}

std::set<std::string> SsSockets(bool listening) {
  std::set<std::string> keys;
  bool header = true;
  for (std::string_view line : absl::StrSplit(Shell("ss -tuna"), '\n', absl::SkipEmpty())) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    REQUIRE(fields.size() >= 6);
    bool is_listening = fields[1] == "LISTEN" || fields[1] == "UNCONN";
    if (is_listening != listening) continue;
    auto [local, local_port] = SplitEndpoint(fields[4]);
    if (listening) {
      keys.insert(absl::StrCat(fields[0], " ", local, " ", local_port));
    } else {
      auto [remote, remote_port] = SplitEndpoint(fields[5]);
      keys.insert(absl::StrCat(fields[0], " ", local, ":", local_port, " ", remote, ":", remote_port));
    }
  }
  return keys;
}

std::set<std::string> Union(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> u = a;
  u.insert(b.begin(), b.end());
  return u;
}

std::set<std::string> Intersection(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> i;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(i, i.begin()));
  return i;
}

// Other programs open and close sockets meanwhile: what the reference saw both before and after the
// module ran must be in its result, and everything in its result must have been seen before or after.
std::vector<std::string> Discrepancies(const std::set<std::string>& before, const std::set<std::string>& found,
                                       const std::set<std::string>& after) {
  std::vector<std::string> discrepancies;
  for (const std::string& key : Intersection(before, after)) {
    if (found.count(key) == 0) discrepancies.push_back("seen by the reference, not by the module: " + key);
  }
  std::set<std::string> seen = Union(before, after);
  for (const std::string& key : found) {
    if (seen.count(key) == 0) discrepancies.push_back("seen by the module, not by the reference: " + key);
  }
  return discrepancies;
}

// A socket that lives for a moment can still appear and vanish between two snapshots; a real disagreement
// shows in every attempt, such a race hardly ever several times in a row.
void CheckAgreement(const std::function<std::vector<std::string>()>& compare) {
  std::vector<std::string> discrepancies;
  for (int attempt = 0; attempt < 5; ++attempt) {
    discrepancies = compare();
    if (discrepancies.empty()) break;
  }
  INFO(absl::StrJoin(discrepancies, "\n"));
  CHECK(discrepancies.empty());
}

TEST_CASE("listening ports and connections agree with ss -tuna") {
  LoopbackSockets ours(AF_INET);
  CheckAgreement([&]() {
    std::set<std::string> before = SsSockets(true);
    std::set<std::string> connections_before = SsSockets(false);
    std::set<std::string> ports;
    for (const std::string& key : before) ports.insert(std::vector<std::string>(absl::StrSplit(key, ' '))[2]);
    // Ports that are only in use by connections must not count as listening.
    for (const std::string& key : connections_before) {
      std::string local = std::vector<std::string>(absl::StrSplit(key, ' '))[1];
      ports.insert(local.substr(local.rfind(':') + 1));
    }
    REQUIRE(ports.count(absl::StrCat(ours.client_port)) == 1);
    REQUIRE(ports.count(absl::StrCat(ours.listener_port)) == 1);
    std::vector<std::string> quoted;
    for (const std::string& port : ports) quoted.push_back(absl::StrCat("\"", port, "\""));
    Result result =
        Run(absl::StrCat(R"({"connectedip":["0.0.0.0/0","::/0"],"listeningport":[)", absl::StrJoin(quoted, ","), "]}"));
    std::set<std::string> after = SsSockets(true);
    std::set<std::string> connections_after = SsSockets(false);
    INFO(result.json);
    REQUIRE(result.success);
    CHECK(result.errors.empty());

    std::set<std::string> found_ports;
    for (const Element& e : result.All("listeningport")) {
      found_ports.insert(absl::StrCat(e.protocol, " ", Canonical(e.local_address), " ", e.local_port));
    }
    std::set<std::string> queried_after;
    for (const std::string& key : after) {
      if (ports.count(std::vector<std::string>(absl::StrSplit(key, ' '))[2])) queried_after.insert(key);
    }
    std::vector<std::string> discrepancies = Discrepancies(before, found_ports, queried_after);

    std::set<std::string> found_connections;
    for (const Element& e : result.All("connectedip")) {
      found_connections.insert(absl::StrCat(e.protocol, " ", Canonical(e.local_address), ":", e.local_port, " ",
                                            Canonical(e.remote_address), ":", e.remote_port));
    }
    CHECK(found_connections.size() >= 3);  // at least our own TCP pair and connected UDP socket
    for (std::string& d : Discrepancies(connections_before, found_connections, connections_after)) {
      discrepancies.push_back(std::move(d));
    }
    return discrepancies;
  });
}

std::set<std::string> SocketKeys(const std::vector<Socket>& sockets) {
  std::set<std::string> keys;
  for (const Socket& s : sockets) {
    keys.insert(absl::StrCat(ProtocolName(s.protocol), " ", FormatIp(s.local_address), " ", s.local_port, " ",
                             FormatIp(s.remote_address), " ", s.remote_port, " ", s.state));
  }
  return keys;
}

TEST_CASE("sock_diag and the /proc tables list the same sockets") {
  LoopbackSockets ours(AF_INET);
  CheckAgreement([&]() {
    absl::StatusOr<std::vector<Socket>> before = ReadSockets("/proc/self/net");
    REQUIRE(before.ok());
    absl::StatusOr<std::vector<Socket>> dumped = DumpSockets();
    absl::StatusOr<std::vector<Socket>> after = ReadSockets("/proc/self/net");
    REQUIRE(after.ok());
    if (!dumped.ok()) {
      WARN("sock_diag is not available here (" << dumped.status().message() << "): the /proc tables are used");
      return std::vector<std::string>();
    }
    std::set<std::string> found = SocketKeys(*dumped);
    CHECK(found.count(absl::StrCat("tcp 127.0.0.1 ", ours.listener_port, " 0.0.0.0 0 10")) == 1);
    return Discrepancies(SocketKeys(*before), found, SocketKeys(*after));
  });
}

std::set<std::string> IpNeighbours() {
  std::set<std::string> keys;
  for (std::string_view line : absl::StrSplit(Shell("ip neigh show"), '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto lladdr = std::find(fields.begin(), fields.end(), "lladdr");
    if (lladdr == fields.end() || lladdr + 1 == fields.end()) continue;
    keys.insert(absl::StrCat(Canonical(fields[0]), " ", absl::AsciiStrToLower(*(lladdr + 1))));
  }
  return keys;
}

TEST_CASE("neighbours agree with ip neigh") {
  Result result;
  std::set<std::string> by_mac;
  CheckAgreement([&]() {
    std::set<std::string> before = IpNeighbours();
    result = Run(R"({"neighbormac":["."],"neighborip":["0.0.0.0/0","::/0"]})");
    std::set<std::string> after = IpNeighbours();
    INFO(result.json);
    REQUIRE(result.success);
    CHECK(result.errors.empty());
    std::set<std::string> by_ip;
    by_mac.clear();
    for (const Element& e : result.All("neighbormac")) by_mac.insert(Canonical(e.remote_address) + " " + e.remote_mac);
    for (const Element& e : result.All("neighborip")) by_ip.insert(Canonical(e.remote_address) + " " + e.remote_mac);
    std::vector<std::string> discrepancies = Discrepancies(before, by_mac, after);
    for (std::string& d : Discrepancies(before, by_ip, after)) discrepancies.push_back(std::move(d));
    return discrepancies;
  });
  if (by_mac.empty()) {
    WARN("this host has no neighbours: only the empty table was compared");
    return;
  }
  // Each neighbour is found again by its own address and by its exact MAC, in upper case too.
  const Element first = result.All("neighbormac").front();
  Result again = Run(absl::StrCat(R"({"neighborip":[")", first.remote_address, R"("],"neighbormac":["^)",
                                  absl::AsciiStrToUpper(first.remote_mac), R"($"]})"));
  std::vector<Element> by_address = again.All("neighborip");
  REQUIRE(by_address.size() >= 1);
  CHECK(by_address.front().remote_mac == first.remote_mac);
  REQUIRE(again.All("neighbormac").size() >= 1);
  CHECK(again.All("neighbormac").front().remote_address == first.remote_address);
}

TEST_CASE("local MACs and addresses agree with /sys/class/net and ip addr") {
  std::set<std::string> macs;
  DIR* directory = opendir("/sys/class/net");
  REQUIRE(directory != nullptr);
  while (const dirent* entry = readdir(directory)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(absl::StrCat("/sys/class/net/", entry->d_name, "/address"));
    std::string mac;
    if (!std::getline(in, mac) || mac.empty()) continue;
    if (mac.find_first_not_of("0:") == std::string::npos) continue;  // loopback's all-zero address
    macs.insert(absl::AsciiStrToLower(mac));
  }
  closedir(directory);
  std::set<std::string> addresses;
  for (std::string_view line : absl::StrSplit(Shell("ip -o addr show"), '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    REQUIRE(fields.size() >= 4);
    addresses.insert(Canonical(std::vector<std::string>(absl::StrSplit(fields[3], '/'))[0]));
  }

  Result result = Run(R"({"localmac":["."],"localip":["0.0.0.0/0","::/0"]})");
  INFO(result.json);
  REQUIRE(result.success);
  CHECK(result.errors.empty());
  std::set<std::string> found_macs, found_addresses;
  for (const Element& e : result.All("localmac")) found_macs.insert(e.local_mac);
  for (const Element& e : result.All("localip")) found_addresses.insert(Canonical(e.local_address));
  CHECK(found_macs == macs);
  CHECK(found_addresses == addresses);
  CHECK(result.found_anything);

  // An exact address finds itself once; an address this host does not have finds nothing.
  Result loopback = Run(R"({"localip":["127.0.0.1","192.0.2.254/32"]})");
  CHECK(loopback.elements["localip"]["127.0.0.1"].size() == 1);
  CHECK(loopback.elements["localip"]["192.0.2.254/32"].empty());
}

TEST_CASE("-namespaces finds a listener inside another network namespace") {
  int to_parent[2], to_child[2];
  REQUIRE(pipe2(to_parent, O_CLOEXEC) == 0);
  REQUIRE(pipe2(to_child, O_CLOEXEC) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A listener in a fresh namespace, kept until the parent closes its end of the pipe.
    close(to_parent[0]);
    close(to_child[1]);
    int port = 0;
    if (unshare(CLONE_NEWNET) == 0 || unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in any{};
      any.sin_family = AF_INET;
      if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof(any)) == 0 && listen(fd, 1) == 0) {
        socklen_t length = sizeof(any);
        getsockname(fd, reinterpret_cast<sockaddr*>(&any), &length);
        port = ntohs(any.sin_port);
      }
    }
    (void)!write(to_parent[1], &port, sizeof(port));
    char done;
    (void)!read(to_child[0], &done, 1);
    _exit(0);
  }
  close(to_parent[1]);
  close(to_child[0]);
  int port = 0;
  REQUIRE(read(to_parent[0], &port, sizeof(port)) == sizeof(port));
  close(to_parent[0]);
  if (port == 0) {
    close(to_child[1]);
    waitpid(child, nullptr, 0);
    WARN("cannot create a network namespace here: -namespaces not tested");
    return;
  }
  char link[256];
  ssize_t n = readlink(absl::StrCat("/proc/", child, "/ns/net").c_str(), link, sizeof(link));
  REQUIRE(n > 0);
  std::string child_namespace(link, n);
  absl::StatusOr<std::string> own_namespace = OwnNetworkNamespaceId("/proc");
  REQUIRE(own_namespace.ok());
  REQUIRE(child_namespace != *own_namespace);

  LoopbackSockets ours(AF_INET);
  Result with =
      Run(absl::StrCat(R"({"listeningport":[")", port, R"(",")", ours.listener_port, R"("],"namespaces":true})"));
  Result without = Run(absl::StrCat(R"({"listeningport":[")", port, R"("]})"));
  close(to_child[1]);
  waitpid(child, nullptr, 0);

  INFO(with.json);
  REQUIRE(with.success);
  bool found_in_child = false;
  for (const Element& e : with.elements["listeningport"][absl::StrCat(port)]) {
    found_in_child = found_in_child || (e.name_space == child_namespace && e.local_address == "0.0.0.0");
  }
  CHECK(found_in_child);
  bool found_ours = false;
  for (const Element& e : with.elements["listeningport"][absl::StrCat(ours.listener_port)]) {
    found_ours = found_ours || (e.name_space == *own_namespace && e.local_address == "127.0.0.1");
  }
  CHECK(found_ours);
  for (const Element& e : without.All("listeningport")) CHECK(e.name_space == "default");

  absl::StatusOr<std::string> text = FindModule("netstat")->Render(with.json, {});
  REQUIRE(text.ok());
  CHECK(text->find(absl::StrCat("found listening port ", port, " for netstat listeningport:'", port,
                                "' localaddr:0.0.0.0 protocol:tcp namespace:[", child_namespace, "]\n")) !=
        std::string::npos);
}

TEST_CASE("bad parameters and cancellation give results that say so") {
  Result bad = Run(R"({"listeningport":["80000"]})");
  CHECK_FALSE(bad.success);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].find("'80000'") != std::string::npos);

  std::atomic<bool> cancelled{true};
  Result stopped = Run(R"({"listeningport":["22"],"localmac":["."]})", &cancelled);
  CHECK(stopped.success);
  CHECK_FALSE(stopped.found_anything);
  REQUIRE(stopped.errors.size() == 1);
  CHECK(stopped.errors[0].find("cancelled") != std::string::npos);
}

}  // namespace
}  // namespace mig::modules::netstat
