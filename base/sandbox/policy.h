// What a module's process may do beyond reading the host: declared by each module (Module::sandbox_policy)
// and enforced by sandbox::Enter. Reading files, directories and /proc is always allowed; writing files,
// running programs, creating processes, tracing others, mounting, loading kernel modules, changing
// identities and the like never are. Network sockets only for the modules that need them.
#ifndef MIG_BASE_SANDBOX_POLICY_H_
#define MIG_BASE_SANDBOX_POLICY_H_

#include <vector>

namespace mig::sandbox {

struct Policy {
  // Socket address families the module may open (AF_INET, AF_INET6 for ping and timedrift; AF_NETLINK for
  // netstat's sock_diag queries). Empty: no sockets at all.
  std::vector<int> socket_families;
};

}  // namespace mig::sandbox

#endif  // MIG_BASE_SANDBOX_POLICY_H_
