// Exit codes of investigator commands, grep-like so scripts can branch on them.
#ifndef MIG_INVESTIGATOR_EXIT_CODES_H_
#define MIG_INVESTIGATOR_EXIT_CODES_H_

namespace mig::investigator {

inline constexpr int kExitFound = 0;
inline constexpr int kExitNothingFound = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailed = 3;
// Nothing was found, but the answer is incomplete (the deadline passed, parts of the host could not be read,
// agents did not answer): unlike 1, not a clean miss.
inline constexpr int kExitIncomplete = 4;

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_EXIT_CODES_H_
