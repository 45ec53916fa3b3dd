#include "investigator/spelling.h"

#include <algorithm>

namespace mig::investigator {
namespace {

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string> ClosestSpelling(std::string_view typed, const std::vector<std::string>& known) {
  if (typed.empty()) return std::nullopt;
  if (std::find(known.begin(), known.end(), typed) != known.end()) return std::string(typed);
  std::optional<std::string> best;
  size_t best_distance = SIZE_MAX;
  for (const std::string& name : known) {
    if (name.size() > typed.size() && name.compare(0, typed.size(), typed) == 0 && typed.size() >= 2) {
      return name;  // an abbreviation
    }
    size_t distance = EditDistance(typed, name);
    size_t allowed = std::clamp<size_t>(std::max(typed.size(), name.size()) / 3, 1, 3);
    if (distance <= allowed && distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace mig::investigator
