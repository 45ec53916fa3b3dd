#include "agent/environment.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agent/state_directory/release_records.h"
#include "agent/state_directory/state_directory.h"
#include "base/files.h"
#include "base/json/writer.h"
#include "modules/module.h"

namespace mig::agent {
namespace {

// A host file the environment is described from; empty when it is missing, not a regular file or too large.
std::string ReadSmallFile(const std::string& path) { return ReadFileBounded(path, 64 << 10).value_or(""); }

// KEY=value or KEY="value" from os-release.
std::string OsReleaseField(const std::string& text, std::string_view key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::string_view view = line;
    if (!absl::ConsumePrefix(&view, key) || !absl::ConsumePrefix(&view, "=")) continue;
    view = absl::StripAsciiWhitespace(view);
    if (view.size() >= 2 && (view.front() == '"' || view.front() == '\'') && view.back() == view.front()) {
      view = view.substr(1, view.size() - 2);
    }
    return std::string(view);
  }
  return "";
}

std::string InitSystem(const std::string& root) {
  std::string comm(absl::StripAsciiWhitespace(ReadSmallFile(absl::StrCat(root, "proc/1/comm"))));
  if (comm == "systemd") return "systemd";
  if (comm == "init") {
    // upstart and sysvinit both call PID 1 init.
    std::string exe = ReadSmallFile(absl::StrCat(root, "proc/1/cmdline"));
    if (absl::StrContains(exe, "upstart")) return "upstart";
    return "sysvinit";
  }
  return comm;
}

std::vector<std::string> Addresses() {
  std::vector<std::string> addresses;
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return addresses;
  for (struct ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    int family = entry->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    char text[INET6_ADDRSTRLEN] = {};
    int prefix = 0;
    if (family == AF_INET) {
      auto* address = reinterpret_cast<sockaddr_in*>(entry->ifa_addr);
      inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
      if (entry->ifa_netmask != nullptr) {
        prefix = __builtin_popcount(reinterpret_cast<sockaddr_in*>(entry->ifa_netmask)->sin_addr.s_addr);
      }
    } else {
      auto* address = reinterpret_cast<sockaddr_in6*>(entry->ifa_addr);
      inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof(text));
      if (entry->ifa_netmask != nullptr) {
        for (uint8_t byte : reinterpret_cast<sockaddr_in6*>(entry->ifa_netmask)->sin6_addr.s6_addr) {
          prefix += __builtin_popcount(byte);
        }
      }
    }
    addresses.push_back(absl::StrCat(text, "/", prefix));
  }
  freeifaddrs(list);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

}  // namespace

Environment ReadEnvironment(const EnvironmentSources& sources) {
  std::string root =
      sources.root.empty() || sources.root.back() != '/' ? absl::StrCat(sources.root, "/") : sources.root;
  Environment environment;
  std::string os_release = ReadSmallFile(absl::StrCat(root, "etc/os-release"));
  if (os_release.empty()) os_release = ReadSmallFile(absl::StrCat(root, "usr/lib/os-release"));
  environment.ident = OsReleaseField(os_release, "PRETTY_NAME");
  environment.release = OsReleaseField(os_release, "VERSION_ID");
  struct utsname names;
  if (uname(&names) == 0) {
    environment.arch = names.machine;
    environment.kernel = names.release;
    environment.hostname = names.nodename;
  }
  environment.init = InitSystem(root);
  environment.addresses = Addresses();
  for (const modules::Module* module : modules::AllModules()) environment.modules.emplace_back(module->name());
  if (!sources.state_dir.empty()) {
    const state_directory::StateDirectory paths(sources.state_dir);
    absl::StatusOr<std::optional<release::Manifest>> installed = state_directory::ReadInstalledRelease(paths);
    if (installed.ok() && installed->has_value()) environment.mig_release = (*installed)->version;
    if (std::optional<state_directory::FailedRelease> failed = state_directory::ReadFailedRelease(paths)) {
      std::string_view reason = failed->reason;
      environment.mig_release_failed = absl::StrCat(failed->version, ": ", reason.substr(0, reason.find('\n')));
    }
  }
  return environment;
}

std::string EnvironmentJson(const Environment& environment) {
  json::JsonWriter w;
  w.BeginObject();
  w.Field("os", environment.os);
  w.Field("ident", environment.ident);
  w.Field("release", environment.release);
  w.Field("arch", environment.arch);
  w.Field("kernel", environment.kernel);
  w.Field("init", environment.init);
  w.Field("hostname", environment.hostname);
  w.Key("addresses");
  w.StringArray(environment.addresses);
  w.Field("publicip", environment.public_ip);
  w.Key("modules");
  w.StringArray(environment.modules);
  if (!environment.mig_release.empty()) w.Field("migrelease", environment.mig_release);
  if (!environment.mig_release_failed.empty()) w.Field("migreleasefailed", environment.mig_release_failed);
  w.EndObject();
  return std::move(w).Take();
}

}  // namespace mig::agent
