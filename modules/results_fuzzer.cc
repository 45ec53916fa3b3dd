// Fuzzes what each module reads that another machine wrote: a result as an agent returns it (an agent may be
// compromised, and the investigator renders what it says) and parameters as an action carries them (checked
// by the agent before anything runs). The first byte chooses the module, whether the rest is a result or
// parameters, and what the rendering shows. Any bytes are rendered, compacted (Module::CompactResult) or
// validated, or refused with an error, without crashing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::vector<const mig::modules::Module*>* const modules =
      new std::vector<const mig::modules::Module*>(mig::modules::AllModules());
  if (modules->empty()) __builtin_trap();
  const mig::modules::Module& module = *(*modules)[(data[0] & 0x1f) % modules->size()];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 0x80) {
    (void)module.ValidateParameters(bytes);
    return 0;
  }
  static constexpr mig::modules::Show kShows[] = {mig::modules::Show::kFound, mig::modules::Show::kNotFound,
                                                  mig::modules::Show::kAll};
  // mig's own JSON forms hold the compacted result: any result compacts without crashing, and to the
  // result itself when it cannot be read.
  (void)module.CompactResult(bytes);
  absl::StatusOr<std::string> text = module.Render(bytes, {.show = kShows[((data[0] >> 5) & 3) % 3]});
  // Whatever a result holds, its text is lines of printable bytes (and the tabs that indent them): a host's
  // string can never start a line of its own or move the terminal's cursor (issue 15, defect 5).
  if (text.ok()) {
    for (unsigned char c : *text) {
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) __builtin_trap();
    }
  }
  return 0;
}
