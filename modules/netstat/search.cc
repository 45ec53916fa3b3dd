#include "modules/netstat/search.h"

#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/go_format.h"
#include "base/json/writer.h"
#include "modules/netstat/ip_address.h"
#include "modules/netstat/namespaces.h"
#include "modules/netstat/netlink.h"
#include "modules/netstat/proc_net.h"
#include "modules/result.h"
#include "re2/re2.h"

namespace mig::modules::netstat {
namespace {

// MIG's element; empty strings and zero ports are left out of the JSON, as MIG's omitempty does.
struct Element {
  std::string local_mac;
  std::string remote_mac;
  std::string local_address;
  int local_port = 0;
  std::string remote_address;
  int remote_port = 0;
  std::string name_space;  // which network namespace: "default" (MIG's name without -namespaces) or "net:[…]"
  std::string protocol;    // "tcp" or "udp" (an addition to MIG's element)

  void Write(json::JsonWriter& w) const {
    w.BeginObject();
    if (!local_mac.empty()) w.Field("localmacaddr", local_mac);
    if (!remote_mac.empty()) w.Field("remotemacaddr", remote_mac);
    if (!local_address.empty()) w.Field("localaddr", local_address);
    if (local_port != 0) w.Field("localport", local_port);
    if (!remote_address.empty()) w.Field("remoteaddr", remote_address);
    if (remote_port != 0) w.Field("remoteport", remote_port);
    if (!name_space.empty()) w.Field("namespace", name_space);
    if (!protocol.empty()) w.Field("protocol", protocol);
    w.EndObject();
  }
};

// One check kind's results, by the value searched for (a JSON object, sorted by key as Go writes maps).
using Findings = std::map<std::string, std::vector<Element>>;

struct NamespaceTables {
  std::string label;  // what elements carry as "namespace"
  std::vector<Socket> sockets;
  std::vector<Neighbour> neighbours;
};

class Netstat {
 public:
  Netstat(const Parameters& parameters, const RunContext& context, const std::string& proc)
      : parameters_(parameters), context_(context), proc_(proc) {}

  std::string Run() {
    absl::Time start = absl::Now();
    Findings local_mac, local_ip, neighbor_mac, neighbor_ip, connected_ip, listening_port;
    if (!parameters_.local_mac.empty() && Continue()) FindLocalMacs(&local_mac);
    if (!parameters_.local_ip.empty() && Continue()) FindLocalIps(&local_ip);
    bool wants_neighbours = !parameters_.neighbor_mac.empty() || !parameters_.neighbor_ip.empty();
    bool wants_sockets = !parameters_.connected_ip.empty() || !parameters_.listening_port.empty();
    if ((wants_neighbours || wants_sockets) && Continue()) ReadNamespaces(wants_neighbours, wants_sockets);
    if (!parameters_.neighbor_mac.empty() && Continue()) FindNeighbourMacs(&neighbor_mac);
    if (!parameters_.neighbor_ip.empty() && Continue()) FindNeighbourIps(&neighbor_ip);
    if (!parameters_.connected_ip.empty() && Continue()) FindConnections(&connected_ip);
    if (!parameters_.listening_port.empty() && Continue()) FindListeningPorts(&listening_port);

    json::JsonWriter elements;
    elements.BeginObject();
    uint64_t hits = 0;
    for (const auto& [name, findings] : {std::pair<const char*, const Findings*>{"localmac", &local_mac},
                                         {"localip", &local_ip},
                                         {"neighbormac", &neighbor_mac},
                                         {"neighborip", &neighbor_ip},
                                         {"connectedip", &connected_ip},
                                         {"listeningport", &listening_port}}) {
      if (findings->empty()) continue;
      elements.Key(name);
      elements.BeginObject();
      for (const auto& [value, list] : *findings) {
        elements.Key(value);
        elements.BeginArray();
        for (const Element& e : list) e.Write(elements);
        elements.EndArray();
        hits += list.size();
      }
      elements.EndObject();
    }
    elements.EndObject();

    json::JsonWriter statistics;
    statistics.BeginObject();
    statistics.Field("examined", examined_);
    statistics.Field("exectime", GoDurationString(absl::Now() - start));
    statistics.Field("totalhits", hits);
    statistics.EndObject();

    if (context_.progress != nullptr) context_.progress->items += examined_;
    ResultEnvelope result;
    result.success = true;
    result.found_anything = hits > 0;
    result.elements_json = std::move(elements).Take();
    result.statistics_json = std::move(statistics).Take();
    result.errors = std::move(errors_);
    return result.ToJson();
  }

 private:
  bool Continue() {
    if (!context_.ShouldStop()) return true;
    if (!stopped_) {
      stopped_ = true;
      errors_.push_back(absl::Now() >= context_.deadline ? "the module reached its deadline: results are incomplete"
                                                         : "the module was cancelled: results are incomplete");
    }
    return false;
  }

  void FindLocalMacs(Findings* findings) {
    absl::StatusOr<std::vector<Interface>> interfaces = DumpInterfaces();
    if (!interfaces.ok()) {
      errors_.push_back(absl::StrCat("local MACs: ", interfaces.status().message()));
      return;
    }
    for (const std::string& regex : parameters_.local_mac) {
      RE2 re(regex, MacRegexOptions());
      std::vector<Element>& found = (*findings)[regex];
      for (const Interface& interface : *interfaces) {
        if (interface.mac.empty()) continue;
        ++examined_;
        if (RE2::PartialMatch(interface.mac, re)) found.push_back({.local_mac = interface.mac});
      }
    }
  }

  void FindLocalIps(Findings* findings) {
    absl::StatusOr<std::vector<InterfaceAddress>> addresses = DumpAddresses();
    if (!addresses.ok()) {
      errors_.push_back(absl::StrCat("local addresses: ", addresses.status().message()));
      return;
    }
    for (const std::string& value : parameters_.local_ip) {
      IpNetwork network = *ParseIpOrCidr(value);
      std::vector<Element>& found = (*findings)[value];
      for (const InterfaceAddress& address : *addresses) {
        ++examined_;
        if (network.Contains(address.address)) found.push_back({.local_address = FormatIp(address.address)});
      }
    }
  }

  // Our own namespace only, unless -namespaces: then every namespace a process of this host is in.
  void ReadNamespaces(bool neighbours, bool sockets) {
    std::vector<NetworkNamespace> namespaces;
    if (parameters_.namespaces) {
      absl::StatusOr<std::vector<NetworkNamespace>> listed = ListNetworkNamespaces(proc_);
      if (!listed.ok()) {
        errors_.push_back(absl::StrCat("network namespaces: ", listed.status().message()));
        return;
      }
      namespaces = std::move(*listed);
    } else {
      namespaces.push_back({"default", true, {absl::StrCat(proc_, "/self/net")}});
    }
    for (const NetworkNamespace& ns : namespaces) {
      if (!Continue()) return;
      NamespaceTables tables;
      tables.label = ns.id;
      if (context_.progress != nullptr) ++context_.progress->containers;
      if (neighbours && ns.own) {
        // Netlink has both ARP and NDP; /proc has only ARP, but needs nothing more than reading a file.
        absl::StatusOr<std::vector<Neighbour>> dumped = DumpNeighbours();
        if (dumped.ok()) {
          tables.neighbours = std::move(*dumped);
        } else {
          errors_.push_back(absl::StrCat("neighbours (netlink): ", dumped.status().message(),
                                         "; falling back to the ARP table, IPv6 neighbours are not listed"));
          ReadFromAny(ns, &ReadArpTable, "ARP table", &tables.neighbours);
        }
      } else if (neighbours) {
        ReadFromAny(ns, &ReadArpTable, "ARP table", &tables.neighbours);
      }
      if (sockets && ns.own) {
        // sock_diag is the fast path; the /proc tables say the same where it is missing.
        absl::StatusOr<std::vector<Socket>> dumped = DumpSockets();
        if (dumped.ok()) {
          tables.sockets = std::move(*dumped);
        } else {
          ReadFromAny(ns, &ReadSockets, "sockets", &tables.sockets);
        }
      } else if (sockets) {
        ReadFromAny(ns, &ReadSockets, "sockets", &tables.sockets);
      }
      tables_.push_back(std::move(tables));
    }
  }

  // Reads a table from the first of the namespace's directories that works (processes come and go).
  template <typename T>
  bool ReadFromAny(const NetworkNamespace& ns, absl::StatusOr<std::vector<T>> (*read)(const std::string&),
                   std::string_view what, std::vector<T>* out) {
    absl::Status last_error;
    for (const std::string& directory : ns.net_directories) {
      absl::StatusOr<std::vector<T>> table = read(directory);
      if (table.ok()) {
        *out = std::move(*table);
        return true;
      }
      last_error = table.status();
    }
    errors_.push_back(absl::StrCat(what, " of namespace ", ns.id, ": ", last_error.message()));
    return false;
  }

  void FindNeighbourMacs(Findings* findings) {
    for (const std::string& regex : parameters_.neighbor_mac) {
      RE2 re(regex, MacRegexOptions());
      std::vector<Element>& found = (*findings)[regex];
      for (const NamespaceTables& tables : tables_) {
        for (const Neighbour& n : tables.neighbours) {
          ++examined_;
          if (!RE2::PartialMatch(n.mac, re)) continue;
          found.push_back({.remote_mac = n.mac, .remote_address = FormatIp(n.address), .name_space = tables.label});
        }
      }
    }
  }

  void FindNeighbourIps(Findings* findings) {
    for (const std::string& value : parameters_.neighbor_ip) {
      IpNetwork network = *ParseIpOrCidr(value);
      std::vector<Element>& found = (*findings)[value];
      for (const NamespaceTables& tables : tables_) {
        for (const Neighbour& n : tables.neighbours) {
          ++examined_;
          if (!network.Contains(n.address)) continue;
          found.push_back({.remote_mac = n.mac, .remote_address = FormatIp(n.address), .name_space = tables.label});
        }
      }
    }
  }

  static Element SocketElement(const Socket& s, const std::string& name_space) {
    return {.local_address = FormatIp(s.local_address),
            .local_port = s.local_port,
            .remote_address = s.IsConnected() ? FormatIp(s.remote_address) : "",
            .remote_port = s.IsConnected() ? s.remote_port : 0,
            .name_space = name_space,
            .protocol = std::string(ProtocolName(s.protocol))};
  }

  // IPv4 peers of IPv6 sockets show as IPv4-mapped addresses; they compare (and print) as IPv4, as in MIG.
  void FindConnections(Findings* findings) {
    for (const std::string& value : parameters_.connected_ip) {
      IpNetwork network = *ParseIpOrCidr(value);
      std::vector<Element>& found = (*findings)[value];
      for (const NamespaceTables& tables : tables_) {
        for (const Socket& s : tables.sockets) {
          ++examined_;
          if (s.IsConnected() && network.Contains(s.remote_address)) found.push_back(SocketElement(s, tables.label));
        }
      }
    }
  }

  void FindListeningPorts(Findings* findings) {
    for (const std::string& value : parameters_.listening_port) {
      int port = *ParsePort(value);
      std::vector<Element>& found = (*findings)[value];
      for (const NamespaceTables& tables : tables_) {
        for (const Socket& s : tables.sockets) {
          ++examined_;
          if (s.IsListening() && s.local_port == port) found.push_back(SocketElement(s, tables.label));
        }
      }
    }
  }

  const Parameters& parameters_;
  const RunContext& context_;
  const std::string proc_;
  std::vector<NamespaceTables> tables_;
  std::vector<std::string> errors_;
  uint64_t examined_ = 0;
  bool stopped_ = false;
};

}  // namespace

std::string RunNetstat(const Parameters& parameters, const RunContext& context, const std::string& proc) {
  return Netstat(parameters, context, proc).Run();
}

}  // namespace mig::modules::netstat
