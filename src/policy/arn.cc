#include "policy/arn.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "policy/wildcard.h"

namespace portcullis::policy {

std::optional<Arn> SplitArn(std::string_view text) {
  constexpr std::string_view kPrefix = "arn:";
  if (!text.starts_with(kPrefix)) {
    return std::nullopt;
  }
  std::array<std::string_view, 4> fields;
  std::size_t start = kPrefix.size();
  for (std::string_view& field : fields) {
    const std::size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    field = text.substr(start, colon - start);
    start = colon + 1;
  }
  return Arn{fields[0], fields[1], fields[2], fields[3], text.substr(start)};
}

bool IsArnLike(std::string_view text) {
  return SplitArn(text).has_value();
}

ArnPattern ArnPattern::Compile(std::string_view pattern) {
  ArnPattern result;
  result.whole_ = WildcardPattern::Compile(pattern);
  result.any_ = pattern == "*";
  if (const std::optional<Arn> split = SplitArn(pattern)) {
    result.is_arn_ = true;
    result.partition_ = WildcardPattern::Compile(split->partition);
    result.service_ = WildcardPattern::Compile(split->service);
    result.region_ = WildcardPattern::Compile(split->region);
    result.account_ = WildcardPattern::Compile(split->account);
    result.resource_ = WildcardPattern::Compile(split->resource);
    // When the first five fields hold no wildcard, matching them segment by
    // segment is the same as comparing the text's prefix up to the fifth colon.
    result.literal_prefix_ = result.partition_.IsLiteral() && result.service_.IsLiteral() &&
                             result.region_.IsLiteral() && result.account_.IsLiteral();
    if (result.literal_prefix_) {
      result.prefix_length_ = pattern.size() - split->resource.size();
      result.prefix_ = std::string(pattern.substr(0, result.prefix_length_));
    }
  }
  return result;
}

bool ArnPattern::MatchesLiteralPrefix(std::string_view arn) const {
  // INVARIANT: prefix_ is "arn:" plus four literal fields, each followed by ':'.
  return arn.size() >= prefix_length_ && arn.substr(0, prefix_length_) == prefix_ &&
         resource_.Matches(arn.substr(prefix_length_));
}

bool ArnPattern::Matches(std::string_view arn) const {
  if (any_) {
    return true;
  }
  if (literal_prefix_) {
    return MatchesLiteralPrefix(arn);
  }
  if (!is_arn_) {
    return whole_.Matches(arn);
  }
  return Matches(arn, SplitArn(arn));
}

bool ArnPattern::Matches(std::string_view arn, const std::optional<Arn>& split) const {
  if (any_) {
    return true;
  }
  if (literal_prefix_) {
    return MatchesLiteralPrefix(arn);
  }
  if (!is_arn_ || !split.has_value()) {
    return whole_.Matches(arn);
  }
  // Cheapest and most selective fields first.
  return service_.Matches(split->service) && account_.Matches(split->account) &&
         region_.Matches(split->region) && partition_.Matches(split->partition) &&
         resource_.Matches(split->resource);
}

}  // namespace portcullis::policy
