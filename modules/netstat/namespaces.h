// The network namespaces of this host, found through /proc/<pid>/ns/net, each with the /proc/<pid>/net
// directories that show it. Reading those files needs no setns: the process is never moved.
//
//   MIG_ASSIGN_OR_RETURN(std::vector<NetworkNamespace> namespaces, ListNetworkNamespaces("/proc"));
//   for (const NetworkNamespace& ns : namespaces) ReadSockets(ns.net_directories[0]);
#ifndef MIG_MODULES_NETSTAT_NAMESPACES_H_
#define MIG_MODULES_NETSTAT_NAMESPACES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mig::modules::netstat {

struct NetworkNamespace {
  std::string id;    // as the ns/net link reads: "net:[4026531840]"
  bool own = false;  // the namespace this process is in
  // Directories showing this namespace, to try in turn (a process may exit while we read).
  std::vector<std::string> net_directories;
};

// Our own namespace first (read through <proc>/self/net), then the others by id. Processes whose namespace
// cannot be read (gone, or not ours to inspect without privileges) are skipped.
absl::StatusOr<std::vector<NetworkNamespace>> ListNetworkNamespaces(const std::string& proc);

// Our own namespace's id, "net:[…]".
absl::StatusOr<std::string> OwnNetworkNamespaceId(const std::string& proc);

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_NAMESPACES_H_
