// Runs a parsed scribe policy on this host: each object collects its values once (the package list is read
// once per run, and only when a package object is used), then every test is evaluated after the tests its
// `if` names.
//
//   Evaluation evaluation = Evaluate(policy, {}, context);
//   for (const TestResult& r : evaluation.tests) ...   // in the policy's order
#ifndef MIG_MODULES_SCRIBE_EVALUATE_H_
#define MIG_MODULES_SCRIBE_EVALUATE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "modules/module.h"
#include "modules/pkg/inventory.h"
#include "modules/scribe/policy.h"

namespace mig::modules::scribe {

struct SubResult {
  bool result = false;
  std::string identifier;  // a package name, a file path, a raw identifier
  // The installed version for package objects (the source version for "source" objects), the value for raw
  // objects; empty for file objects, whose content never leaves the host.
  std::string value;
};

struct TestResult {
  size_t test = 0;  // index into Policy::tests
  bool is_error = false;
  std::string error;
  bool master_result = false;     // some value passed and every `if` test is true
  bool has_true_results = false;  // some value passed
  std::vector<SubResult> results;
  // For people, one line per value that made an evr test true: "libnss3 2:3.19.1 < 2:3.19.2: out of date".
  std::vector<std::string> messages;
};

struct Evaluation {
  std::vector<TestResult> tests;    // in the policy's order
  uint64_t packages = 0;            // installed packages read (0 when no object needed them)
  uint64_t files = 0;               // files read by filecontent/hasline objects
  std::vector<std::string> errors;  // host problems (an unreadable package database)
  bool incomplete = false;          // stopped at the deadline or cancelled: the rest is marked as errors
};

struct EvaluateOptions {
  // Where packages come from; tests give a crafted list.
  std::function<pkg::Inventory()> list_packages = [] { return pkg::ListInstalledPackages(); };
};

Evaluation Evaluate(const Policy& policy, const EvaluateOptions& options, const RunContext& context);

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_EVALUATE_H_
