#include "embedded_conf/load.h"

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "embedded_conf/embedded.h"

namespace mig::conf {

absl::StatusOr<Config> LoadConfig(std::string_view override_path) {
  const EmbeddedConfiguration& embedded = Embedded();
  std::string embedded_source = absl::StrCat("embedded:", embedded.name);
  std::vector<ConfigText> layers;
  layers.push_back(
      ConfigText{embedded.text, embedded_source, [&embedded](std::string_view relative) -> absl::StatusOr<std::string> {
                   for (size_t i = 0; i < embedded.file_count; ++i) {
                     if (embedded.files[i].path == relative) return std::string(embedded.files[i].contents);
                   }
                   return absl::NotFoundError(absl::StrCat(relative, " was not embedded"));
                 }});
  std::string override_text;
  std::string override_source(override_path);
  if (!override_path.empty()) {
    MIG_ASSIGN_OR_RETURN(override_text, ReadConfigFile(std::string(override_path)));
    std::string directory = ".";
    if (size_t slash = override_source.rfind('/'); slash != std::string::npos) {
      directory = slash == 0 ? "/" : override_source.substr(0, slash);
    }
    layers.push_back(ConfigText{override_text, override_source, DiskResolver(directory)});
  }
  return ParseConfig(layers);
}

absl::Status ConfigureLogging(const LoggingConfig& logging, std::string_view program) {
  log::Options options{.program = std::string(program)};
  if (!log::ParseLevel(logging.level, &options.level) || !log::ParseSink(logging.mode, &options.sink)) {
    return absl::InvalidArgumentError(
        absl::StrCat("[logging] mode '", logging.mode, "' or level '", logging.level, "' is not known"));
  }
  options.file = logging.file;
  absl::Status configured = log::Configure(options);
  if (!configured.ok() && options.sink == log::Sink::kSyslog) {
    options.sink = log::Sink::kStderr;
    MIG_RETURN_IF_ERROR(log::Configure(options));
    log::Warning(program, absl::StrCat("[logging] mode = syslog: ", configured.message(), "; logging to stderr"));
    return absl::OkStatus();
  }
  return configured;
}

}  // namespace mig::conf
