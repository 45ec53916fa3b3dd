// What the dumps make of the kernel's bytes, fed crafted datagrams instead of a socket.
#include "modules/netstat/netlink.h"

#include <linux/if_addr.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include <cstring>
#include <memory>
#include <vector>

#include "catch2/catch.hpp"

namespace mig::modules::netstat {
namespace {

// A message of `type` with `payload_bytes` zero bytes after its header, in a buffer of exactly its size so
// that a read past its end is a sanitizer's error, not a read of the next message.
struct Message {
  explicit Message(uint16_t type, size_t payload_bytes)
      : size(NLMSG_LENGTH(payload_bytes)), bytes(new unsigned char[NLMSG_LENGTH(payload_bytes)]()) {
    nlmsghdr header{};
    header.nlmsg_len = static_cast<uint32_t>(size);
    header.nlmsg_type = type;
    std::memcpy(bytes.get(), &header, sizeof(header));
  }
  const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(bytes.get()); }
  size_t size;
  std::unique_ptr<unsigned char[]> bytes;
};

// Each parser reads its header (ifinfomsg, ifaddrmsg, ndmsg, inet_diag_msg, nlmsgerr) only when the message
// holds it: a shorter message of its type is skipped, never read past its end.
TEST_CASE("class bounded-read: a netlink message shorter than its header is skipped, never read past") {
  for (size_t payload : {size_t{0}, size_t{3}, sizeof(ifaddrmsg) - 1}) {
    INFO("payload " << payload);
    CHECK_FALSE(InterfaceFromMessage(Message(RTM_NEWLINK, payload).header()).has_value());
    CHECK_FALSE(AddressFromMessage(Message(RTM_NEWADDR, payload).header()).has_value());
    CHECK_FALSE(NeighbourFromMessage(Message(RTM_NEWNEIGH, payload).header()).has_value());
    CHECK_FALSE(SocketFromMessage(Message(SOCK_DIAG_BY_FAMILY, payload).header(), Protocol::kTcp).has_value());
    Message error(NLMSG_ERROR, payload);
    absl::StatusOr<bool> done = ForEachNetlinkMessage(error.bytes.get(), error.size, "test", [](const nlmsghdr*) {});
    REQUIRE_FALSE(done.ok());
    CHECK(std::string(done.status().message()).find("malformed error") != std::string::npos);
  }
  // Long enough, they are read.
  Message link(RTM_NEWLINK, sizeof(ifinfomsg));
  CHECK(InterfaceFromMessage(link.header()).has_value());
}

TEST_CASE("A datagram's messages are walked to NLMSG_DONE; a length beyond the datagram is an error") {
  Message link(RTM_NEWLINK, sizeof(ifinfomsg));
  Message done(NLMSG_DONE, 4);
  std::vector<unsigned char> datagram(link.bytes.get(), link.bytes.get() + link.size);
  datagram.insert(datagram.end(), done.bytes.get(), done.bytes.get() + done.size);
  int messages = 0;
  auto count = [&](const nlmsghdr*) { ++messages; };
  absl::StatusOr<bool> finished = ForEachNetlinkMessage(datagram.data(), datagram.size(), "test", count);
  REQUIRE(finished.ok());
  CHECK(*finished);
  CHECK(messages == 1);

  absl::StatusOr<bool> partial = ForEachNetlinkMessage(datagram.data(), link.size, "test", count);
  REQUIRE(partial.ok());
  CHECK_FALSE(*partial);

  absl::StatusOr<bool> cut = ForEachNetlinkMessage(datagram.data(), link.size - 1, "test", count);
  REQUIRE_FALSE(cut.ok());
  CHECK(std::string(cut.status().message()).find("malformed message") != std::string::npos);
}

}  // namespace
}  // namespace mig::modules::netstat
