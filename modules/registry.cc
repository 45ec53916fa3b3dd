#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/display_text.h"
#include "base/status_macros.h"
#include "modules/module.h"
#include "modules/result.h"

namespace mig::modules {
namespace {

std::map<std::string, std::unique_ptr<Module>, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, std::unique_ptr<Module>, std::less<>>();
  return *registry;
}

}  // namespace

bool RegisterModule(std::unique_ptr<Module> module) {
  std::string name(module->name());
  return Registry().emplace(std::move(name), std::move(module)).second;
}

const Module* FindModule(std::string_view name) {
  auto it = Registry().find(name);
  return it == Registry().end() ? nullptr : it->second.get();
}

absl::StatusOr<std::string> Module::Render(std::string_view result_json, const RenderOptions& options) const {
  MIG_ASSIGN_OR_RETURN(std::string escaped, EscapeResultForDisplay(result_json));
  MIG_ASSIGN_OR_RETURN(std::string text, RenderText(escaped, options));
  MIG_ASSIGN_OR_RETURN(ParsedResult parsed, ParseResult(escaped));
  // Whatever -show asks for: an incomplete answer must never read as a clean one.
  if (!parsed.incomplete.empty()) {
    absl::StrAppend(&text, "INCOMPLETE: ", parsed.incomplete,
                    parsed.found_anything ? "" : ": nothing found is not proof of absence", "\n");
  }
  return EscapeControls(text, /*keep_layout=*/true);
}

std::vector<const Module*> AllModules() {
  std::vector<const Module*> all;
  for (const auto& [name, module] : Registry()) all.push_back(module.get());
  return all;
}

}  // namespace mig::modules
