// Canonicalisation rules of SigV4: URI encoding, path normalisation, query and headers.
#include "auth/sigv4/canonical.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "auth/sigv4/signing.h"

namespace portcullis::auth::sigv4 {
namespace {

TEST(UriEncodeTest, KeepsUnreservedEncodesTheRestUppercase) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c*d%e", false), "a%20b%2Bc%2Ad%25e");
  EXPECT_EQ(UriEncode("/a/b", true), "/a/b");
  EXPECT_EQ(UriEncode("/a/b", false), "%2Fa%2Fb");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", false), "%E1%88%B4");
  EXPECT_EQ(UriEncode(std::string_view("\0", 1), false), "%00");
}

TEST(PercentDecodeTest, DecodesValidEscapesOnly) {
  EXPECT_EQ(PercentDecode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%"), "%");
  EXPECT_EQ(PercentDecode("%E1%88%B4"), "\xe1\x88\xb4");
}

TEST(NormalizePathTest, RemovesDotSegmentsAndEmptySegments) {
  EXPECT_EQ(NormalizePath(""), "/");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("//"), "/");
  EXPECT_EQ(NormalizePath("//example//"), "/example/");
  EXPECT_EQ(NormalizePath("/./example"), "/example");
  EXPECT_EQ(NormalizePath("/example/.."), "/");
  EXPECT_EQ(NormalizePath("/example1/example2/../.."), "/");
  EXPECT_EQ(NormalizePath("/a/b/../c/./d/"), "/a/c/d/");
  EXPECT_EQ(NormalizePath("/../../a"), "/a");
  EXPECT_EQ(NormalizePath("a/b"), "/a/b");
}

TEST(CanonicalUriTest, DoubleEncodesForServicesOtherThanS3) {
  EXPECT_EQ(CanonicalUri("/example space/", false), "/example%20space/");
  EXPECT_EQ(CanonicalUri("/example%20space/", false), "/example%2520space/");
  EXPECT_EQ(CanonicalUri("//a/./b", false), "/a/b");
}

TEST(CanonicalUriTest, S3EncodesOnceAndKeepsThePath) {
  EXPECT_EQ(CanonicalUri("/my-object//example//photo.user", true),
            "/my-object//example//photo.user");
  EXPECT_EQ(CanonicalUri("/a%20b/c d", true), "/a%20b/c%20d");
  EXPECT_EQ(CanonicalUri("/a/../b", true), "/a/../b");
  EXPECT_EQ(CanonicalUri("", true), "/");
}

TEST(CanonicalQueryTest, SortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQuery("Param-3=Value3&Param=Value2&%E1%88%B4=Value1", false),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
  EXPECT_EQ(CanonicalQuery("b=2&a=2&a=1", false), "a=1&a=2&b=2");
  // Uppercase sorts before lowercase (byte order).
  EXPECT_EQ(CanonicalQuery("a=1&B=2", false), "B=2&a=1");
}

TEST(CanonicalQueryTest, EmptyValuesAndComponents) {
  EXPECT_EQ(CanonicalQuery("", false), "");
  EXPECT_EQ(CanonicalQuery("a", false), "a=");
  EXPECT_EQ(CanonicalQuery("a=&&b", false), "a=&b=");
  EXPECT_EQ(CanonicalQuery("=v", false), "=v");
}

TEST(CanonicalQueryTest, ReencodesValues) {
  EXPECT_EQ(CanonicalQuery("k=a/b c%7E", false), "k=a%2Fb%20c~");
  EXPECT_EQ(CanonicalQuery("k=a+b", false), "k=a%2Bb");
}

TEST(CanonicalQueryTest, DropsTheSignatureWhenPresigned) {
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&a=1", true), "a=1");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&a=1", false), "X-Amz-Signature=abc&a=1");
}

TEST(CanonicalHeaderValueTest, TrimsAndCollapsesWhitespace) {
  EXPECT_EQ(CanonicalHeaderValue("  value1 "), "value1");
  EXPECT_EQ(CanonicalHeaderValue("\"a   b   c\""), "\"a b c\"");
  EXPECT_EQ(CanonicalHeaderValue("value1\r\n  value2\n     value3"), "value1 value2 value3");
  EXPECT_EQ(CanonicalHeaderValue("a\t\tb"), "a b");
  EXPECT_EQ(CanonicalHeaderValue("   "), "");
}

TEST(CanonicalRequestTest, JoinsRepeatedHeadersInOrder) {
  const std::vector<HeaderField> headers = {{"Host", "example.com"},
                                            {"My-Header1", "value2"},
                                            {"my-header1", " value1 "},
                                            {"Unsigned", "x"}};
  const std::vector<std::string> signed_headers = {"host", "my-header1", "missing"};
  const CanonicalRequestInput input{"GET",          "/",    "b=1&a=2", headers,
                                    signed_headers, "hash", false,     false};
  EXPECT_EQ(CanonicalRequest(input),
            "GET\n/\na=2&b=1\nhost:example.com\nmy-header1:value2,value1\nmissing:\n\n"
            "host;my-header1;missing\nhash");
}

TEST(SigningTest, DatesRoundTrip) {
  const auto time = ParseAmzDate("20150830T123600Z");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(FormatAmzDate(*time), "20150830T123600Z");
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), time);
  EXPECT_FALSE(ParseAmzDate("20150830T123600").has_value());
  EXPECT_FALSE(ParseAmzDate("20150230T123600Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20150830T253600Z").has_value());
  EXPECT_FALSE(ParseAmzDate("2015-08-30T12:36:00Z").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 UTC").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
}

TEST(SigningTest, DerivesAwsDocumentedSigningKey) {
  // AWS General Reference, "Examples of how to derive a signing key for Signature
  // Version 4" (example secret, 20120215/us-east-1/iam).
  EXPECT_EQ(crypto::HexLower(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                              "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

}  // namespace
}  // namespace portcullis::auth::sigv4
