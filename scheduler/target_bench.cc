// What targets cost: parsing and rendering, selection over a fleet of 10,000 agents, and the costliest target
// the limits allow over agents with 1 MiB environments (how long until it is stopped, how much memory).
//
//   bazel run -c opt //scheduler:target_bench
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/store.h"
#include "scheduler/target.h"
#include "scheduler/target_language.h"
#include "scheduler/target_sql.h"
#include "sqlite3.h"

namespace mig::scheduler {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

template <typename F>
double MedianSeconds(int runs, F&& run) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(Seconds(std::chrono::steady_clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string Fleet(const std::string& name, int agents, const std::string& environment) {
  std::string path = absl::StrCat("/tmp/", name, ".", getpid(), ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());
  absl::StatusOr<Store> store = Store::Open(path);
  if (!store.ok()) std::abort();
  std::vector<AgentHeartbeat> heartbeats;
  for (int i = 0; i < agents; ++i) {
    heartbeats.push_back({.name = absl::StrCat("agent", i),
                          .queue = absl::StrCat("mig.agent.agent", i),
                          .mode = i % 10 == 0 ? "checkin" : "daemon",
                          .version = "1",
                          .pid = i + 1,
                          .environment_json = environment,
                          .tags_json = i % 3 == 0 ? R"({"env":"prod"})" : R"({"env":"dev"})"});
  }
  if (!store->RecordHeartbeats(heartbeats, kNow).ok()) std::abort();
  return path;
}

int Main() {
  const std::string kEnvironment =
      R"json({"os":"linux","arch":"amd64","ident":"Debian GNU/Linux 12 (bookworm)","init":"systemd",)json"
      R"json("addresses":["10.1.2.3/16","fe80::1234:5678:9abc:def0/64"],"publicip":"203.0.113.7",)json"
      R"json("modules":["file","netstat","memory","pkg","scribe","sshkey","ping","timedrift"],)json"
      R"json("migrelease":"0.2.0"})json";
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back(absl::StrCat("'agent", i * 7, "'"));
  const std::vector<std::string> kTargets = {
      "status='online'",
      "status='online' AND tags->>'env'='prod'",
      "name LIKE 'agent1%'",
      "environment->>'os'='linux' AND environment->>'arch'='amd64' AND mode='daemon'",
      "environment->>'ident' ILIKE '%debian%' AND heartbeattime > NOW() - INTERVAL '10 minutes'",
      absl::StrCat("(status='online') AND name IN (", absl::StrJoin(names, ","), ")"),  // --target-found, 1,000
  };

  std::string path = Fleet("target_bench", 10'000, kEnvironment);
  absl::StatusOr<TargetSelector> selector = TargetSelector::Open(path);
  if (!selector.ok()) std::abort();
  std::printf("%-60s %12s %12s %9s\n", "target (10,000 agents)", "parse+render", "select", "selected");
  for (const std::string& target : kTargets) {
    constexpr int kParses = 2000;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kParses; ++i) {
      absl::StatusOr<ParsedTarget> parsed = ParseTarget(target);
      if (!parsed.ok()) std::abort();
      SqlCondition where = RenderSqlite(parsed->root, kNow);
      if (where.sql.empty()) std::abort();
    }
    double parse = Seconds(std::chrono::steady_clock::now() - start) / kParses;
    size_t selected = 0;
    double select = MedianSeconds(15, [&] {
      absl::StatusOr<std::vector<TargetedAgent>> agents = selector->Select(target, kNow);
      if (!agents.ok()) std::abort();
      selected = agents->size();
    });
    std::string shown = target.size() > 58 ? absl::StrCat(target.substr(0, 55), "...") : target;
    std::printf("%-60s %9.1f us %9.2f ms %9zu\n", shown.c_str(), parse * 1e6, select * 1e3, selected);
  }

  // The costliest target over 64 agents whose environments are as large as a heartbeat allows.
  std::string padding((1 << 20) - 64, 'a');
  std::string large = Fleet("target_bench_large", 64, absl::StrCat(R"({"os":"linux","pad":")", padding, R"("})"));
  absl::StatusOr<TargetSelector> bounded = TargetSelector::Open(large);
  if (!bounded.ok()) std::abort();
  std::string pattern = "%" + std::string(62, 'a') + "b";
  std::string costliest =
      absl::StrCat("environment->>'pad' LIKE '", pattern, "' OR environment->>'pad' LIKE '", pattern, "'");
  for (int i = 0; i < 14; ++i) absl::StrAppend(&costliest, " OR environment->>'pad' = 'x'");
  sqlite3_int64 before = sqlite3_memory_used();
  sqlite3_memory_highwater(1);
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<TargetedAgent>> refused = bounded->Select(costliest, kNow);
  double elapsed = Seconds(std::chrono::steady_clock::now() - start);
  sqlite3_int64 peak = sqlite3_memory_highwater(0) - before;
  std::printf(
      "\ncostliest allowed target, 64 agents with 1 MiB environments: %s after %.2f s, peak SQLite memory %lld KiB\n",
      refused.ok() ? "ran" : std::string(refused.status().message()).c_str(), elapsed,
      static_cast<long long>(peak / 1024));
  for (const std::string& p : {path, large}) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(p, suffix).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace mig::scheduler

int main() { return mig::scheduler::Main(); }
