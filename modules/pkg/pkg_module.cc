// The pkg module: list installed packages (dpkg, rpm) whose name, and optionally version, match regexes.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "modules/module.h"
#include "modules/pkg/command_line.h"
#include "modules/pkg/inventory.h"
#include "modules/pkg/parameters.h"
#include "modules/pkg/query.h"
#include "modules/pkg/render.h"
#include "modules/result.h"
#include "modules/typed_module.h"

namespace mig::modules::pkg {
namespace {

constexpr std::string_view kHelp =
    R"(Lists the installed packages whose name matches a regex, with MIG's pkg module parameters and
results: name, version (with its epoch), type (dpkg or rpm) and architecture.

Packages are read from the package databases themselves, not by running dpkg or rpm: dpkg's status file
(with its journal of interrupted updates) and rpm's rpmdb.sqlite. As `dpkg-query -W`, every dpkg package
that is not "not-installed" is listed; a package in another state than installed (config-files,
half-installed, ...) is shown with its status. Regexes are RE2 (Go) syntax and match anywhere in the name
or version unless anchored.

Examples:
  mig pkg --local -name '^openssl$'
  mig pkg --local -name '^libssl' -name '^openssl' -version '^3\.0\.'
  mig pkg --local -name '^linux-image' -version '!^6\.1\.0-2[0-9]'      # kernels not at a given level
  mig pkg -t "os='linux'" -name '^xz-utils$' -version '^5\.6\.[01]'     # which hosts have the backdoored xz
  mig pkg --local -name . -render json | jq -r '.elements.packages[].name')";

std::string RunPkg(const Parameters& parameters, const RunContext& context) {
  absl::Time start = absl::Now();
  absl::StatusOr<PackageQuery> query = PackageQuery::Create(parameters);
  if (!query.ok()) return FailedResult(absl::StrCat("invalid parameters: ", query.status().message()));
  Inventory inventory = ListInstalledPackages();
  if (context.progress != nullptr) context.progress->items += inventory.packages.size();
  std::vector<InstalledPackage> found = query->Filter(inventory.packages);
  // Errors only fail the run when no database could be read at all.
  bool success = inventory.errors.empty() || !inventory.packages.empty();
  return ResultJson(found, inventory.errors, success, absl::Now() - start);
}

using PkgModule = TypedModule<Parameters, PkgCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<PkgModule>(PkgModule::Spec{
    .name = "pkg",
    .summary = "list installed packages (dpkg, rpm) by name and version regex",
    .help = kHelp,
    .parse = ParseParameters,
    .run = RunPkg,
    .render = RenderResultText,
    .units = {"packages", ""},
}));

}  // namespace
}  // namespace mig::modules::pkg
