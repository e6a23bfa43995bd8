#include "policy/ip_address.h"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string_view>
#include <vector>

namespace portcullis::policy {
namespace {

std::array<std::uint8_t, 16> V6(std::initializer_list<std::uint16_t> groups) {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t i = 0;
  for (const std::uint16_t g : groups) {
    bytes[i++] = static_cast<std::uint8_t>(g >> 8);
    bytes[i++] = static_cast<std::uint8_t>(g & 0xff);
  }
  return bytes;
}

TEST(ParseIpNetworkTest, Ipv4Address) {
  const std::optional<IpNetwork> net = ParseIpNetwork("192.0.2.10");
  ASSERT_TRUE(net.has_value());
  EXPECT_EQ(net->family, IpFamily::kV4);
  EXPECT_EQ(net->prefix_length, 32);
  const std::array<std::uint8_t, 16> expected = {192, 0, 2, 10};
  EXPECT_EQ(net->address, expected);
  EXPECT_TRUE(ParseIpNetwork("0.0.0.0").has_value());
  EXPECT_TRUE(ParseIpNetwork("255.255.255.255").has_value());
}

TEST(ParseIpNetworkTest, Ipv4Cidr) {
  const std::optional<IpNetwork> net = ParseIpNetwork("10.0.0.0/8");
  ASSERT_TRUE(net.has_value());
  EXPECT_EQ(net->prefix_length, 8);
  EXPECT_EQ(ParseIpNetwork("0.0.0.0/0")->prefix_length, 0);
  EXPECT_EQ(ParseIpNetwork("1.2.3.4/32")->prefix_length, 32);
  // Host bits are kept as written.
  EXPECT_EQ(ParseIpNetwork("10.1.2.3/8")->address[1], 1);
}

TEST(ParseIpNetworkTest, Ipv4Rejects) {
  for (const std::string_view bad :
       {"",           "1.2.3",       "1.2.3.4.5",  "256.0.0.1",  "1.2.3.-4",   "+1.2.3.4",
        "1.2.3.+4",   "01.2.3.4",    "1.2.3.04",   "1.2.3.4 ",   " 1.2.3.4",   "1..3.4",
        "1.2.3.",     ".1.2.3",      "1.2.3.4/33", "1.2.3.4/",   "1.2.3.4/-1", "1.2.3.4/08",
        "1.2.3.4/ 8", "1.2.3.4/8/8", "a.b.c.d",    "1.2.3.1000", "0x1.2.3.4",  "1.2.3.4/0x8"}) {
    EXPECT_FALSE(ParseIpNetwork(bad).has_value()) << "`" << bad << "`";
  }
}

TEST(ParseIpNetworkTest, Ipv6Forms) {
  struct Case {
    std::string_view text;
    std::array<std::uint8_t, 16> address;
  };

  const std::vector<Case> cases = {
      {"2001:db8:0:0:1:0:0:1", V6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1})},
      {"2001:DB8::1", V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})},
      {"::", V6({0, 0, 0, 0, 0, 0, 0, 0})},
      {"::1", V6({0, 0, 0, 0, 0, 0, 0, 1})},
      {"1::", V6({1, 0, 0, 0, 0, 0, 0, 0})},
      {"1:2:3:4:5:6:7::", V6({1, 2, 3, 4, 5, 6, 7, 0})},
      {"::2:3:4:5:6:7:8", V6({0, 2, 3, 4, 5, 6, 7, 8})},
      {"1:2::7:8", V6({1, 2, 0, 0, 0, 0, 7, 8})},
      {"::ffff:1.2.3.4", V6({0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304})},
      {"::1.2.3.4", V6({0, 0, 0, 0, 0, 0, 0x0102, 0x0304})},
      {"1:2:3:4:5:6:1.2.3.4", V6({1, 2, 3, 4, 5, 6, 0x0102, 0x0304})},
      {"1::6:1.2.3.4", V6({1, 0, 0, 0, 0, 6, 0x0102, 0x0304})},
  };
  for (const Case& c : cases) {
    const std::optional<IpNetwork> net = ParseIpNetwork(c.text);
    ASSERT_TRUE(net.has_value()) << c.text;
    EXPECT_EQ(net->family, IpFamily::kV6) << c.text;
    EXPECT_EQ(net->prefix_length, 128) << c.text;
    EXPECT_EQ(net->address, c.address) << c.text;
  }
}

TEST(ParseIpNetworkTest, Ipv6Cidr) {
  EXPECT_EQ(ParseIpNetwork("2001:db8::/32")->prefix_length, 32);
  EXPECT_EQ(ParseIpNetwork("::/0")->prefix_length, 0);
  EXPECT_EQ(ParseIpNetwork("::1/128")->prefix_length, 128);
  EXPECT_EQ(ParseIpNetwork("::ffff:10.0.0.0/104")->prefix_length, 104);
}

TEST(ParseIpNetworkTest, Ipv6Rejects) {
  for (const std::string_view bad : {":",
                                     ":::",
                                     "1:2:3:4:5:6:7:8:9",
                                     "1:2:3:4:5:6:7",
                                     "1::2::3",
                                     "1:::2",
                                     ":1::2",
                                     "1::2:",
                                     "12345::",
                                     "g::1",
                                     "1:2:3:4:5:6:7:8::",
                                     "::1:2:3:4:5:6:7:8",
                                     "1:2:3:4:5:6:7:1.2.3.4",
                                     "1.2.3.4::",
                                     "::1.2.3.4:1",
                                     "::1.2.3",
                                     "::01.2.3.4",
                                     "fe80::1%eth0",
                                     "::/129",
                                     "::1/",
                                     "2001:db8::/032",
                                     " ::1",
                                     "::1 "}) {
    EXPECT_FALSE(ParseIpNetwork(bad).has_value()) << "`" << bad << "`";
  }
}

TEST(ParseIpAddressTest, BareOnly) {
  EXPECT_TRUE(ParseIpAddress("203.0.113.5").has_value());
  EXPECT_TRUE(ParseIpAddress("2001:db8::5").has_value());
  EXPECT_FALSE(ParseIpAddress("203.0.113.0/24").has_value());
  EXPECT_FALSE(ParseIpAddress("2001:db8::/64").has_value());
  EXPECT_FALSE(ParseIpAddress("").has_value());
}

bool In(std::string_view net, std::string_view addr) {
  const std::optional<IpNetwork> n = ParseIpNetwork(net);
  const std::optional<IpNetwork> a = ParseIpNetwork(addr);
  EXPECT_TRUE(n.has_value()) << net;
  EXPECT_TRUE(a.has_value()) << addr;
  return n.has_value() && a.has_value() && Contains(*n, *a);
}

TEST(ContainsTest, Ipv4) {
  EXPECT_TRUE(In("203.0.113.0/24", "203.0.113.255"));
  EXPECT_FALSE(In("203.0.113.0/24", "203.0.114.0"));
  EXPECT_TRUE(In("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(In("10.1.2.3/8", "10.200.0.1"));
  EXPECT_TRUE(In("10.0.0.0/9", "10.127.0.1"));
  EXPECT_FALSE(In("10.0.0.0/9", "10.128.0.1"));
  EXPECT_TRUE(In("1.2.3.4", "1.2.3.4"));
  EXPECT_FALSE(In("1.2.3.4", "1.2.3.5"));
  EXPECT_TRUE(In("1.2.3.4/31", "1.2.3.5"));
}

TEST(ContainsTest, NetworkInNetwork) {
  EXPECT_TRUE(In("10.0.0.0/8", "10.1.0.0/16"));
  EXPECT_FALSE(In("10.1.0.0/16", "10.0.0.0/8"));
}

TEST(ContainsTest, Ipv6) {
  EXPECT_TRUE(In("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(In("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(In("::/0", "::1"));
  EXPECT_TRUE(In("2001:db8::/33", "2001:db8:7fff::1"));
  EXPECT_FALSE(In("2001:db8::/33", "2001:db8:8000::1"));
}

TEST(ContainsTest, FamiliesDoNotMix) {
  EXPECT_FALSE(In("0.0.0.0/0", "::1"));
  EXPECT_FALSE(In("::/0", "1.2.3.4"));
  EXPECT_FALSE(In("::ffff:0:0/96", "1.2.3.4"));
  // IPv4-compatible (deprecated) addresses are not treated as IPv4.
  EXPECT_FALSE(In("1.2.3.0/24", "::1.2.3.4"));
}

TEST(ContainsTest, Ipv4MappedMatchesIpv4Network) {
  EXPECT_TRUE(In("1.2.3.0/24", "::ffff:1.2.3.4"));
  EXPECT_TRUE(In("1.2.3.4", "::ffff:1.2.3.4"));
  EXPECT_TRUE(In("1.2.3.4", "::FFFF:102:304"));
  EXPECT_FALSE(In("1.2.3.0/24", "::ffff:1.2.4.4"));
  EXPECT_TRUE(In("0.0.0.0/0", "::ffff:9.9.9.9"));
  EXPECT_TRUE(In("10.0.0.0/8", "::ffff:10.0.0.0/104"));
  EXPECT_FALSE(In("10.0.0.0/8", "::ffff:10.0.0.0/100"));
}

}  // namespace
}  // namespace portcullis::policy
