// The netstat module: this host's MACs and addresses, its neighbours, connections and listening ports.
#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "modules/module.h"
#include "modules/netstat/command_line.h"
#include "modules/netstat/parameters.h"
#include "modules/netstat/render.h"
#include "modules/netstat/search.h"
#include "modules/result.h"
#include "modules/typed_module.h"

namespace mig::modules::netstat {
namespace {

constexpr std::string_view kHelp =
    R"(Looks at the network state of the host, with MIG's netstat module parameters and results:
the MAC and IP addresses of its interfaces, its neighbours (the ARP table for IPv4, the NDP table for
IPv6), the remote ends of its TCP and UDP connections (IPv4 and IPv6) and its listening ports.

MAC regexes are RE2 (Go) syntax, case-insensitive, on addresses written 8c:70:5a:c8:be:50. An IP is
compared exactly; a CIDR matches every address in it. IPv4 peers of IPv6 sockets (::ffff:a.b.c.d) count
as IPv4. Listening ports are TCP sockets in LISTEN and bound, unconnected UDP sockets (what `ss -l`
lists); connections are TCP sockets other than listening ones and connected UDP sockets.
With -namespaces, neighbours and sockets are also read in every other network namespace a process of
the host is in (containers), through /proc/<pid>/net, and each result says which namespace it is from.
Nothing is changed on the host and no command is run: the module reads /proc and netlink dumps.

Examples:
  mig netstat --local -nm 8c:70:5a:c8:be:50
  mig netstat --local -lm '^02:fc' -li 10.0.0.0/8 -li 2001:db8::/32
  mig netstat --local -ci 192.0.2.0/24 -ci 2001:db8::1
  mig netstat --local -lp 22 -lp 443 -namespaces
  mig netstat --local -ni fe80::/10 -show all -render json | jq .)";

using NetstatModule = TypedModule<Parameters, NetstatCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<NetstatModule>(NetstatModule::Spec{
    .name = "netstat",
    .summary = "local MACs and IPs, ARP/NDP neighbours, connected IPs, listening ports",
    .help = kHelp,
    .parse = ParseParameters,
    .run = [](const Parameters& parameters, const RunContext& context) { return RunNetstat(parameters, context); },
    .render = RenderResultText,
    .sandbox = {.socket_families = {AF_NETLINK}},  // sock_diag and rtnetlink queries; /proc/net is read as files
    .units = {"entries", "namespaces"},
}));

}  // namespace
}  // namespace mig::modules::netstat
