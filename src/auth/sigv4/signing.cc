#include "auth/sigv4/signing.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace portcullis::auth::sigv4 {
namespace {

// Reads `count` decimal digits at `pos`; nullopt if any is not a digit.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<std::chrono::sys_seconds> MakeTime(int year, int month, int day, int hour, int minute,
                                                 int second) {
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

void AppendPadded(std::string& out, long long value, int width) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()); i < width; ++i) {
    out.push_back('0');
  }
  out.append(digits);
}

}  // namespace

std::optional<std::chrono::sys_seconds> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') {
    return std::nullopt;
  }
  const auto year = Digits(text, 0, 4);
  const auto month = Digits(text, 4, 2);
  const auto day = Digits(text, 6, 2);
  const auto hour = Digits(text, 9, 2);
  const auto minute = Digits(text, 11, 2);
  const auto second = Digits(text, 13, 2);
  if (!year || !month || !day || !hour || !minute || !second) {
    return std::nullopt;
  }
  return MakeTime(*year, *month, *day, *hour, *minute, *second);
}

std::optional<std::chrono::sys_seconds> ParseHttpDate(std::string_view text) {
  // "Sun, 30 Aug 2015 12:36:00 GMT": 29 bytes, fixed positions.
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end()) {
    return std::nullopt;
  }
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month_it == kMonths.end()) {
    return std::nullopt;
  }
  const auto day = Digits(text, 5, 2);
  const auto year = Digits(text, 12, 4);
  const auto hour = Digits(text, 17, 2);
  const auto minute = Digits(text, 20, 2);
  const auto second = Digits(text, 23, 2);
  if (!day || !year || !hour || !minute || !second) {
    return std::nullopt;
  }
  const int month = static_cast<int>(month_it - kMonths.begin()) + 1;
  return MakeTime(*year, month, *day, *hour, *minute, *second);
}

std::string FormatAmzDate(std::chrono::sys_seconds time) {
  const auto day_point = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd{day_point};
  const std::chrono::hh_mm_ss<std::chrono::seconds> hms{time - day_point};
  std::string out;
  out.reserve(16);
  AppendPadded(out, static_cast<int>(ymd.year()), 4);
  AppendPadded(out, static_cast<unsigned>(ymd.month()), 2);
  AppendPadded(out, static_cast<unsigned>(ymd.day()), 2);
  out.push_back('T');
  AppendPadded(out, hms.hours().count(), 2);
  AppendPadded(out, hms.minutes().count(), 2);
  AppendPadded(out, hms.seconds().count(), 2);
  out.push_back('Z');
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + kTerminator.size() + 3);
  out.append(date).append("/").append(region).append("/").append(service).append("/");
  out.append(kTerminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 67);
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope);
  out.append("\n").append(crypto::HexLower(crypto::Sha256(canonical_request)));
  return out;
}

crypto::Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                                      std::string_view region, std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret.append(secret);
  const crypto::Sha256Digest k_date = crypto::HmacSha256(k_secret, date);
  // The secret copy is not needed past this point.
  std::fill(k_secret.begin(), k_secret.end(), '\0');
  const crypto::Sha256Digest k_region = crypto::HmacSha256(crypto::AsBytes(k_date), region);
  const crypto::Sha256Digest k_service = crypto::HmacSha256(crypto::AsBytes(k_region), service);
  return crypto::HmacSha256(crypto::AsBytes(k_service), kTerminator);
}

std::string Signature(const crypto::Sha256Digest& signing_key, std::string_view string_to_sign) {
  return crypto::HexLower(crypto::HmacSha256(crypto::AsBytes(signing_key), string_to_sign));
}

}  // namespace portcullis::auth::sigv4
