// CSV rows for the list commands' `--render csv` (RFC 4180: a field with a comma, a quote or a line break is
// quoted, quotes doubled; rows end with CRLF). A field that a spreadsheet would run as a formula (it starts
// with =, +, -, @, a tab or a carriage return) gets a leading ' so that it stays text: the fields come from
// hosts and investigators, and a host's word must not execute in the analyst's spreadsheet.
//
//   std::cout << CsvRow({"name", "status"}) << CsvRow({agent.name, agent.status});
#ifndef MIG_INVESTIGATOR_CSV_H_
#define MIG_INVESTIGATOR_CSV_H_

#include <string>
#include <vector>

namespace mig::investigator {

std::string CsvRow(const std::vector<std::string>& fields);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_CSV_H_
