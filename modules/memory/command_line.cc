#include "modules/memory/command_line.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace mig::modules::memory {

absl::StatusOr<uint64_t> ParseCount(std::string_view flag, std::string_view value, uint64_t max) {
  uint64_t n = 0;
  std::string_view digits = value;
  bool hex = absl::ConsumePrefix(&digits, "0x") || absl::ConsumePrefix(&digits, "0X");
  bool ok = !digits.empty();
  for (char c : digits) {
    ok = ok && (hex ? absl::ascii_isxdigit(static_cast<unsigned char>(c))
                    : absl::ascii_isdigit(static_cast<unsigned char>(c)));
  }
  ok = ok && (hex ? absl::SimpleHexAtoi(digits, &n) : absl::SimpleAtoi(digits, &n));
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", value, "' is not a number (decimal, or hex with 0x, e.g. 4096 or 0x1000)"));
  }
  if (n > max) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", value, " is larger than ", max));
  return n;
}

void MemoryCommandLine::AddFlags(CLI::App& command) {
  auto repeatable = [&](const char* name, std::vector<std::string>* values, const char* help) {
    command.add_option(name, *values, help)->allow_extra_args(false)->type_name("");
  };
  command.option_defaults()->group("Search");
  repeatable("--name", &names_, "<regex> regex on the process's executable path. ex: -name '^/usr/sbin/sshd$'");
  repeatable("--lib", &libraries_,
             "<regex> regex on the files the process maps (its libraries). ex: -lib 'libssl\\.so'");
  repeatable("--content", &contents_,
             "<regex> regex on the process's memory (UTF-8; each contiguous region is one text). ex: -content "
             "'http://mig\\.mozilla\\.org'");
  repeatable("--bytes", &bytes_,
             "<hex>   bytes searched in the process's memory. ex: -bytes 6d69672e6d6f7a696c6c612e6f7267");
  command.option_defaults()->group("Options");
  command.add_option("--offset", offset_, "<n>  start scanning each process at this address (decimal or 0x hex)")
      ->type_name("");
  command
      .add_option("--maxlength", max_length_,
                  "<n>  read at most n bytes of each process's memory from offset (0: no limit)")
      ->type_name("");
  command.add_flag("--matchall", match_all_, "a process matches when every check matches it (the default)");
  command.add_flag("--matchany", match_any_, "a process matches when any check matches it; results say which");
  command.add_flag("--logfailures", log_failures_, "list the memory regions that could not be read");
}

absl::StatusOr<Parameters> MemoryCommandLine::ToParameters() const {
  Search search;
  search.names = names_;
  search.libraries = libraries_;
  search.contents = contents_;
  search.bytes = bytes_;
  SearchOptions& o = search.options;
  MIG_ASSIGN_OR_RETURN(o.offset, ParseCount("-offset", offset_, kMaxOffset));
  MIG_ASSIGN_OR_RETURN(o.max_length, ParseCount("-maxlength", max_length_, kMaxLength));
  o.match_all = match_all_ && !match_any_;
  o.log_failures = log_failures_;
  Parameters parameters;
  parameters.searches.emplace("s1", std::move(search));
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

absl::StatusOr<std::string> MemoryCommandLine::ParametersJson(std::string_view working_directory) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters());
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::memory
