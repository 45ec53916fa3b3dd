#include "modules/scribe/policy_sources/make_policy.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "modules/scribe/policy_sources/apt_lists.h"
#include "modules/scribe/policy_sources/debian_tracker.h"
#include "modules/scribe/policy_sources/os_release.h"
#include "modules/scribe/policy_sources/osv.h"

namespace mig::modules::scribe::policy_sources {

absl::StatusOr<MadePolicy> MakePolicy(const PolicyRequest& request) {
  if (request.debian_tracker.empty() && request.osv_paths.empty() && !request.from_apt) {
    return absl::InvalidArgumentError(
        "no vulnerability source: give a Debian tracker file, OSV paths or the apt lists");
  }
  MadePolicy made;
  made.releases = request.releases;
  bool needs_release = !request.debian_tracker.empty() || request.from_apt;
  std::string os_id = "debian";
  if (needs_release) {
    absl::StatusOr<OsRelease> os = ReadOsRelease(request.os_release);
    if (os.ok() && !os->id.empty()) os_id = os->id;
    if (made.releases.empty()) {
      if (!os.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot tell this host's release (", os.status().message(), "); name one with --release"));
      }
      if (os->version_codename.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(request.os_release,
                         " has no VERSION_CODENAME, so this host's release is unknown; name one with --release"));
      }
      made.releases.push_back(os->version_codename);
    }
  }

  PolicyBuilder builder;
  if (!request.debian_tracker.empty()) {
    DebianTrackerOptions options{.releases = made.releases, .include_unfixed = request.include_unfixed};
    MIG_ASSIGN_OR_RETURN(SourceReport report, AddDebianTrackerFile(request.debian_tracker, options, &builder));
    made.reports.push_back(std::move(report));
  }
  if (!request.osv_paths.empty()) {
    OsvCollection osv({.include_unfixed = request.include_unfixed});
    for (const std::string& path : request.osv_paths) MIG_RETURN_IF_ERROR(osv.AddPath(path));
    MIG_ASSIGN_OR_RETURN(SourceReport report, osv.AddTests(&builder));
    made.reports.push_back(std::move(report));
  }
  if (request.from_apt) {
    AptListsOptions options{
        .lists_dir = request.lists_dir, .doc_dir = request.doc_dir, .releases = made.releases, .os_id = os_id};
    MIG_ASSIGN_OR_RETURN(SourceReport report, AddAptListsTests(options, &builder));
    made.reports.push_back(std::move(report));
  }
  made.tests = builder.test_count();
  made.objects = builder.object_count();
  made.json = builder.ToJson();
  return made;
}

}  // namespace mig::modules::scribe::policy_sources
