// Where releases come from: an HTTPS URL (the server's certificate verified against the configuration's CA)
// or, for air-gapped hosts fed by removable media, a local directory (file:///media/mig/). Either way a
// release is a directory holding manifest.json and the files it lists, by name.
//
//   MIG_ASSIGN_OR_RETURN(ReleaseSource source, ReleaseSource::Open(config.loader.update_source, ca_pem));
//   MIG_ASSIGN_OR_RETURN(std::string manifest, source.Fetch("manifest.json", release::kMaxManifestBytes));
#ifndef MIG_LOADER_RELEASE_SOURCE_H_
#define MIG_LOADER_RELEASE_SOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::loader {

inline constexpr char kManifestName[] = "manifest.json";

class ReleaseSource {
 public:
  // `url`: https://host[:port]/path/ or file:///absolute/dir/ (a missing final '/' is added). `ca_pem` is
  // required for https. `server_name` overrides the name the certificate must carry (empty: the URL's host).
  static absl::StatusOr<ReleaseSource> Open(std::string_view url, std::string ca_pem, std::string server_name = "",
                                            absl::Duration timeout = absl::Minutes(5));

  // The whole file `name` (a plain name from a manifest), refusing more than `max_bytes`. Errors name the
  // URL: NotFound when the source has no such file, Unavailable/DeadlineExceeded/Unauthenticated for the
  // network, DataLoss for a truncated transfer.
  absl::StatusOr<std::string> Fetch(std::string_view name, uint64_t max_bytes) const;

  const std::string& url() const { return url_; }

 private:
  std::string url_;        // with its final '/'
  std::string directory_;  // file:// sources: the directory, with its final '/'
  std::string ca_pem_;
  std::string server_name_;
  absl::Duration timeout_;
};

}  // namespace mig::loader

#endif  // MIG_LOADER_RELEASE_SOURCE_H_
