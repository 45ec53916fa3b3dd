#include "modules/netstat/render.h"

#include <string>

#include "catch2/catch.hpp"

namespace mig::modules::netstat {
namespace {

constexpr char kResult[] =
    R"({"foundanything":true,"success":true,"elements":{)"
    R"("localmac":{"^02:fc":[{"localmacaddr":"02:fc:00:00:00:01"}]},)"
    R"("neighbormac":{"^02":[{"remotemacaddr":"02:fc:00:00:00:05","remoteaddr":"192.0.2.1","namespace":"default"}]},)"
    R"("neighborip":{"fe80::/10":[]},)"
    R"("localip":{"10.0.0.0/8":null},)"
    R"("connectedip":{"127.0.0.1":[{"localaddr":"127.0.0.1","localport":40000,"remoteaddr":"127.0.0.1",)"
    R"("remoteport":8080,"namespace":"net:[4026532281]","protocol":"tcp"}]},)"
    R"("listeningport":{"22":[{"localaddr":"::","localport":22,"namespace":"default","protocol":"tcp"}]}},)"
    R"("statistics":{"examined":57,"exectime":"1.2ms","totalhits":4},"errors":["ARP table of namespace x: gone"]})";

struct Case {
  Show show;
  const char* text;
};

TEST_CASE("RenderResultText prints MIG's client lines") {
  const Case cases[] = {
      {Show::kFound,
       "found local mac 02:fc:00:00:00:01 for netstat localmac:'^02:fc'\n"
       "found neighbor mac 02:fc:00:00:00:05 192.0.2.1 for netstat neighbormac:'^02'\n"
       "found connected tuple 127.0.0.1:8080 with local tuple 127.0.0.1:40000 for netstat connectedip:'127.0.0.1' "
       "protocol:tcp namespace:[net:[4026532281]]\n"
       "found listening port 22 for netstat listeningport:'22' localaddr::: protocol:tcp\n"
       "1 error (-show all lists them)\n"
       "Statistics: total hits 4 examined 57 items exectime 1.2ms\n"},
      {Show::kNotFound,
       "did not find anything for netstat neighborIP:'fe80::/10'\n"
       "did not find anything for netstat localip:'10.0.0.0/8'\n"
       "1 error (-show all lists them)\n"
       "Statistics: total hits 4 examined 57 items exectime 1.2ms\n"},
      {Show::kAll,
       "found local mac 02:fc:00:00:00:01 for netstat localmac:'^02:fc'\n"
       "found neighbor mac 02:fc:00:00:00:05 192.0.2.1 for netstat neighbormac:'^02'\n"
       "did not find anything for netstat neighborIP:'fe80::/10'\n"
       "did not find anything for netstat localip:'10.0.0.0/8'\n"
       "found connected tuple 127.0.0.1:8080 with local tuple 127.0.0.1:40000 for netstat connectedip:'127.0.0.1' "
       "protocol:tcp namespace:[net:[4026532281]]\n"
       "found listening port 22 for netstat listeningport:'22' localaddr::: protocol:tcp\n"
       "error: ARP table of namespace x: gone\n"
       "Statistics: total hits 4 examined 57 items exectime 1.2ms\n"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> text = RenderResultText(kResult, {.show = c.show});
    REQUIRE(text.ok());
    CHECK(*text == c.text);
  }
}

TEST_CASE("RenderResultText reports failures and rejects malformed results") {
  absl::StatusOr<std::string> failed = RenderResultText(
      R"({"foundanything":false,"success":false,"elements":null,"statistics":null,"errors":["invalid parameters: x"]})",
      {.show = Show::kAll});
  REQUIRE(failed.ok());
  CHECK(*failed == "module failed\nerror: invalid parameters: x\n");
  CHECK_FALSE(RenderResultText("not json", {}).ok());
  CHECK_FALSE(
      RenderResultText(
          R"({"foundanything":true,"success":true,"elements":{"listeningports":{}},"statistics":null,"errors":[]})", {})
          .ok());
}

}  // namespace
}  // namespace mig::modules::netstat
