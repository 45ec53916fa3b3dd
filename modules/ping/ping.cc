#include "modules/ping/ping.h"

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/json/writer.h"
#include "modules/ping/destination.h"
#include "modules/ping/probe.h"
#include "modules/result.h"

namespace mig::modules::ping {
namespace {

// MIG's "host:port (ip)"; IPv6 literals get brackets so that the port stays readable.
std::string ResolvedHost(const Parameters& parameters, const Destination& destination) {
  std::string host = parameters.destination;
  if (parameters.protocol != Protocol::kIcmp) {
    if (host.find(':') != std::string::npos && host.front() != '[') host = absl::StrCat("[", host, "]");
    absl::StrAppend(&host, ":", parameters.port);
  }
  return absl::StrCat(host, " (", destination.ip, ")");
}

ProbeOutcome Probe(const Parameters& parameters, const Destination& destination, uint16_t sequence,
                   const RunContext& context) {
  absl::Time deadline = std::min(absl::Now() + parameters.timeout(), context.deadline);
  switch (parameters.protocol) {
    case Protocol::kTcp:
      return ProbeTcp(destination, deadline, context.cancelled);
    case Protocol::kUdp:
      return ProbeUdp(destination, deadline, context.cancelled);
    case Protocol::kIcmp:
      break;
  }
  return ProbeIcmp(destination, sequence, deadline, context.cancelled);
}

void PauseBeforeNextPing(const RunContext& context) {
  absl::Time until = std::min(absl::Now() + kPauseBetweenPings, context.deadline);
  while (!context.ShouldStop() && absl::Now() < until) {
    absl::SleepFor(std::min(absl::Milliseconds(20), until - absl::Now()));
  }
}

std::string StoppedMessage(const RunContext& context, uint64_t done, uint64_t count) {
  bool cancelled = context.cancelled != nullptr && context.cancelled->load();
  return absl::StrCat(cancelled ? "the module was cancelled" : "the module reached its deadline", " after ", done,
                      " of ", count, " pings");
}

}  // namespace

std::string RunPing(const Parameters& parameters, const RunContext& context) {
  absl::StatusOr<Destination> destination = ResolveDestination(parameters.destination, parameters.port);
  if (!destination.ok()) return FailedResult(destination.status().message());

  ResultEnvelope result;
  std::vector<double> latencies;
  std::vector<std::string> failures;
  for (uint64_t i = 0; i < parameters.count; ++i) {
    if (i > 0) PauseBeforeNextPing(context);
    if (context.ShouldStop()) {
      result.errors.push_back(StoppedMessage(context, i, parameters.count));
      break;
    }
    ProbeOutcome outcome = Probe(parameters, *destination, static_cast<uint16_t>(i), context);
    // A ping cut short by the run's deadline or a cancel says nothing about the destination.
    if (outcome.status != ProbeStatus::kAnswered && context.ShouldStop()) {
      result.errors.push_back(StoppedMessage(context, i, parameters.count));
      break;
    }
    switch (outcome.status) {
      case ProbeStatus::kAnswered:
        latencies.push_back(absl::ToDoubleMilliseconds(outcome.latency));
        result.found_anything = true;
        break;
      case ProbeStatus::kTimedOut:
        latencies.push_back(kLatencyTimedOut);
        // Silence is what an open UDP port usually gives: MIG counts it as reachable, and so do we.
        if (parameters.protocol == Protocol::kUdp) result.found_anything = true;
        break;
      case ProbeStatus::kRefused:
        latencies.push_back(kLatencyUnreachable);
        // A refusal is what -1 says; a host or network unreachable is worth telling apart.
        if (outcome.error != ECONNREFUSED) failures.push_back(absl::StrCat("ping #", i + 1, ": ", outcome.reason));
        break;
      case ProbeStatus::kFailed:
        latencies.push_back(kLatencyFailed);
        failures.push_back(absl::StrCat("ping #", i + 1, " failed with error: ", outcome.reason));
        break;
    }
  }

  json::JsonWriter elements;
  elements.BeginObject();
  elements.Key("latencies");
  elements.BeginArray();
  for (double latency : latencies) elements.Double(latency);
  elements.EndArray();
  elements.Field("protocol", ProtocolName(parameters.protocol));
  elements.Field("resolvedhost", ResolvedHost(parameters, *destination));
  elements.Key("failures");
  elements.StringArray(failures);
  elements.EndObject();
  result.elements_json = std::move(elements).Take();
  result.success = result.errors.empty();
  return result.ToJson();
}

}  // namespace mig::modules::ping
