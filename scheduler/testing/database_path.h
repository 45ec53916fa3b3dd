// Tests of the scheduler: a path for a new, empty SQLite database under the test's temporary directory.
//
//   absl::StatusOr<Store> store = Store::Open(NewDatabasePath("actions.db"));
#ifndef MIG_SCHEDULER_TESTING_DATABASE_PATH_H_
#define MIG_SCHEDULER_TESTING_DATABASE_PATH_H_

#include <string>

namespace mig::scheduler::testing {

// $TEST_TMPDIR/<name> (or /tmp), with any database and WAL files a previous run left there removed.
std::string NewDatabasePath(const std::string& name);

}  // namespace mig::scheduler::testing

#endif  // MIG_SCHEDULER_TESTING_DATABASE_PATH_H_
