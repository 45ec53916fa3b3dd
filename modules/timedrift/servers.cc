#include "modules/timedrift/servers.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"

namespace mig::modules::timedrift {
namespace {

constexpr size_t kMaxHostLength = 253;
constexpr size_t kMaxConfigBytes = 1 << 20;

absl::Status InvalidServer(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("server '", text, "' ", why));
}

std::vector<std::string_view> Fields(std::string_view line) {
  line = line.substr(0, line.find('#'));
  return absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
}

// The text of every regular file in `directory` whose name ends with `suffix`, in name order.
std::vector<std::pair<std::string, std::string>> ReadDirectory(const std::string& directory, std::string_view suffix) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(directory.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (absl::EndsWith(name, suffix) && name[0] != '.') names.push_back(name);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& name : names) {
    std::string path = absl::StrCat(directory, "/", name);
    absl::StatusOr<std::string> text = ReadFileBounded(path, kMaxConfigBytes);
    if (text.ok()) files.emplace_back(path, std::move(*text));
  }
  return files;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

absl::StatusOr<NtpServer> ParseServer(std::string_view text) {
  NtpServer server;
  server.name = std::string(text);
  std::string_view host = text;
  std::string_view port;
  if (absl::StartsWith(text, "[")) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return InvalidServer(text, "has '[' without ']'");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return InvalidServer(text, "has text after ']' that is not ':port'");
      port = rest.substr(1);
      if (port.empty()) return InvalidServer(text, "has an empty port");
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return InvalidServer(text, "has an empty port");
  }
  if (host.empty()) return InvalidServer(text, "has no host");
  if (host.size() > kMaxHostLength) return InvalidServer(text, absl::StrCat("is longer than ", kMaxHostLength));
  for (char c : host) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '/' || c == '[' || c == ']' || c == '\\') {
      return InvalidServer(text, "is not a host name or an address");
    }
  }
  server.host = std::string(host);
  if (!port.empty()) {
    uint32_t number = 0;
    if (!absl::SimpleAtoi(port, &number) || number == 0 || number > 65535 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return absl::ascii_isdigit(c); })) {
      return InvalidServer(text, absl::StrCat("has port '", port, "': expected 1 to 65535"));
    }
    server.port = static_cast<uint16_t>(number);
  }
  return server;
}

const std::vector<std::string>& MigFallbackServers() {
  static const auto* servers = new std::vector<std::string>{"time.nist.gov", "0.pool.ntp.org", "1.pool.ntp.org",
                                                            "2.pool.ntp.org", "3.pool.ntp.org"};
  return *servers;
}

std::vector<std::string> ServersFromNtpConf(std::string_view text) {
  std::vector<std::string> servers;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string_view> fields = Fields(line);
    if (fields.size() < 2) continue;
    if (fields[0] != "server" && fields[0] != "pool" && fields[0] != "peer") continue;
    if (absl::StartsWith(fields[1], "127.127.")) continue;  // a reference clock driver, not a server
    servers.emplace_back(fields[1]);
  }
  return servers;
}

std::vector<std::string> ServersFromChronyConf(std::string_view text) {
  std::vector<std::string> servers;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string_view> fields = Fields(line);
    if (fields.size() < 2) continue;
    if (fields[0] != "server" && fields[0] != "pool" && fields[0] != "peer") continue;
    std::string server(fields[1]);
    for (size_t i = 2; i + 1 < fields.size(); ++i) {
      if (fields[i] != "port") continue;
      server = absl::StrContains(server, ':') ? absl::StrCat("[", server, "]:", fields[i + 1])
                                              : absl::StrCat(server, ":", fields[i + 1]);
    }
    servers.push_back(std::move(server));
  }
  return servers;
}

std::vector<std::string> ServersFromTimesyncdConf(std::string_view text) {
  std::vector<std::string> ntp, fallback;
  bool in_time_section = false;
  for (std::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      in_time_section = line == "[Time]";
      continue;
    }
    if (!in_time_section) continue;
    std::pair<std::string_view, std::string_view> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    std::string_view key = absl::StripAsciiWhitespace(kv.first);
    std::vector<std::string>* list = key == "NTP" ? &ntp : key == "FallbackNTP" ? &fallback : nullptr;
    if (list == nullptr) continue;
    list->clear();  // a later assignment replaces the earlier one, as systemd reads it
    for (std::string_view name : absl::StrSplit(kv.second, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
      list->emplace_back(name);
    }
  }
  return ntp.empty() ? fallback : ntp;
}

ServerList ConfiguredServers(const std::string& root) {
  std::string etc = absl::StrCat(absl::StripSuffix(root, "/"), "/etc");
  auto read = [](const std::string& path) -> std::string {
    if (!Exists(path)) return "";
    absl::StatusOr<std::string> text = ReadFileBounded(path, kMaxConfigBytes);
    return text.ok() ? *text : "";
  };
  ServerList list;
  std::string ntp_conf = absl::StrCat(etc, "/ntp.conf");
  list.servers = ServersFromNtpConf(read(ntp_conf));
  if (!list.servers.empty()) {
    list.source = ntp_conf;
    return list;
  }

  std::vector<std::string> sources;
  for (const std::string& path : {absl::StrCat(etc, "/chrony/chrony.conf"), absl::StrCat(etc, "/chrony.conf")}) {
    std::vector<std::string> servers = ServersFromChronyConf(read(path));
    if (servers.empty()) continue;
    list.servers.insert(list.servers.end(), servers.begin(), servers.end());
    sources.push_back(path);
  }
  for (const auto& [path, text] : ReadDirectory(absl::StrCat(etc, "/chrony/sources.d"), ".sources")) {
    std::vector<std::string> servers = ServersFromChronyConf(text);
    if (servers.empty()) continue;
    list.servers.insert(list.servers.end(), servers.begin(), servers.end());
    sources.push_back(path);
  }
  if (!list.servers.empty()) {
    list.source = absl::StrJoin(sources, ", ");
    return list;
  }

  // Drop-ins override the main file, key by key, in name order.
  std::string timesyncd = absl::StrCat(etc, "/systemd/timesyncd.conf");
  std::string merged = read(timesyncd);
  sources = {timesyncd};
  for (const auto& [path, text] : ReadDirectory(absl::StrCat(etc, "/systemd/timesyncd.conf.d"), ".conf")) {
    absl::StrAppend(&merged, "\n[]\n", text);
    sources.push_back(path);
  }
  list.servers = ServersFromTimesyncdConf(merged);
  if (!list.servers.empty()) {
    list.source = absl::StrJoin(sources, ", ");
    return list;
  }
  list.servers = MigFallbackServers();
  list.source = "MIG's fallback pool";
  return list;
}

}  // namespace mig::modules::timedrift
