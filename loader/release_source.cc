#include "loader/release_source.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/http/client.h"
#include "base/url.h"

namespace mig::loader {

absl::StatusOr<ReleaseSource> ReleaseSource::Open(std::string_view url, std::string ca_pem, std::string server_name,
                                                  absl::Duration timeout) {
  ReleaseSource source;
  source.url_ = std::string(url);
  if (!absl::EndsWith(source.url_, "/")) source.url_ += "/";
  absl::StatusOr<Url> parsed = ParseUrl(source.url_, {"https", "file"});
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("update source: ", parsed.status().message(), " (https://host/path/ or file:///media/mig/)"));
  }
  if (!parsed->query.empty()) return absl::InvalidArgumentError(absl::StrCat("update source ", url, ": no query"));
  if (parsed->scheme == "file") {
    std::optional<std::string> directory = PercentDecode(parsed->path);
    if (!directory || directory->find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("update source ", url, ": bad path"));
    }
    source.directory_ = *std::move(directory);
  } else if (ca_pem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "update source ", url, ": the configuration has no CA ([certs] ca) to verify the server's certificate"));
  }
  source.ca_pem_ = std::move(ca_pem);
  source.server_name_ = std::move(server_name);
  source.timeout_ = timeout;
  return source;
}

absl::StatusOr<std::string> ReleaseSource::Fetch(std::string_view name, uint64_t max_bytes) const {
  if (name.empty() || absl::StrContains(name, "/") || name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a plain file name"));
  }
  if (!directory_.empty()) {
    // Whoever controls the medium controls these names: a FIFO, a device or a link must not make the loader
    // block, read without end or read another file of the host (base/files.h).
    return ReadFileBounded(absl::StrCat(directory_, name), max_bytes, FollowLinks::kNo);
  }
  std::string url = absl::StrCat(url_, name);
  absl::StatusOr<http::Response> response =
      http::Fetch(url, http::Request{},
                  {.timeout = timeout_,
                   .ca_pem = ca_pem_,
                   .server_name = server_name_,
                   .max_response_bytes = static_cast<size_t>(max_bytes) + (64 << 10)});
  if (!response.ok()) return response.status();
  if (response->status == 404) return absl::NotFoundError(absl::StrCat("GET ", url, ": 404 not found"));
  if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET ", url, ": HTTP status ", response->status));
  }
  if (response->body.size() > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("GET ", url, ": more than ", max_bytes, " bytes"));
  }
  return std::move(response->body);
}

}  // namespace mig::loader
