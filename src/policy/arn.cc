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
  // One pass over the bytes: ARNs are short, and a loop beats four memchr calls.
  std::array<std::size_t, 5> colons{};
  std::size_t found = 0;
  for (std::size_t i = kPrefix.size(); i < text.size() && found < 4; ++i) {
    if (text[i] == ':') {
      colons[++found] = i;
    }
  }
  if (found < 4) {
    return std::nullopt;
  }
  colons[0] = kPrefix.size() - 1;
  auto field = [&](std::size_t k) {
    return text.substr(colons[k] + 1, colons[k + 1] - colons[k] - 1);
  };
  return Arn{field(0), field(1), field(2), field(3), text.substr(colons[4] + 1)};
}

bool IsArnLike(std::string_view text) {
  return SplitArn(text).has_value();
}

ArnPattern ArnPattern::Compile(std::string_view pattern) {
  ArnPattern result;
  result.pattern_ = std::string(pattern);
  result.any_ = pattern == "*";
  if (result.any_) {
    return result;
  }
  auto general = std::make_shared<General>();
  general->whole = WildcardPattern::Compile(pattern);
  if (const std::optional<Arn> split = SplitArn(pattern)) {
    result.is_arn_ = true;
    general->partition = WildcardPattern::Compile(split->partition);
    general->service = WildcardPattern::Compile(split->service);
    general->region = WildcardPattern::Compile(split->region);
    general->account = WildcardPattern::Compile(split->account);
    result.resource_ = WildcardPattern::Compile(split->resource);
    // When the first five fields hold no wildcard, matching them segment by
    // segment is the same as comparing the text's prefix up to the fifth colon.
    result.literal_prefix_ = general->partition.IsLiteral() && general->service.IsLiteral() &&
                             general->region.IsLiteral() && general->account.IsLiteral();
    result.prefix_length_ = pattern.size() - split->resource.size();
  }
  if (!result.literal_prefix_) {
    result.general_ = std::move(general);
  }
  return result;
}

bool ArnPattern::MatchesLiteralPrefix(std::string_view arn) const {
  // INVARIANT: pattern_'s first prefix_length_ bytes are "arn:" and four literal
  // fields, each followed by ':'.
  return arn.size() >= prefix_length_ &&
         arn.substr(0, prefix_length_) == std::string_view(pattern_).substr(0, prefix_length_) &&
         resource_.Matches(arn.substr(prefix_length_));
}

bool ArnPattern::Matches(std::string_view arn) const {
  if (any_) {
    return true;
  }
  if (literal_prefix_) {
    return MatchesLiteralPrefix(arn);
  }
  if (general_ == nullptr) {
    return arn.empty();  // default-constructed: matches only ""
  }
  if (!is_arn_) {
    return general_->whole.Matches(arn);
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
  if (general_ == nullptr) {
    return arn.empty();
  }
  if (!is_arn_ || !split.has_value()) {
    return general_->whole.Matches(arn);
  }
  // Cheapest and most selective fields first.
  return general_->service.Matches(split->service) && general_->account.Matches(split->account) &&
         general_->region.Matches(split->region) && general_->partition.Matches(split->partition) &&
         resource_.Matches(split->resource);
}

}  // namespace portcullis::policy
