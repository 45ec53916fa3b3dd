// The outbox on a real directory: messages survive a reopen in their order, a crash's temporary file is
// dropped, and a full outbox refuses rather than forgets.
#include "agent/outbox.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace mig::agent {
namespace {

TEST_CASE("Messages are kept in order across reopening until removed") {
  std::string dir = test::TempDir() + "/outbox";
  {
    absl::StatusOr<Outbox> outbox = Outbox::Open(dir);
    REQUIRE(outbox.ok());
    for (int i = 0; i < 12; ++i) {
      REQUIRE(outbox->Put("web1.results", absl::StrCat(R"({"command":)", i, "}\n\nbinary\0tail")).ok());
    }
    CHECK(outbox->size() == 12);
  }
  struct stat st;
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  // A crash in the middle of a write left this behind.
  test::WriteFile(dir + "/00000000000000000013.msg.tmp.999", "web1.results\n{");

  absl::StatusOr<Outbox> outbox = Outbox::Open(dir);
  REQUIRE(outbox.ok());
  CHECK(outbox->size() == 12);
  absl::StatusOr<std::vector<Outbox::Message>> pending = outbox->Pending();
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 12);
  CHECK(pending->at(0).routing_key == "web1.results");
  CHECK(pending->at(0).body.rfind(R"({"command":0})", 0) == 0);
  CHECK(pending->at(11).body.rfind(R"({"command":11})", 0) == 0);
  REQUIRE(outbox->Remove(pending->at(0).id).ok());
  REQUIRE(outbox->Remove(pending->at(0).id).ok());  // twice is fine: a confirm seen twice
  // New messages come after the old ones, even after reopening.
  absl::StatusOr<std::string> id = outbox->Put("web1.heartbeat", "{}");
  REQUIRE(id.ok());
  CHECK(*id > pending->back().id);
  absl::StatusOr<std::vector<Outbox::Message>> after = Outbox::Open(dir)->Pending();
  REQUIRE(after.ok());
  CHECK(after->size() == 12);
  CHECK(after->front().body.rfind(R"({"command":1})", 0) == 0);
  CHECK(after->back().routing_key == "web1.heartbeat");
  CHECK_FALSE(outbox->Remove("../../etc/passwd").ok());
}

TEST_CASE("A full outbox refuses new messages instead of dropping old ones") {
  absl::StatusOr<Outbox> outbox = Outbox::Open(test::TempDir() + "/full", 3);
  REQUIRE(outbox.ok());
  for (int i = 0; i < 3; ++i) REQUIRE(outbox->Put("a.results", "x").ok());
  absl::StatusOr<std::string> refused = outbox->Put("a.results", "y");
  REQUIRE_FALSE(refused.ok());
  CHECK(absl::IsResourceExhausted(refused.status()));
  CHECK(outbox->Pending()->size() == 3);
  CHECK_FALSE(outbox->Put("a\nb", "x").ok());
}

}  // namespace
}  // namespace mig::agent
