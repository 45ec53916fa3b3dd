// A module declared as data: its name and help, its parameters type with the parser that makes one from
// MIG's JSON, a Run over parsed parameters, its command line and its renderer. TypedModule turns that into
// the Module interface, so what every module did alike (validate = parse; a failed result for parameters that
// do not parse; the command line's factory) is written once, here.
//
//   using PingModule = TypedModule<Parameters, PingCommandLine>;
//   const bool kRegistered = RegisterModule(std::make_unique<PingModule>(PingModule::Spec{
//       .name = "ping", .summary = "...", .help = kHelp,
//       .parse = ParseParameters, .run = RunPing, .render = RenderResultText,
//       .sandbox = {.socket_families = {AF_INET, AF_INET6}}}));
#ifndef MIG_MODULES_TYPED_MODULE_H_
#define MIG_MODULES_TYPED_MODULE_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/sandbox/policy.h"
#include "modules/module.h"
#include "modules/result.h"

namespace mig::modules {

template <typename Parameters, typename CommandLineType>
class TypedModule final : public Module {
 public:
  struct Spec {
    std::string_view name;
    std::string_view summary;  // one line for `mig --help`
    std::string_view help;     // `mig <module> --help`, with examples
    absl::StatusOr<Parameters> (*parse)(std::string_view parameters_json) = nullptr;
    // MIG's result JSON for parsed parameters.
    std::string (*run)(const Parameters& parameters, const RunContext& context) = nullptr;
    absl::StatusOr<std::string> (*render)(std::string_view result_json, const RenderOptions& options) = nullptr;
    // Optional: what the module's process may do besides reading (Module::sandbox_policy), what its
    // progress counts, and its compact result (Module::CompactResult).
    sandbox::Policy sandbox = {};
    Progress::Units units = {};
    std::string (*compact)(std::string_view result_json) = nullptr;
  };

  explicit TypedModule(Spec spec) : spec_(std::move(spec)) {}

  std::string_view name() const override { return spec_.name; }
  std::string_view summary() const override { return spec_.summary; }
  std::string_view help() const override { return spec_.help; }
  sandbox::Policy sandbox_policy() const override { return spec_.sandbox; }
  Progress::Units progress_units() const override { return spec_.units; }

  absl::Status ValidateParameters(std::string_view parameters_json) const override {
    return spec_.parse(parameters_json).status();
  }

  std::string Run(std::string_view parameters_json, const RunContext& context) const override {
    absl::StatusOr<Parameters> parameters = spec_.parse(parameters_json);
    if (!parameters.ok()) return FailedResult(absl::StrCat("invalid parameters: ", parameters.status().message()));
    return spec_.run(*parameters, context);
  }

  std::unique_ptr<CommandLine> NewCommandLine() const override { return std::make_unique<CommandLineType>(); }

  std::string CompactResult(std::string_view result_json) const override {
    return spec_.compact != nullptr ? spec_.compact(result_json) : std::string(result_json);
  }

 private:
  absl::StatusOr<std::string> RenderText(std::string_view result_json, const RenderOptions& options) const override {
    return spec_.render(result_json, options);
  }

  const Spec spec_;
};

}  // namespace mig::modules

#endif  // MIG_MODULES_TYPED_MODULE_H_
