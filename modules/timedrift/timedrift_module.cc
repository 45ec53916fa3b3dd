// The timedrift module: the local time, and how far it is from network time.
#include <sys/socket.h>

#include "absl/strings/str_cat.h"
#include "modules/module.h"
#include "modules/result.h"
#include "modules/timedrift/command_line.h"
#include "modules/timedrift/parameters.h"
#include "modules/timedrift/render.h"
#include "modules/timedrift/timedrift.h"
#include "modules/typed_module.h"

namespace mig::modules::timedrift {
namespace {

constexpr std::string_view kHelp =
    R"(Reports the local time and, with -drift, checks it against network time with MIG's timedrift
module parameters and results: each NTP server is asked once over SNTP (RFC 4330), all in parallel,
and the host is within the drift when the median of the servers' offsets is within it. Each server's
offset ("drift": local minus server time), round trip and reachability, or why it could not be used
(name resolution, silence, kiss-o'-death, an unsynchronized server, a reply that is not an answer to
our request), are in the statistics. A host out of the drift is a match.

Servers: -server (repeatable, host or host:port), else the host's ntpd (/etc/ntp.conf), chrony
(/etc/chrony/chrony.conf, /etc/chrony.conf, /etc/chrony/sources.d/*.sources) or systemd-timesyncd
(/etc/systemd/timesyncd.conf and timesyncd.conf.d/*.conf) configuration, else MIG's fallback pool
(time.nist.gov, 0-3.pool.ntp.org).

Examples:
  mig timedrift --local
  mig timedrift --local -drift 5s -show all
  mig timedrift --local -drift 500ms -server ntp1.example.net -server 192.0.2.123:123 -servertimeout 2s
  mig timedrift -drift 5s --target "environment->>'ident' LIKE '%Debian%'" --print-action)";

using TimedriftModule = TypedModule<Parameters, TimedriftCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<TimedriftModule>(TimedriftModule::Spec{
    .name = "timedrift",
    .summary = "local time, and its drift from NTP servers",
    .help = kHelp,
    .parse = ParseParameters,
    .run = [](const Parameters& parameters, const RunContext& context) { return RunTimedrift(parameters, context); },
    .render = RenderResultText,
    .sandbox = {.socket_families = {AF_INET, AF_INET6}},  // NTP over UDP, and name resolution
}));

}  // namespace
}  // namespace mig::modules::timedrift
