#include "modules/timedrift/timedrift.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/go_format.h"
#include "base/json/writer.h"
#include "base/rfc3339.h"
#include "modules/result.h"
#include "modules/timedrift/query.h"
#include "modules/timedrift/servers.h"

namespace mig::modules::timedrift {
namespace {

// Go's time.RFC3339Nano, in UTC.
std::string Rfc3339Nano(absl::Time time) { return FormatRfc3339(time); }

// What the query threads share with the caller. The threads own a reference, so a query that outlives the
// run (a name resolution that does not finish) writes into memory that is still there.
struct Queries {
  explicit Queries(size_t servers) : reports(servers) {}

  absl::Mutex mutex;
  absl::CondVar finished;
  std::vector<std::optional<ServerReport>> reports ABSL_GUARDED_BY(mutex);
  size_t pending ABSL_GUARDED_BY(mutex) = 0;
  std::atomic<bool> stop{false};
};

std::vector<ServerReport> QueryAll(const std::vector<std::string>& names, absl::Duration timeout,
                                   const RunContext& context) {
  auto queries = std::make_shared<Queries>(names.size());
  absl::Time start = absl::Now();
  absl::Time exchange_deadline = std::min(start + timeout, context.deadline);
  absl::Time give_up = std::min(start + timeout + kResolutionGrace, context.deadline);
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StatusOr<NtpServer> server = ParseServer(names[i]);
    if (!server.ok()) {
      ServerReport report;
      report.name = names[i];
      report.error = std::string(server.status().message());
      absl::MutexLock lock(&queries->mutex);
      queries->reports[i] = std::move(report);
      continue;
    }
    {
      absl::MutexLock lock(&queries->mutex);
      ++queries->pending;
    }
    std::thread([queries, i, server = *server, exchange_deadline] {
      ServerReport report = QueryServer(server, exchange_deadline, queries->stop);
      absl::MutexLock lock(&queries->mutex);
      queries->reports[i] = std::move(report);
      --queries->pending;
      queries->finished.SignalAll();
    }).detach();
  }

  absl::MutexLock lock(&queries->mutex);
  while (queries->pending > 0 && absl::Now() < give_up) {
    if (context.ShouldStop()) break;
    absl::Time slice = std::min(give_up, absl::Now() + absl::Milliseconds(50));
    queries->finished.WaitWithDeadline(&queries->mutex, slice);
  }
  queries->stop = true;
  std::vector<ServerReport> reports;
  for (size_t i = 0; i < names.size(); ++i) {
    if (queries->reports[i].has_value()) {
      reports.push_back(*queries->reports[i]);
      continue;
    }
    ServerReport late;
    late.name = names[i];
    late.error = context.ShouldStop() ? "the module stopped before the server answered"
                                      : "no answer in time (name resolution did not finish)";
    reports.push_back(std::move(late));
  }
  return reports;
}

absl::Duration Median(std::vector<absl::Duration> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool WithinDrift(absl::Duration offset, absl::Duration drift) { return absl::AbsDuration(offset) <= drift; }

void WriteServer(json::JsonWriter& w, const ServerReport& r, absl::Duration drift) {
  w.BeginObject();
  w.Field("host", r.name);
  w.Field("address", r.address);
  w.Field("reachable", r.reachable);
  // Unreachable servers carry Go's zero values, as MIG's results do.
  w.Field("time", r.reachable ? Rfc3339Nano(r.server_time) : "0001-01-01T00:00:00Z");
  w.Field("latency", r.reachable ? GoDurationString(r.round_trip) : "");
  w.Field("drift", r.reachable ? GoDurationString(-r.offset) : "");
  w.Field("delay", r.reachable ? GoDurationString(r.delay) : "");
  w.Field("stratum", r.stratum);
  w.Field("withindrift", r.reachable && WithinDrift(r.offset, drift));
  w.Field("error", r.error);
  w.EndObject();
}

}  // namespace

std::string RunTimedrift(const Parameters& parameters, const RunContext& context, const std::string& config_root) {
  absl::Time start = absl::Now();
  ResultEnvelope result;
  json::JsonWriter elements;
  elements.BeginObject();
  json::JsonWriter statistics;
  statistics.BeginObject();

  if (!parameters.drift.has_value()) {
    // MIG: with no drift, the module only reports the local time, and that counts as found.
    elements.Field("hascheckeddrift", false);
    elements.Field("localtime", Rfc3339Nano(start));
    elements.EndObject();
    statistics.Field("exectime", GoDurationString(absl::Now() - start));
    statistics.EndObject();
    result.found_anything = true;
    result.success = true;
    result.elements_json = std::move(elements).Take();
    result.statistics_json = std::move(statistics).Take();
    return result.ToJson();
  }
  absl::Duration drift = *parameters.drift;

  ServerList list;
  if (!parameters.servers.empty()) {
    list.servers = parameters.servers;
    list.source = "parameters";
  } else {
    list = ConfiguredServers(config_root);
  }
  if (list.servers.size() > kMaxServers) {
    result.errors.push_back(
        absl::StrCat(list.source, " names ", list.servers.size(), " servers; the first ", kMaxServers, " were asked"));
    list.servers.resize(kMaxServers);
  }

  std::vector<ServerReport> reports = QueryAll(list.servers, parameters.timeout, context);
  std::vector<absl::Duration> offsets;
  std::vector<std::string> drifts;
  for (const ServerReport& r : reports) {
    if (!r.reachable) continue;
    offsets.push_back(r.offset);
    if (WithinDrift(r.offset, drift)) continue;
    // MIG's wording. A positive offset means the network is ahead of us.
    drifts.push_back(
        r.offset > absl::ZeroDuration()
            ? absl::StrCat("Local time is behind ntp host ", r.name, " by ", GoDurationString(r.offset))
            : absl::StrCat("Local time is ahead of ntp host ", r.name, " by ", GoDurationString(-r.offset)));
  }
  bool checked = !offsets.empty();
  // One server that is off (a falseticker) must not condemn the host: the verdict takes the median.
  bool within = !checked || WithinDrift(Median(offsets), drift);
  if (!checked) {
    result.errors.push_back(absl::StrCat("no NTP server answered (", reports.size(), " asked, from ", list.source,
                                         "): the drift was not checked"));
  }
  if (context.ShouldStop()) {
    result.errors.push_back(context.cancelled != nullptr && context.cancelled->load()
                                ? "the module was cancelled: results are incomplete"
                                : "the module reached its deadline: results are incomplete");
  }

  elements.Field("hascheckeddrift", checked);
  elements.Field("iswithindrift", checked && within);
  elements.Key("drifts");
  elements.StringArray(drifts);
  elements.Field("localtime", Rfc3339Nano(start));
  elements.EndObject();

  statistics.Field("exectime", GoDurationString(absl::Now() - start));
  statistics.Field("serversource", list.source);
  statistics.Key("ntpstats");
  statistics.BeginArray();
  for (const ServerReport& r : reports) WriteServer(statistics, r, drift);
  statistics.EndArray();
  statistics.EndObject();

  result.found_anything = checked && !within;
  result.success = checked;
  result.elements_json = std::move(elements).Take();
  result.statistics_json = std::move(statistics).Take();
  return result.ToJson();
}

}  // namespace mig::modules::timedrift
