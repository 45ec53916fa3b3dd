#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "modules/module.h"

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

std::vector<const Module*> AllModules() {
  std::vector<const Module*> all;
  for (const auto& [name, module] : Registry()) all.push_back(module.get());
  return all;
}

}  // namespace mig::modules
