#include "investigator/scribe_policy_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "investigator/local_run.h"
#include "modules/scribe/policy_sources/make_policy.h"

namespace mig::investigator {
namespace {

using modules::scribe::policy_sources::MadePolicy;
using modules::scribe::policy_sources::PolicyRequest;
using modules::scribe::policy_sources::SourceReport;

constexpr char kFooter[] =
    "Each test is true on a host that has a package older than the version that fixes a vulnerability, and\n"
    "only on the release the data is about: every test depends (\"if\") on a test of /etc/os-release, so one\n"
    "policy can go to a whole fleet. Tests carry the CVE and advisory ids as tags.\n"
    "\n"
    "Sources (at least one; several combine into one policy):\n"
    "  --debian-tracker  the Debian security tracker's JSON (https://security-tracker.debian.org/tracker/data/json):\n"
    "                    one test per source package and fixed version, for each --release\n"
    "  --osv             OSV records (a file, an array of records, or a directory of *.json) for Debian, Ubuntu,\n"
    "                    AlmaLinux, Rocky Linux and Red Hat; other ecosystems (PyPI, npm, ...) are counted and\n"
    "                    skipped\n"
    "  --from-apt        this host's apt lists, offline: every package of the <release>-security suite, with the\n"
    "                    CVEs named by the installed changelogs\n"
    "--release defaults to this host's VERSION_CODENAME. A summary goes to stderr.\n"
    "\n"
    "Examples:\n"
    "  mig scribe policy --debian-tracker tracker.json --release bookworm --release trixie -o debian.json\n"
    "  mig scribe policy --osv debian-osv/ --osv USN-6000-1.json --include-unfixed -o osv.json\n"
    "  mig scribe policy --from-apt -o apt.json && mig scribe --local -path apt.json -onlytrue\n"
    "\n"
    "Exit status: 0 written, 2 bad usage or bad input (the error names the file and the place in it), 3 failure.";

struct Options {
  PolicyRequest request;
  std::string output;
};

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

void PrintReport(const SourceReport& report) {
  std::cerr << "mig scribe policy: " << report.source << ": " << report.Summary() << "\n";
  constexpr size_t kShown = 5;
  for (size_t i = 0; i < report.warnings.size() && i < kShown; ++i) {
    std::cerr << "mig scribe policy: warning: " << report.warnings[i] << "\n";
  }
  if (report.warnings.size() > kShown) {
    std::cerr << "mig scribe policy: warning: and " << report.warnings.size() - kShown << " more\n";
  }
}

int Run(const Options& options) {
  absl::StatusOr<MadePolicy> made = modules::scribe::policy_sources::MakePolicy(options.request);
  if (!made.ok()) {
    std::cerr << "mig scribe policy: " << made.status().message() << "\n";
    return ExitCodeFor(made.status());
  }
  for (const SourceReport& report : made->reports) PrintReport(report);
  size_t vulnerability_tests = 0;
  for (const SourceReport& report : made->reports) vulnerability_tests += report.tests;
  bool to_stdout = options.output.empty() || options.output == "-";
  if (to_stdout) {
    std::cout << made->json << std::flush;
    if (!std::cout) {
      std::cerr << "mig scribe policy: cannot write the policy to standard output\n";
      return kExitFailed;
    }
  } else {
    absl::Status written = WriteFileAtomically(options.output, made->json, 0644);
    if (!written.ok()) {
      std::cerr << "mig scribe policy: " << written.message() << "\n";
      return kExitFailed;
    }
  }
  std::cerr << "mig scribe policy: wrote " << vulnerability_tests
            << (vulnerability_tests == 1 ? " vulnerability test (" : " vulnerability tests (") << made->tests
            << " tests in all, with the release gates), " << made->objects << " objects, to "
            << (to_stdout ? std::string("standard output") : options.output) << "\n";
  return 0;
}

}  // namespace

void AddScribePolicyCommand(CLI::App& parent, int* exit_code) {
  auto options = std::make_shared<Options>();
  PolicyRequest& r = options->request;
  CLI::App* command = parent.add_subcommand(
      "policy", "make a scribe policy from vulnerability data (Debian security tracker, OSV, this host's apt lists)");
  command->footer(kFooter);
  command->add_option("--debian-tracker", r.debian_tracker, "the Debian security tracker's JSON file")
      ->type_name("FILE");
  command->add_option("--osv", r.osv_paths, "an OSV file (a record or an array) or a directory of *.json; repeatable")
      ->type_name("PATH");
  command->add_flag("--from-apt", r.from_apt, "this host's apt lists and changelogs");
  command->add_option("--lists-dir", r.lists_dir, "apt's lists, for --from-apt")
      ->type_name("DIR")
      ->capture_default_str();
  command->add_option("--doc-dir", r.doc_dir, "where the changelogs are, for --from-apt")
      ->type_name("DIR")
      ->capture_default_str();
  command
      ->add_option("--release", r.releases,
                   "a release codename (bookworm) for --debian-tracker and --from-apt; repeatable "
                   "(default: this host's VERSION_CODENAME)")
      ->type_name("CODENAME");
  command->add_flag("--include-unfixed", r.include_unfixed,
                    "also a test \"installed, no fix yet\" for vulnerabilities without a fixed version");
  command->add_option("--os-release", r.os_release, "the os-release file that names this host's release")
      ->type_name("FILE")
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "where to write the policy (default: standard output)")
      ->type_name("FILE");
  command->callback([options, exit_code] {
    const PolicyRequest& request = options->request;
    if (request.debian_tracker.empty() && request.osv_paths.empty() && !request.from_apt) {
      std::cerr << "mig scribe policy: no source: give --debian-tracker, --osv or --from-apt (see --help)\n";
      *exit_code = kExitUsage;
      return;
    }
    *exit_code = Run(*options);
  });
}

}  // namespace mig::investigator
