// Early-return helpers for absl::Status and absl::StatusOr.
//
//   absl::Status Load(...) {
//     MIG_RETURN_IF_ERROR(Validate(x));
//     MIG_ASSIGN_OR_RETURN(Config config, Parse(text));
//     ...
//   }
#ifndef MIG_BASE_STATUS_MACROS_H_
#define MIG_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MIG_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status mig_status_ = (expr);       \
    if (!mig_status_.ok()) return mig_status_; \
  } while (0)

#define MIG_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define MIG_STATUS_MACROS_CONCAT_(x, y) MIG_STATUS_MACROS_CONCAT_INNER_(x, y)

#define MIG_ASSIGN_OR_RETURN(lhs, expr) \
  MIG_ASSIGN_OR_RETURN_IMPL_(MIG_STATUS_MACROS_CONCAT_(mig_statusor_, __LINE__), lhs, expr)

#define MIG_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // MIG_BASE_STATUS_MACROS_H_
