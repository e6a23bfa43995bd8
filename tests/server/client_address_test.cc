#include "server/client_address.h"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::server {
namespace {

std::vector<policy::IpNetwork> Trust(std::string_view text) {
  auto parsed = ParseTrustedProxies(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(std::vector<policy::IpNetwork>{});
}

std::string Client(std::string_view peer, std::vector<std::string_view> xff,
                   std::string_view trusted) {
  const auto nets = Trust(trusted);
  return ClientAddress(peer, xff, nets);
}

TEST(ClientAddressTest, ParsesTrustedProxies) {
  EXPECT_TRUE(Trust("").empty());
  EXPECT_TRUE(Trust("  ").empty());
  EXPECT_EQ(Trust("127.0.0.1/32").size(), 1U);
  EXPECT_EQ(Trust("10.0.0.0/8, 192.168.1.1 ,::1,2001:db8::/32").size(), 4U);
  EXPECT_EQ(Trust("10.0.0.0/8 172.16.0.0/12").size(), 2U);
  for (std::string_view bad : {"10.0.0.0/33", "localhost", "10.0.0.1/8/8", "1.2.3", "::1/129"}) {
    auto parsed = ParseTrustedProxies(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_NE(parsed.error().message.find(std::string(bad)), std::string::npos);
  }
}

TEST(ClientAddressTest, ParsesForwardedEntries) {
  EXPECT_EQ(ParseForwardedAddress("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(ParseForwardedAddress("  203.0.113.7\t"), "203.0.113.7");
  EXPECT_EQ(ParseForwardedAddress("203.0.113.7:8080"), "203.0.113.7");
  EXPECT_EQ(ParseForwardedAddress("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(ParseForwardedAddress("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(ParseForwardedAddress("[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(ParseForwardedAddress("::ffff:198.51.100.2"), "198.51.100.2");
  EXPECT_EQ(ParseForwardedAddress("::FFFF:198.51.100.2"), "198.51.100.2");
  // Found by client_address_fuzz: not a mapped address, kept whole.
  EXPECT_EQ(ParseForwardedAddress("::ffff:ff:1.2.3.4"), "::ffff:ff:1.2.3.4");
  for (std::string_view bad :
       {"", "unknown", "_hidden", "203.0.113", "203.0.113.7:", "[1.2.3.4]", "[2001:db8::1",
        "[2001:db8::1]x", "203.0.113.7:99999a", "fe80::1%eth0", "010.0.0.1", "1.2.3.4 5.6.7.8"}) {
    EXPECT_EQ(ParseForwardedAddress(bad), "") << bad;
  }
}

TEST(ClientAddressTest, PeerWhenNoProxyIsTrusted) {
  EXPECT_EQ(Client("127.0.0.1", {"10.1.2.3"}, ""), "127.0.0.1");
  // A peer that is not a trusted proxy: its header is the client's own word.
  EXPECT_EQ(Client("192.0.2.9", {"10.1.2.3"}, "127.0.0.1/32"), "192.0.2.9");
  EXPECT_EQ(Client("127.0.0.1", {}, "127.0.0.1/32"), "127.0.0.1");
}

TEST(ClientAddressTest, RightMostUntrustedEntry) {
  EXPECT_EQ(Client("127.0.0.1", {"10.1.2.3"}, "127.0.0.1/32"), "10.1.2.3");
  // The left entries are what the client wrote: never believed past an untrusted hop.
  EXPECT_EQ(Client("127.0.0.1", {"1.1.1.1, 10.1.2.3"}, "127.0.0.1/32"), "10.1.2.3");
  // Many hops through trusted proxies.
  EXPECT_EQ(
      Client("127.0.0.1", {"6.6.6.6, 203.0.113.7, 10.0.0.2, 10.0.0.1"}, "127.0.0.0/8, 10.0.0.0/8"),
      "203.0.113.7");
  // Several headers form one list in order.
  EXPECT_EQ(Client("127.0.0.1", {"6.6.6.6, 203.0.113.7", "10.0.0.2"}, "127.0.0.0/8,10.0.0.0/8"),
            "203.0.113.7");
  // Every entry trusted: the left-most.
  EXPECT_EQ(Client("127.0.0.1", {"10.0.0.5, 10.0.0.1"}, "127.0.0.0/8,10.0.0.0/8"), "10.0.0.5");
  // Empty entries are skipped.
  EXPECT_EQ(Client("127.0.0.1", {" , 203.0.113.7 ,, "}, "127.0.0.1"), "203.0.113.7");
}

TEST(ClientAddressTest, Ipv6) {
  EXPECT_EQ(Client("::1", {"2001:db8::7"}, "::1/128"), "2001:db8::7");
  EXPECT_EQ(Client("::1", {"[2001:db8::7]:1234, fd00::1"}, "::1, fd00::/8"), "2001:db8::7");
  EXPECT_EQ(Client("127.0.0.1", {"::ffff:203.0.113.7"}, "127.0.0.1"), "203.0.113.7");
  EXPECT_EQ(Client("2001:db8::1", {"203.0.113.7"}, "127.0.0.1"), "2001:db8::1");
}

TEST(ClientAddressTest, GarbageStopsTheWalk) {
  // Garbage written by the nearest proxy: the proxy itself is the client.
  EXPECT_EQ(Client("127.0.0.1", {"unknown"}, "127.0.0.1/32"), "127.0.0.1");
  // Garbage further left: the last trusted hop, never an address left of the garbage.
  EXPECT_EQ(Client("127.0.0.1", {"203.0.113.7, junk, 10.0.0.1"}, "127.0.0.1,10.0.0.0/8"),
            "10.0.0.1");
  EXPECT_EQ(Client("127.0.0.1", {"203.0.113.7, junk, 198.51.100.1"}, "127.0.0.1"), "198.51.100.1");
  EXPECT_EQ(Client("127.0.0.1", {std::string_view("\x01\xff", 2)}, "127.0.0.1"), "127.0.0.1");
}

}  // namespace
}  // namespace portcullis::server
