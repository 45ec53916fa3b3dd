#include "modules/scribe/policy.h"

#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "base/json/reader.h"
#include "base/status_macros.h"
#include "modules/scribe/json_members.h"

namespace mig::modules::scribe {
namespace {

constexpr std::string_view kChainRoot = "${chain_root}";

absl::Status Invalid(std::string_view where, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

// "tests[3] (\"openssl test\")": where a problem is, for the person who wrote the policy.
std::string Where(std::string_view path, std::string_view id) {
  if (id.empty()) return std::string(path);
  return absl::StrCat(path, " (\"", id, "\")");
}

absl::StatusOr<std::shared_ptr<const RE2>> CompileRegex(std::string_view pattern, std::string_view where) {
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(pattern, options);
  if (!regex->ok()) return Invalid(where, absl::StrCat("invalid regex '", pattern, "': ", regex->error()));
  return regex;
}

using Variables = std::vector<std::pair<std::string, std::string>>;

std::string Expand(const Variables& variables, std::string_view text) {
  std::string out(text);
  for (const auto& [key, value] : variables) {
    out = absl::StrReplaceAll(out, {{absl::StrCat("${", key, "}"), value}});
  }
  return out;
}

absl::StatusOr<Variables> ParseVariables(simdjson::dom::object root, std::string_view path) {
  Variables variables;
  simdjson::dom::element element;
  if (root["variables"].get(element) != simdjson::SUCCESS || element.is_null()) return variables;
  std::string array_path = json::ChildPath(path, "variables");
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, json::AsArray(element, array_path));
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string item_path = json::IndexPath(array_path, index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, json::AsObject(item, item_path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, item_path, {"key", "value"}));
    MIG_ASSIGN_OR_RETURN(std::string key, OptionalString(object, "key", item_path));
    MIG_ASSIGN_OR_RETURN(std::string value, OptionalString(object, "value", item_path));
    if (key.empty()) return Invalid(item_path, "a variable needs a \"key\"");
    if (key == "chain_root") return Invalid(item_path, "\"chain_root\" is set by import-chain, not by variables");
    variables.emplace_back(std::move(key), std::move(value));
  }
  return variables;
}

absl::Status ParsePackage(simdjson::dom::object source, std::string_view path, const Variables& variables,
                          Object* object) {
  MIG_RETURN_IF_ERROR(json::CheckKeys(source, path, {"name", "collectmatch", "source", "onlynewest"}));
  PackageSource& package = object->package;
  MIG_ASSIGN_OR_RETURN(std::string name, OptionalString(source, "name", path));
  MIG_ASSIGN_OR_RETURN(std::string collect, OptionalString(source, "collectmatch", path));
  MIG_ASSIGN_OR_RETURN(std::string source_name, OptionalString(source, "source", path));
  MIG_ASSIGN_OR_RETURN(package.only_newest, OptionalBool(source, "onlynewest", path));
  package.name = Expand(variables, name);
  package.collect_match = Expand(variables, collect);
  package.source = Expand(variables, source_name);
  if (!package.collect_match.empty()) {
    MIG_ASSIGN_OR_RETURN(package.collect_regex,
                         CompileRegex(package.collect_match, json::ChildPath(path, "collectmatch")));
  }
  // scribe: collectmatch selects packages by regex and then "name" is only a label.
  if (package.name.empty() && package.collect_match.empty() && package.source.empty()) {
    return Invalid(path, "a package object needs \"name\", \"collectmatch\" or \"source\"");
  }
  if (!package.source.empty() && !package.collect_match.empty()) {
    return Invalid(path, "\"source\" and \"collectmatch\" do not go together");
  }
  return absl::OkStatus();
}

absl::Status ParseFile(simdjson::dom::object source, std::string_view path, SourceKind kind, const Variables& variables,
                       Object* object) {
  switch (kind) {
    case SourceKind::kFileContent:
      MIG_RETURN_IF_ERROR(json::CheckKeys(source, path, {"path", "file", "expression", "concat", "import-chain"}));
      break;
    case SourceKind::kHasLine:
      MIG_RETURN_IF_ERROR(json::CheckKeys(source, path, {"path", "file", "expression"}));
      break;
    default:
      MIG_RETURN_IF_ERROR(json::CheckKeys(source, path, {"path", "file"}));
      break;
  }
  FileSource& file = object->file;
  MIG_ASSIGN_OR_RETURN(std::string root, OptionalString(source, "path", path));
  MIG_ASSIGN_OR_RETURN(std::string name, OptionalString(source, "file", path));
  file.path = Expand(variables, root);
  file.file = Expand(variables, name);
  if (file.path.empty()) return Invalid(path, "\"path\" must be set");
  if (file.file.empty()) return Invalid(path, "\"file\" must be set");
  object->is_chain = file.path.find(kChainRoot) != std::string::npos;
  if (!object->is_chain && file.path[0] != '/') {
    return Invalid(json::ChildPath(path, "path"), absl::StrCat("'", file.path, "' is not an absolute path"));
  }
  MIG_ASSIGN_OR_RETURN(file.file_regex, CompileRegex(file.file, json::ChildPath(path, "file")));
  if (kind == SourceKind::kFileName && file.file_regex->NumberOfCapturingGroups() < 1) {
    return Invalid(json::ChildPath(path, "file"),
                   "a filename object's regex needs a capture group: its first group is the value tested");
  }
  if (kind == SourceKind::kFileContent || kind == SourceKind::kHasLine) {
    MIG_ASSIGN_OR_RETURN(std::string expression, OptionalString(source, "expression", path));
    if (expression.empty()) return Invalid(path, "\"expression\" must be set");
    file.expression = expression;
    MIG_ASSIGN_OR_RETURN(file.expression_regex, CompileRegex(expression, json::ChildPath(path, "expression")));
  }
  if (kind == SourceKind::kFileContent) {
    MIG_ASSIGN_OR_RETURN(file.concat, OptionalString(source, "concat", path));
  }
  return absl::OkStatus();
}

absl::Status ParseRaw(simdjson::dom::object source, std::string_view path, Object* object) {
  MIG_RETURN_IF_ERROR(json::CheckKeys(source, path, {"identifiers"}));
  simdjson::dom::element element;
  if (source["identifiers"].get(element) != simdjson::SUCCESS || element.is_null()) {
    return Invalid(path, "a raw object needs \"identifiers\"");
  }
  std::string array_path = json::ChildPath(path, "identifiers");
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, json::AsArray(element, array_path));
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string item_path = json::IndexPath(array_path, index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object entry, json::AsObject(item, item_path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(entry, item_path, {"identifier", "value"}));
    RawIdentifier raw;
    MIG_ASSIGN_OR_RETURN(raw.identifier, OptionalString(entry, "identifier", item_path));
    MIG_ASSIGN_OR_RETURN(raw.value, OptionalString(entry, "value", item_path));
    if (raw.identifier.empty() || raw.value.empty()) return Invalid(item_path, "needs an identifier and a value");
    object->raw.push_back(std::move(raw));
  }
  if (object->raw.empty()) return Invalid(path, "a raw object needs at least one identifier");
  return absl::OkStatus();
}

struct ParsedObjects {
  std::vector<Object> objects;
  absl::flat_hash_map<std::string, size_t> by_id;
  // Import chains are resolved once every object is known.
  std::vector<std::vector<std::string>> chain_names;
};

absl::StatusOr<ParsedObjects> ParseObjects(simdjson::dom::object root, std::string_view path,
                                           const Variables& variables) {
  ParsedObjects parsed;
  simdjson::dom::element element;
  if (root["objects"].get(element) != simdjson::SUCCESS || element.is_null()) return parsed;
  std::string array_path = json::ChildPath(path, "objects");
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, json::AsArray(element, array_path));
  // Growing these one object at a time moves every object again and again.
  parsed.objects.reserve(array.size());
  parsed.by_id.reserve(array.size());
  parsed.chain_names.reserve(array.size());
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string item_path = json::IndexPath(array_path, index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object entry, json::AsObject(item, item_path));
    MIG_RETURN_IF_ERROR(
        json::CheckKeys(entry, item_path, {"object", "package", "filecontent", "filename", "hasline", "raw"}));
    Object object;
    MIG_ASSIGN_OR_RETURN(object.id, OptionalString(entry, "object", item_path));
    if (object.id.empty()) return Invalid(item_path, "an object needs an identifier (\"object\")");
    std::string where = Where(item_path, object.id);
    if (parsed.by_id.contains(object.id)) return Invalid(where, "another object has the same identifier");

    std::vector<std::string> chain;
    int sources = 0;
    struct Kind {
      std::string_view key;
      SourceKind kind;
    };
    for (const Kind& kind : {Kind{"package", SourceKind::kPackage}, Kind{"filecontent", SourceKind::kFileContent},
                             Kind{"filename", SourceKind::kFileName}, Kind{"hasline", SourceKind::kHasLine},
                             Kind{"raw", SourceKind::kRaw}}) {
      MIG_ASSIGN_OR_RETURN(std::optional<simdjson::dom::object> source, OptionalObject(entry, kind.key, item_path));
      if (!source) continue;
      ++sources;
      object.kind = kind.kind;
      std::string source_path = absl::StrCat(where, ".", kind.key);
      if (kind.kind == SourceKind::kPackage) {
        MIG_RETURN_IF_ERROR(ParsePackage(*source, source_path, variables, &object));
      } else if (kind.kind == SourceKind::kRaw) {
        MIG_RETURN_IF_ERROR(ParseRaw(*source, source_path, &object));
      } else {
        MIG_RETURN_IF_ERROR(ParseFile(*source, source_path, kind.kind, variables, &object));
        simdjson::dom::element chain_element;
        if (kind.kind == SourceKind::kFileContent &&
            (*source)["import-chain"].get(chain_element) == simdjson::SUCCESS) {
          MIG_ASSIGN_OR_RETURN(chain, json::AsStringArray(chain_element, json::ChildPath(source_path, "import-chain")));
        }
      }
    }
    if (sources != 1) {
      return Invalid(where, "an object needs exactly one of package, filecontent, filename, hasline or raw");
    }
    parsed.by_id.emplace(object.id, parsed.objects.size());
    parsed.objects.push_back(std::move(object));
    parsed.chain_names.push_back(std::move(chain));
  }
  return parsed;
}

absl::Status ResolveChains(ParsedObjects& parsed, std::string_view path) {
  std::string array_path = json::ChildPath(path, "objects");
  for (size_t i = 0; i < parsed.objects.size(); ++i) {
    Object& object = parsed.objects[i];
    std::string where = Where(json::IndexPath(array_path, i), object.id);
    for (const std::string& name : parsed.chain_names[i]) {
      auto found = parsed.by_id.find(name);
      if (found == parsed.by_id.end()) {
        return Invalid(where, absl::StrCat("import-chain names an unknown object \"", name, "\""));
      }
      const Object& target = parsed.objects[found->second];
      if (!target.is_chain) {
        return Invalid(where, absl::StrCat("import-chain object \"", name, "\" has no ${chain_root} in its path"));
      }
      object.file.import_chain.push_back(found->second);
    }
  }
  // A chain that leads back to itself would never end.
  enum class Mark { kNone, kActive, kDone };
  std::vector<Mark> marks(parsed.objects.size(), Mark::kNone);
  std::vector<std::pair<size_t, size_t>> stack;  // (object, next chain entry)
  for (size_t start = 0; start < parsed.objects.size(); ++start) {
    if (marks[start] != Mark::kNone) continue;
    stack.emplace_back(start, 0);
    marks[start] = Mark::kActive;
    while (!stack.empty()) {
      auto& [current, next] = stack.back();
      const std::vector<size_t>& chain = parsed.objects[current].file.import_chain;
      if (next == chain.size()) {
        marks[current] = Mark::kDone;
        stack.pop_back();
        continue;
      }
      size_t target = chain[next++];
      if (marks[target] == Mark::kActive) {
        return Invalid(Where(json::IndexPath(array_path, current), parsed.objects[current].id),
                       absl::StrCat("import-chain loops back to \"", parsed.objects[target].id, "\""));
      }
      if (marks[target] == Mark::kNone) {
        marks[target] = Mark::kActive;
        stack.emplace_back(target, 0);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<EvrOperation> ParseOperation(std::string_view text, std::string_view where) {
  if (text == "<") return EvrOperation::kLess;
  if (text == "<=") return EvrOperation::kLessOrEqual;
  if (text == "=") return EvrOperation::kEqual;
  if (text == ">=") return EvrOperation::kGreaterOrEqual;
  if (text == ">") return EvrOperation::kGreater;
  return Invalid(where, absl::StrCat("operation '", text, "' is not one of <, <=, =, >=, >"));
}

absl::Status ParseEvaluator(simdjson::dom::object entry, std::string_view where, Test* test) {
  int evaluators = 0;
  MIG_ASSIGN_OR_RETURN(std::optional<simdjson::dom::object> evr, OptionalObject(entry, "evr", where));
  if (evr) {
    ++evaluators;
    std::string path = absl::StrCat(where, ".evr");
    MIG_RETURN_IF_ERROR(json::CheckKeys(*evr, path, {"operation", "value", "scheme"}));
    test->evaluator = EvaluatorKind::kEvr;
    MIG_ASSIGN_OR_RETURN(std::string operation, OptionalString(*evr, "operation", path));
    MIG_ASSIGN_OR_RETURN(test->operation, ParseOperation(operation, path));
    MIG_ASSIGN_OR_RETURN(test->value, OptionalString(*evr, "value", path));
    MIG_ASSIGN_OR_RETURN(std::string scheme, OptionalString(*evr, "scheme", path));
    if (!scheme.empty()) {
      test->scheme = SchemeForPackageType(scheme);
      if (!test->scheme) return Invalid(path, absl::StrCat("scheme '", scheme, "' is not dpkg or rpm"));
    }
    // Packages compare by their own type, known only on the host, which checks again under that scheme.
    absl::Status version = CheckEvrValue(test->value, test->scheme);
    if (!version.ok()) {
      return Invalid(path, version.message());
    }
  }
  for (std::string_view key : {"regexp", "exactmatch"}) {
    MIG_ASSIGN_OR_RETURN(std::optional<simdjson::dom::object> evaluator, OptionalObject(entry, key, where));
    if (!evaluator) continue;
    ++evaluators;
    std::string path = absl::StrCat(where, ".", key);
    MIG_RETURN_IF_ERROR(json::CheckKeys(*evaluator, path, {"value"}));
    MIG_ASSIGN_OR_RETURN(test->value, OptionalString(*evaluator, "value", path));
    if (test->value.empty()) return Invalid(path, "\"value\" must be set");
    if (key == "regexp") {
      test->evaluator = EvaluatorKind::kRegexp;
      MIG_ASSIGN_OR_RETURN(test->regex, CompileRegex(test->value, json::ChildPath(path, "value")));
    } else {
      test->evaluator = EvaluatorKind::kExactMatch;
    }
  }
  if (evaluators > 1) return Invalid(where, "a test has at most one of evr, regexp and exactmatch");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tag>> ParseTags(simdjson::dom::object entry, std::string_view where) {
  std::vector<Tag> tags;
  simdjson::dom::element element;
  if (entry["tags"].get(element) != simdjson::SUCCESS || element.is_null()) return tags;
  std::string array_path = absl::StrCat(where, ".tags");
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array array, json::AsArray(element, array_path));
  size_t index = 0;
  for (simdjson::dom::element item : array) {
    std::string item_path = json::IndexPath(array_path, index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, json::AsObject(item, item_path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(object, item_path, {"key", "value"}));
    Tag tag;
    MIG_ASSIGN_OR_RETURN(tag.key, OptionalString(object, "key", item_path));
    MIG_ASSIGN_OR_RETURN(tag.value, OptionalString(object, "value", item_path));
    tags.push_back(std::move(tag));
  }
  return tags;
}

// Orders tests so that each comes after the tests its `if` names (Kahn's algorithm); what is left over is
// a cycle, reported with one of its tests.
absl::StatusOr<std::vector<size_t>> EvaluationOrder(const std::vector<Test>& tests, std::string_view array_path) {
  std::vector<size_t> pending(tests.size(), 0);
  std::vector<std::vector<size_t>> dependents(tests.size());
  for (size_t i = 0; i < tests.size(); ++i) {
    pending[i] = tests[i].if_tests.size();
    for (size_t dependency : tests[i].if_tests) dependents[dependency].push_back(i);
  }
  std::deque<size_t> ready;
  for (size_t i = 0; i < tests.size(); ++i) {
    if (pending[i] == 0) ready.push_back(i);
  }
  std::vector<size_t> order;
  order.reserve(tests.size());
  while (!ready.empty()) {
    size_t test = ready.front();
    ready.pop_front();
    order.push_back(test);
    for (size_t dependent : dependents[test]) {
      if (--pending[dependent] == 0) ready.push_back(dependent);
    }
  }
  if (order.size() == tests.size()) return order;
  for (size_t i = 0; i < tests.size(); ++i) {
    if (pending[i] == 0) continue;
    // Walk `if` links among the unresolved tests until one repeats: that is the cycle.
    std::vector<size_t> walk = {i};
    std::vector<bool> seen(tests.size(), false);
    seen[i] = true;
    while (true) {
      size_t next = tests.size();
      for (size_t dependency : tests[walk.back()].if_tests) {
        if (pending[dependency] != 0) {
          next = dependency;
          break;
        }
      }
      if (seen[next]) {
        auto begin = std::find(walk.begin(), walk.end(), next);
        std::vector<std::string> names;
        for (auto it = begin; it != walk.end(); ++it) names.push_back(absl::StrCat("\"", tests[*it].id, "\""));
        names.push_back(absl::StrCat("\"", tests[next].id, "\""));
        return Invalid(Where(json::IndexPath(array_path, next), tests[next].id),
                       absl::StrCat("its \"if\" dependencies form a cycle: ", absl::StrJoin(names, " -> ")));
      }
      seen[next] = true;
      walk.push_back(next);
    }
  }
  return absl::InternalError("test ordering failed");
}

}  // namespace

std::string_view EvrOperationSymbol(EvrOperation operation) {
  switch (operation) {
    case EvrOperation::kLess:
      return "<";
    case EvrOperation::kLessOrEqual:
      return "<=";
    case EvrOperation::kEqual:
      return "=";
    case EvrOperation::kGreaterOrEqual:
      return ">=";
    case EvrOperation::kGreater:
      return ">";
  }
  return "?";
}

absl::StatusOr<Policy> ParsePolicy(simdjson::dom::element document, std::string_view path) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(document, path));
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, path, {"variables", "objects", "tests"}));
  MIG_ASSIGN_OR_RETURN(Variables variables, ParseVariables(root, path));
  MIG_ASSIGN_OR_RETURN(ParsedObjects objects, ParseObjects(root, path, variables));
  MIG_RETURN_IF_ERROR(ResolveChains(objects, path));

  Policy policy;
  std::string array_path = json::ChildPath(path, "tests");
  simdjson::dom::element tests_element;
  if (root["tests"].get(tests_element) != simdjson::SUCCESS || tests_element.is_null()) {
    return Invalid(path.empty() ? "policy" : path, "no \"tests\": a policy without tests checks nothing");
  }
  MIG_ASSIGN_OR_RETURN(simdjson::dom::array tests_array, json::AsArray(tests_element, array_path));
  absl::flat_hash_map<std::string, size_t> test_ids;
  std::vector<std::vector<std::string>> if_names;
  policy.tests.reserve(tests_array.size());
  test_ids.reserve(tests_array.size());
  if_names.reserve(tests_array.size());
  size_t index = 0;
  for (simdjson::dom::element item : tests_array) {
    std::string item_path = json::IndexPath(array_path, index++);
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object entry, json::AsObject(item, item_path));
    MIG_RETURN_IF_ERROR(json::CheckKeys(entry, item_path,
                                        {"test", "name", "description", "object", "evr", "regexp", "exactmatch", "tags",
                                         "if", "expectedresult", "expecterror"}));
    Test test;
    MIG_ASSIGN_OR_RETURN(test.id, OptionalString(entry, "test", item_path));
    if (test.id.empty()) return Invalid(item_path, "a test needs an identifier (\"test\")");
    std::string where = Where(item_path, test.id);
    if (test_ids.contains(test.id)) return Invalid(where, "another test has the same identifier");
    MIG_ASSIGN_OR_RETURN(test.name, OptionalString(entry, "name", where));
    MIG_ASSIGN_OR_RETURN(test.description, OptionalString(entry, "description", where));
    MIG_ASSIGN_OR_RETURN(std::string object, OptionalString(entry, "object", where));
    if (object.empty()) return Invalid(where, "a test needs an \"object\"");
    auto found = objects.by_id.find(object);
    if (found == objects.by_id.end()) return Invalid(where, absl::StrCat("unknown object \"", object, "\""));
    if (objects.objects[found->second].is_chain) {
      return Invalid(where, absl::StrCat("object \"", object,
                                         "\" has ${chain_root} in its path: it only runs from an import-chain"));
    }
    test.object = found->second;
    MIG_RETURN_IF_ERROR(ParseEvaluator(entry, where, &test));
    MIG_ASSIGN_OR_RETURN(test.tags, ParseTags(entry, where));
    MIG_ASSIGN_OR_RETURN(test.expected_result, OptionalBool(entry, "expectedresult", where));
    MIG_ASSIGN_OR_RETURN(test.expect_error, OptionalBool(entry, "expecterror", where));
    std::vector<std::string> names;
    simdjson::dom::element if_element;
    if (entry["if"].get(if_element) == simdjson::SUCCESS) {
      MIG_ASSIGN_OR_RETURN(names, json::AsStringArray(if_element, absl::StrCat(where, ".if")));
    }
    test_ids.emplace(test.id, policy.tests.size());
    policy.tests.push_back(std::move(test));
    if_names.push_back(std::move(names));
  }
  if (policy.tests.empty()) {
    return Invalid(array_path, "the policy has no tests");
  }
  for (size_t i = 0; i < policy.tests.size(); ++i) {
    Test& test = policy.tests[i];
    for (const std::string& name : if_names[i]) {
      std::string where = Where(json::IndexPath(array_path, i), test.id);
      auto found = test_ids.find(name);
      if (found == test_ids.end()) return Invalid(where, absl::StrCat("\"if\" names an unknown test \"", name, "\""));
      if (found->second == i) return Invalid(where, "a test cannot depend on itself");
      test.if_tests.push_back(found->second);
    }
  }
  MIG_ASSIGN_OR_RETURN(policy.evaluation_order, EvaluationOrder(policy.tests, array_path));
  policy.objects = std::move(objects.objects);
  return policy;
}

absl::Status CheckEvrValue(std::string_view value, std::optional<VersionScheme> scheme) {
  return CheckVersion(value, scheme.value_or(VersionScheme::kRpm));
}

absl::StatusOr<Policy> ParsePolicyJson(std::string_view text) {
  MIG_ASSIGN_OR_RETURN(auto document, json::JsonDocument::Parse(text, "scribe policy", kMaxPolicyBytes));
  return ParsePolicy(document->root());
}

}  // namespace mig::modules::scribe
