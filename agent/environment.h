// What an agent tells the scheduler about its host in every heartbeat, read from the host itself: the
// fields MIG's agents sent (os, distribution, arch, init system, addresses, public IP) plus the hostname
// and the modules this binary has. Investigators target on them (environment->>'os'='linux').
//
//   Environment env = ReadEnvironment();            // this host
//   std::string json = EnvironmentJson(env);        // {"os":"linux","ident":"Debian GNU/Linux 12 (bookworm)",...}
#ifndef MIG_AGENT_ENVIRONMENT_H_
#define MIG_AGENT_ENVIRONMENT_H_

#include <string>
#include <vector>

namespace mig::agent {

struct Environment {
  std::string os = "linux";
  std::string ident;    // /etc/os-release PRETTY_NAME: "Debian GNU/Linux 12 (bookworm)"
  std::string release;  // VERSION_ID
  std::string arch;     // uname -m
  std::string kernel;   // uname -r
  std::string init;     // systemd, upstart, sysvinit, or the name of PID 1
  std::string hostname;
  std::vector<std::string> addresses;  // non-loopback IPv4 and IPv6, "192.0.2.7/24"
  std::string public_ip;               // only when configured or learned; never guessed
  std::vector<std::string> modules;
  // From the loader's records (agent/state_directory/release_records.h): the mig release installed, and the release
  // that failed its health check here ("0.3.0: the new agent exited with status 1 ..."); empty when there is none.
  std::string mig_release;
  std::string mig_release_failed;
};

struct EnvironmentSources {
  std::string root = "/";  // where /etc/os-release and /proc/1/comm are read from (tests)
  std::string state_dir;   // the agent's state directory, where the loader keeps its records; empty: none
};

Environment ReadEnvironment(const EnvironmentSources& sources = {});

// MIG's JSON field names where MIG had them (os, ident, arch, init, addresses, publicip, modules); then
// migrelease and migreleasefailed when known.
std::string EnvironmentJson(const Environment& environment);

}  // namespace mig::agent

#endif  // MIG_AGENT_ENVIRONMENT_H_
