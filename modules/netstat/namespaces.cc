#include "modules/netstat/namespaces.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig::modules::netstat {
namespace {

bool ReadLink(const std::string& path, std::string* target) {
  char buffer[256];
  ssize_t n = readlink(path.c_str(), buffer, sizeof(buffer));
  if (n <= 0 || n == sizeof(buffer)) return false;
  target->assign(buffer, n);
  return true;
}

}  // namespace

absl::StatusOr<std::string> OwnNetworkNamespaceId(const std::string& proc) {
  std::string id;
  std::string path = absl::StrCat(proc, "/self/ns/net");
  if (!ReadLink(path, &id)) return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  return id;
}

absl::StatusOr<std::vector<NetworkNamespace>> ListNetworkNamespaces(const std::string& proc) {
  MIG_ASSIGN_OR_RETURN(std::string own_id, OwnNetworkNamespaceId(proc));
  std::map<std::string, std::vector<std::string>> directories_by_id;
  DIR* directory = opendir(proc.c_str());
  if (directory == nullptr) return absl::UnavailableError(absl::StrCat("cannot list ", proc, ": ", strerror(errno)));
  while (const dirent* entry = readdir(directory)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid <= 0) continue;
    std::string id;
    if (!ReadLink(absl::StrCat(proc, "/", entry->d_name, "/ns/net"), &id) || id == own_id) continue;
    std::vector<std::string>& directories = directories_by_id[id];
    // A few candidates are plenty to outlive processes exiting meanwhile.
    if (directories.size() < 4) directories.push_back(absl::StrCat(proc, "/", entry->d_name, "/net"));
  }
  closedir(directory);
  std::vector<NetworkNamespace> namespaces;
  namespaces.push_back({own_id, true, {absl::StrCat(proc, "/self/net")}});
  for (auto& [id, directories] : directories_by_id) namespaces.push_back({id, false, std::move(directories)});
  return namespaces;
}

}  // namespace mig::modules::netstat
