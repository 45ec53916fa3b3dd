// "Did you mean": the known name closest to what was typed, for errors on unknown commands and flags.
//
//   ClosestSpelling("pth", {"path", "name", "content"})   // "path"
//   ClosestSpelling("zzz", {"path"})                      // nullopt: nothing is close
#ifndef MIG_INVESTIGATOR_SPELLING_H_
#define MIG_INVESTIGATOR_SPELLING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mig::investigator {

// The known name at the smallest edit distance (insertions, deletions, substitutions, transpositions) from
// `typed`, if that distance is at most a third of the longer name (at least 1, at most 3); ties go to the
// first in `known`. A known name that starts with `typed` (an abbreviation) counts as close.
std::optional<std::string> ClosestSpelling(std::string_view typed, const std::vector<std::string>& known);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_SPELLING_H_
