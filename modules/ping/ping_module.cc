// The ping module: is a destination reachable from the endpoint, by ICMP echo, TCP connect or UDP?
#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "modules/module.h"
#include "modules/ping/command_line.h"
#include "modules/ping/parameters.h"
#include "modules/ping/ping.h"
#include "modules/ping/render.h"
#include "modules/result.h"
#include "modules/typed_module.h"

namespace mig::modules::ping {
namespace {

constexpr std::string_view kHelp =
    R"(Checks whether the endpoint reaches a destination, with MIG's ping module parameters and results:
an ICMP echo, a TCP connect() or a UDP datagram, -c times, waiting at most -t seconds for each.

Latencies are in milliseconds; MIG's codes mark pings with no answer: -1 refused or unreachable (for tcp
and udp: the port is closed), 9999999 timed out, 0 failed (the reason is in the failures). A udp ping that
times out counts as reachable, as in MIG: an open UDP port usually stays silent, a closed one answers
with an ICMP port unreachable. ICMP uses an unprivileged ICMP socket where net.ipv4.ping_group_range
allows it, else a raw socket (root). The destination resolves through /etc/hosts and DNS; the first
address is pinged.

Examples:
  mig ping --local -d 127.0.0.1
  mig ping --local -d ::1 -c 5 -t 2
  mig ping --local -d localhost -dp 22 -p tcp -c 1
  mig ping --local -d 192.0.2.53 -dp 53 -p udp -show all
  mig ping -d www.example.net -dp 443 -p tcp --target "name='web1'" -e 1h --print-action)";

using PingModule = TypedModule<Parameters, PingCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<PingModule>(PingModule::Spec{
    .name = "ping",
    .summary = "ping a destination by icmp, tcp or udp from the endpoint",
    .help = kHelp,
    .parse = ParseParameters,
    .run = RunPing,
    .render = RenderResultText,
    .sandbox = {.socket_families = {AF_INET, AF_INET6}},  // TCP, UDP and ICMP probes, and name resolution
}));

}  // namespace
}  // namespace mig::modules::ping
