// The memory module: find processes by executable, loaded library, and strings or bytes in their memory.
#include "absl/strings/str_cat.h"
#include "modules/memory/command_line.h"
#include "modules/memory/parameters.h"
#include "modules/memory/render.h"
#include "modules/memory/scan.h"
#include "modules/module.h"
#include "modules/result.h"
#include "modules/typed_module.h"

namespace mig::modules::memory {
namespace {

constexpr std::string_view kHelp =
    R"(Searches the memory of running processes, with MIG's memory module parameters and results.

Every process is inspected, except this one and any other running the mig executable (they hold the
search's own patterns). -name is a regex on the process's executable path ("[kworker/0:1]" for a process
without one), -lib a regex on the paths of the files it maps. -content (a regex, Go/RE2 syntax, UTF-8) and
-bytes (hex) are searched in its readable memory, read from /proc/<pid>/mem in 1 MiB chunks that overlap
by 64 KiB: a match up to 64 KiB long is found wherever it lies. Each contiguous run of readable memory is
one text for the regex: ^ matches at its start and $ at its end; (?m) makes them line anchors. Processes are
read, never stopped or attached; device mappings and [vvar] are skipped; a region that cannot be read is
counted (-logfailures lists it) and the scan goes on.

With -matchall (the default) a process matches when every check matches it; with -matchany each check
reports the processes it matched. -offset starts the scan of each process at an address; -maxlength reads
at most that many bytes of each process's memory from there. Reading memory is sensitive: the default ACL
of a site may ask for more than one investigator's signature for this module.

Examples:
  mig memory --local -name '^/usr/sbin/sshd$' -lib 'libcrypto'
  mig memory --local -name sshd -content 'ssh-rsa'
  mig memory --local -content 'BEGIN RSA PRIVATE KEY' -matchany
  mig memory --local -bytes 6d69672e6d6f7a696c6c612e6f7267 -maxlength 104857600
  mig memory --local -name '^/usr/bin/python3' -content 'AKIA[0-9A-Z]{16}' -render json | jq .)";

std::string RunMemory(const Parameters& parameters, const RunContext& context) {
  ScanOutcome outcome = Scan(parameters, context);
  return ResultJson(parameters, outcome);
}

// MIG lists a search that found nothing with a process without a name.
std::string CompactMemoryResult(std::string_view result_json) {
  return DropElementEntries(result_json, [](simdjson::dom::element entry) {
    std::string_view name;
    return entry["process"]["name"].get(name) == simdjson::SUCCESS && name.empty();
  });
}

using MemoryModule = TypedModule<Parameters, MemoryCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<MemoryModule>(MemoryModule::Spec{
    .name = "memory",
    .summary = "find processes by name, loaded library, and regexes or bytes in their memory",
    .help = kHelp,
    .parse = ParseParameters,
    .run = RunMemory,
    .render = RenderResultText,
    .units = {"processes", ""},
    .compact = CompactMemoryResult,
}));

}  // namespace
}  // namespace mig::modules::memory
