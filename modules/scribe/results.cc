#include "modules/scribe/results.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/go_format.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/status_macros.h"
#include "modules/result.h"
#include "modules/scribe/json_members.h"

namespace mig::modules::scribe {
namespace {

void WriteTestResult(const Test& test, const TestResult& result, json::JsonWriter& w) {
  w.BeginObject();
  w.Field("testid", test.id);
  w.Field("name", test.name);
  w.Field("description", test.description);
  if (!test.tags.empty()) {
    w.Key("tags");
    w.BeginArray();
    for (const Tag& tag : test.tags) {
      w.BeginObject();
      w.Field("key", tag.key);
      w.Field("value", tag.value);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Field("iserror", result.is_error);
  w.Field("error", result.error);
  w.Field("masterresult", result.master_result);
  w.Field("hastrueresults", result.has_true_results);
  w.Key("results");
  w.BeginArray();
  for (const SubResult& sub : result.results) {
    w.BeginObject();
    w.Field("result", sub.result);
    w.Field("identifier", sub.identifier);
    if (!sub.value.empty()) w.Field("value", sub.value);
    w.EndObject();
  }
  w.EndArray();
  if (!result.messages.empty()) {
    w.Key("messages");
    w.StringArray(result.messages);
  }
  w.EndObject();
}

}  // namespace

std::string ResultJson(const Parameters& parameters, const Evaluation& evaluation, absl::Duration runtime) {
  ResultEnvelope envelope;
  envelope.success = !evaluation.incomplete;
  uint64_t true_tests = 0;
  uint64_t error_tests = 0;
  json::JsonWriter elements;
  elements.BeginObject();
  elements.Key("results");
  elements.BeginArray();
  for (const TestResult& result : evaluation.tests) {
    const Test& test = parameters.policy.tests[result.test];
    if (result.master_result) ++true_tests;
    if (result.is_error) {
      ++error_tests;
      envelope.errors.push_back(absl::StrCat("Error: ", result.error, " in \"", test.id, "\""));
    }
    if (parameters.only_true && !result.master_result) continue;
    envelope.found_anything = envelope.found_anything || result.master_result;
    WriteTestResult(test, result, elements);
  }
  elements.EndArray();
  elements.Field("humanoutput", parameters.human_output);
  elements.Field("jsonoutput", parameters.json_output);
  elements.EndObject();
  envelope.elements_json = std::move(elements).Take();
  for (const std::string& error : evaluation.errors) envelope.errors.push_back(error);
  if (evaluation.incomplete) envelope.errors.push_back("stopped before every test was evaluated: results are partial");

  json::JsonWriter statistics;
  statistics.BeginObject();
  statistics.Field("execruntime", GoDurationString(runtime));
  statistics.Field("tests", static_cast<uint64_t>(evaluation.tests.size()));
  statistics.Field("truetests", true_tests);
  statistics.Field("errortests", error_tests);
  statistics.Field("packages", evaluation.packages);
  statistics.Field("files", evaluation.files);
  statistics.EndObject();
  envelope.statistics_json = std::move(statistics).Take();
  return envelope.ToJson();
}

namespace {

struct RenderedSub {
  bool result = false;
  std::string identifier;
  std::string value;
};

struct RenderedTest {
  std::string id, name, description;
  std::vector<std::pair<std::string, std::string>> tags;
  bool is_error = false, master = false, has_true = false;
  std::string error;
  std::vector<RenderedSub> results;
  std::vector<std::string> messages;
};

absl::StatusOr<RenderedTest> ReadTest(simdjson::dom::element element, const std::string& path) {
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object object, json::AsObject(element, path));
  RenderedTest test;
  MIG_ASSIGN_OR_RETURN(test.id, OptionalString(object, "testid", path));
  MIG_ASSIGN_OR_RETURN(test.name, OptionalString(object, "name", path));
  MIG_ASSIGN_OR_RETURN(test.description, OptionalString(object, "description", path));
  MIG_ASSIGN_OR_RETURN(test.error, OptionalString(object, "error", path));
  MIG_ASSIGN_OR_RETURN(test.is_error, OptionalBool(object, "iserror", path));
  MIG_ASSIGN_OR_RETURN(test.master, OptionalBool(object, "masterresult", path));
  MIG_ASSIGN_OR_RETURN(test.has_true, OptionalBool(object, "hastrueresults", path));
  simdjson::dom::element list;
  if (object["tags"].get(list) == simdjson::SUCCESS && !list.is_null()) {
    std::string tags_path = json::ChildPath(path, "tags");
    MIG_ASSIGN_OR_RETURN(simdjson::dom::array tags, json::AsArray(list, tags_path));
    size_t index = 0;
    for (simdjson::dom::element tag_element : tags) {
      std::string tag_path = json::IndexPath(tags_path, index++);
      MIG_ASSIGN_OR_RETURN(simdjson::dom::object tag, json::AsObject(tag_element, tag_path));
      MIG_ASSIGN_OR_RETURN(std::string key, OptionalString(tag, "key", tag_path));
      MIG_ASSIGN_OR_RETURN(std::string value, OptionalString(tag, "value", tag_path));
      test.tags.emplace_back(std::move(key), std::move(value));
    }
  }
  if (object["results"].get(list) == simdjson::SUCCESS && !list.is_null()) {
    std::string results_path = json::ChildPath(path, "results");
    MIG_ASSIGN_OR_RETURN(simdjson::dom::array results, json::AsArray(list, results_path));
    size_t index = 0;
    for (simdjson::dom::element sub_element : results) {
      std::string sub_path = json::IndexPath(results_path, index++);
      MIG_ASSIGN_OR_RETURN(simdjson::dom::object sub, json::AsObject(sub_element, sub_path));
      RenderedSub rendered;
      MIG_ASSIGN_OR_RETURN(rendered.result, OptionalBool(sub, "result", sub_path));
      MIG_ASSIGN_OR_RETURN(rendered.identifier, OptionalString(sub, "identifier", sub_path));
      MIG_ASSIGN_OR_RETURN(rendered.value, OptionalString(sub, "value", sub_path));
      test.results.push_back(std::move(rendered));
    }
  }
  if (object["messages"].get(list) == simdjson::SUCCESS) {
    MIG_ASSIGN_OR_RETURN(test.messages, json::AsStringArray(list, json::ChildPath(path, "messages")));
  }
  return test;
}

std::string_view Verdict(bool value) { return value ? "[true]" : "[false]"; }

// scribe's SingleLineResults(), and our messages after them.
void AppendLines(const RenderedTest& t, std::string& out) {
  std::string_view name = t.name.empty() ? t.id : t.name;
  absl::StrAppend(&out, "master ", t.is_error ? "[error]" : Verdict(t.master), " name:\"", name, "\" id:\"", t.id,
                  "\" hastrue:", t.has_true ? "true" : "false", " error:\"", t.error, "\"\n");
  for (const RenderedSub& sub : t.results) {
    absl::StrAppend(&out, "sub ", Verdict(sub.result), " name:\"", name, "\" id:\"", t.id, "\" identifier:\"",
                    sub.identifier, "\"");
    if (!sub.value.empty()) absl::StrAppend(&out, " value:\"", sub.value, "\"");
    absl::StrAppend(&out, "\n");
  }
  if (t.master) {
    for (const std::string& message : t.messages) absl::StrAppend(&out, "info id:\"", t.id, "\" ", message, "\n");
  }
}

// scribe's TestResult.String().
void AppendHuman(const RenderedTest& t, std::string& out) {
  if (t.name.empty()) {
    absl::StrAppend(&out, "result for \"", t.id, "\"\n");
  } else {
    absl::StrAppend(&out, "result for \"", t.name, "\" (", t.id, ")\n");
  }
  if (!t.description.empty()) absl::StrAppend(&out, "\tdescription: ", t.description, "\n");
  if (t.master) {
    absl::StrAppend(&out, "\tmaster result: true\n");
  } else {
    absl::StrAppend(&out, "\tmaster result: false",
                    t.has_true ? ", has true results, failure caused by dependency" : "", "\n");
  }
  for (const auto& [key, value] : t.tags) absl::StrAppend(&out, "\ttag: ", key, ": ", value, "\n");
  if (t.is_error) absl::StrAppend(&out, "\t[error] error: ", t.error, "\n");
  for (const RenderedSub& sub : t.results) {
    absl::StrAppend(&out, "\t[", sub.result ? "true" : "false", "] identifier: \"", sub.identifier, "\"");
    if (!sub.value.empty()) absl::StrAppend(&out, " (", sub.value, ")");
    absl::StrAppend(&out, "\n");
  }
  if (t.master) {
    for (const std::string& message : t.messages) absl::StrAppend(&out, "\t", message, "\n");
  }
}

}  // namespace

absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options) {
  MIG_ASSIGN_OR_RETURN(ParsedResult result, ParseResult(result_json));
  std::string out;
  if (!result.success) absl::StrAppend(&out, "module failed or stopped early\n");
  if (result.elements.is_object()) {
    MIG_ASSIGN_OR_RETURN(simdjson::dom::object elements, json::AsObject(result.elements, "elements"));
    bool human = false;
    bool json_output = false;
    MIG_ASSIGN_OR_RETURN(human, OptionalBool(elements, "humanoutput", "elements"));
    MIG_ASSIGN_OR_RETURN(json_output, OptionalBool(elements, "jsonoutput", "elements"));
    simdjson::dom::element list;
    if (elements["results"].get(list) == simdjson::SUCCESS && !list.is_null()) {
      MIG_ASSIGN_OR_RETURN(simdjson::dom::array tests, json::AsArray(list, "elements.results"));
      size_t index = 0;
      for (simdjson::dom::element element : tests) {
        std::string path = json::IndexPath("elements.results", index++);
        MIG_ASSIGN_OR_RETURN(RenderedTest test, ReadTest(element, path));
        bool wanted = options.show == Show::kAll || (options.show == Show::kFound && test.master) ||
                      (options.show == Show::kNotFound && !test.master);
        if (!wanted) continue;
        if (json_output) {
          absl::StrAppend(&out, simdjson::minify(element), "\n");
        } else if (human) {
          AppendHuman(test, out);
        } else {
          AppendLines(test, out);
        }
      }
    }
  }
  AppendErrors(result, options.show == Show::kAll, &out);
  simdjson::dom::element statistics = result.statistics;
  if (statistics.is_object()) {
    std::string_view runtime;
    uint64_t tests = 0, true_tests = 0, error_tests = 0;
    if (statistics["execruntime"].get(runtime) == simdjson::SUCCESS &&
        statistics["tests"].get(tests) == simdjson::SUCCESS &&
        statistics["truetests"].get(true_tests) == simdjson::SUCCESS &&
        statistics["errortests"].get(error_tests) == simdjson::SUCCESS) {
      absl::StrAppend(&out, "Statistics: runtime ", runtime, ", ", tests, " tests, ", true_tests, " true, ",
                      error_tests, " errors\n");
    } else if (statistics["execruntime"].get(runtime) == simdjson::SUCCESS) {
      absl::StrAppend(&out, "Statistics: runtime ", runtime, "\n");
    }
  }
  return out;
}

}  // namespace mig::modules::scribe
