// How long reading this host's socket tables takes, through sock_diag and through /proc/self/net:
//   bazel run //modules/netstat:tables_benchmark -- 20
#include <cstdio>
#include <cstdlib>

#include "absl/time/clock.h"
#include "modules/netstat/netlink.h"
#include "modules/netstat/proc_net.h"

int main(int argc, char** argv) {
  using namespace mig::modules::netstat;
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  for (int round = 0; round < rounds; ++round) {
    absl::Time start = absl::Now();
    absl::StatusOr<std::vector<Socket>> dumped = DumpSockets();
    absl::Time middle = absl::Now();
    absl::StatusOr<std::vector<Socket>> read = ReadSockets("/proc/self/net");
    absl::Time end = absl::Now();
    std::printf("sock_diag: %zu sockets in %.2f ms   /proc: %zu sockets in %.2f ms\n", dumped.ok() ? dumped->size() : 0,
                absl::ToDoubleMilliseconds(middle - start), read.ok() ? read->size() : 0,
                absl::ToDoubleMilliseconds(end - middle));
  }
  return 0;
}
