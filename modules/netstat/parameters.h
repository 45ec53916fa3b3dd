// The netstat module's parameters, in MIG's JSON shape:
//
//   {"localmac": ["^8c:70:5a"], "neighbormac": ["..."], "localip": ["10.0.0.0/8"], "neighborip": ["fe80::1"],
//    "connectedip": ["192.0.2.0/24"], "listeningport": ["22"], "namespaces": true}
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));   // validated
//   std::string json = ParametersToJson(params);
#ifndef MIG_MODULES_NETSTAT_PARAMETERS_H_
#define MIG_MODULES_NETSTAT_PARAMETERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "re2/re2.h"

namespace mig::modules::netstat {

struct Parameters {
  std::vector<std::string> local_mac;       // regexes on this host's interface MACs (case-insensitive)
  std::vector<std::string> neighbor_mac;    // regexes on MACs in the ARP/NDP tables (case-insensitive)
  std::vector<std::string> local_ip;        // addresses or CIDRs of this host's interfaces
  std::vector<std::string> neighbor_ip;     // addresses or CIDRs in the ARP/NDP tables
  std::vector<std::string> connected_ip;    // addresses or CIDRs of remote ends of TCP and UDP sockets
  std::vector<std::string> listening_port;  // TCP and UDP ports listened on, "1".."65535"
  bool namespaces = false;                  // also look inside the host's other network namespaces

  size_t CheckCount() const;
};

// Parses and validates MIG's parameters JSON. Unknown fields and wrong types are errors naming the field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Validates parameters built in code (from flags): regexes, addresses, CIDRs and ports.
absl::Status ValidateParameters(const Parameters& parameters);

// MIG's JSON for the parameters (empty lists left out, as MIG's omitempty does).
std::string ParametersToJson(const Parameters& parameters);

// How MAC regexes compile: RE2 (Go syntax), case-insensitive as MAC notation varies in case.
RE2::Options MacRegexOptions();

// A port as given ("443"), checked to be 1..65535.
absl::StatusOr<int> ParsePort(std::string_view port);

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_PARAMETERS_H_
