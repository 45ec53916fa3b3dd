// The file module: find files by name, content, size, mode, modification time and digest.
#include "absl/strings/str_cat.h"
#include "modules/file/checks.h"
#include "modules/file/command_line.h"
#include "modules/file/parameters.h"
#include "modules/file/render.h"
#include "modules/file/search.h"
#include "modules/module.h"
#include "modules/result.h"
#include "modules/typed_module.h"

namespace mig::modules::file {
namespace {

constexpr std::string_view kHelp =
    R"(Searches the file system for files matching checks on their name, metadata, content
and digests, with MIG's file module parameters and results.

A search walks each -path (a directory, recursively, or a file). Links to files are followed, links to
directories are not (a -path that is itself a link to a directory is followed). With -matchall (the
default) a file matches when every check matches it; with -matchany each check reports the files it
matched. Regexes are RE2 (Go) syntax. Content regexes apply to each line of a file; reading stops at the
first match unless digests are asked for too.

Examples:
  mig file --local -path /etc -name '^passwd$' -content '^root:'
  mig file --local -path /usr -path /bin -md5 eefc66a1e978dc9d825f28702106d4d5 -matchany -maxdepth 2
  mig file --local -path /home -name '^authorized_keys$' -content '^(#.*|\s*|ssh-ed25519 AAAA...)$' -macroal -mismatch content
  mig file --local -path /var/log -name '\.gz$' -content 'Accepted password for root' -decompress
  mig file --local -path /sys/devices -name '^uevent$' -content 'PRODUCT=20a0/4107' -render json | jq .)";

std::string RunFile(const Parameters& parameters, const RunContext& context) {
  std::vector<CompiledSearch> searches = CompileSearches(parameters, context.now);
  RunOutcome outcome = RunSearches(searches, context);
  return ResultJson(searches, outcome);
}

// MIG lists a search that found nothing with an empty file.
std::string CompactFileResult(std::string_view result_json) {
  return DropElementEntries(result_json, [](simdjson::dom::element entry) {
    std::string_view file;
    return entry["file"].get(file) == simdjson::SUCCESS && file.empty();
  });
}

using FileModule = TypedModule<Parameters, FileCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<FileModule>(FileModule::Spec{
    .name = "file",
    .summary = "find files by name, content, size, mode, mtime, md5/sha1/sha2/sha3",
    .help = kHelp,
    .parse = ParseParameters,
    .run = RunFile,
    .render = RenderResultText,
    .units = {"files", "directories"},
    .compact = CompactFileResult,
}));

}  // namespace
}  // namespace mig::modules::file
