// Amazon Resource Names: splitting them and matching them against policy patterns.
//
// An ARN is "arn:" followed by five colon-separated fields,
// `arn:partition:service:region:account:resource`; the resource is everything after
// the fifth colon and may itself contain colons and slashes (AWS: IAM User Guide,
// "IAM identifiers", ARN format). Any field may be empty ("arn:aws:s3:::bucket").
//
// ArnPattern implements the matching used by the Resource element and by ArnLike /
// ArnEquals: when both the pattern and the text are ARNs, each of partition,
// service, region, account and resource is matched as its own glob (see wildcard.h),
// so a `*` in the first five fields never spans a colon (AWS: "Each of the six
// colon-delimited components of the ARN is checked separately"). A pattern of "*"
// alone matches anything. Otherwise (the pattern or the text is not an ARN) the
// whole pattern is matched as one glob against the whole text.
// ArnEquals and ArnLike therefore behave identically, as they do in AWS.
//
// Thread-safety: ArnPattern is immutable after Compile(); functions are reentrant.
// Ownership: Arn holds views into the string given to SplitArn(), which must outlive
// it. ArnPattern owns its pattern.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "policy/wildcard.h"

namespace portcullis::policy {

struct Arn {
  std::string_view partition;
  std::string_view service;
  std::string_view region;
  std::string_view account;
  std::string_view resource;
};

// Splits `text` into its fields. Returns nullopt unless it begins with "arn:"
// (case-sensitive) and has at least five more colons. Does not allocate.
std::optional<Arn> SplitArn(std::string_view text);

// Returns whether `text` has the ARN shape SplitArn() accepts; for validation.
bool IsArnLike(std::string_view text);

class ArnPattern {
 public:
  // Compiles a policy ARN pattern; every string is a valid pattern.
  static ArnPattern Compile(std::string_view pattern);

  // An empty pattern: matches only the empty text.
  ArnPattern() = default;

  // Returns whether `arn` matches. Does not allocate.
  bool Matches(std::string_view arn) const;

  // As Matches(arn) when `split` is SplitArn(arn): lets a caller split a request's
  // resource once and test it against many patterns.
  bool Matches(std::string_view arn, const std::optional<Arn>& split) const;

  // Returns the pattern as given to Compile(); valid while this object lives.
  // NOLINTNEXTLINE(readability-identifier-naming): matches WildcardPattern::pattern()
  std::string_view pattern() const { return pattern_; }

 private:
  // The matchers only general patterns need, kept out of line so the common
  // shape (a literal prefix and a resource glob) stays small and cache-friendly.
  struct General {
    WildcardPattern whole;
    WildcardPattern partition;
    WildcardPattern service;
    WildcardPattern region;
    WildcardPattern account;
  };

  bool MatchesLiteralPrefix(std::string_view arn) const;

  bool any_ = false;
  bool is_arn_ = false;  // the pattern splits as an ARN
  // The first five fields are literal: match by comparing the text's first
  // prefix_length_ bytes (through the fifth colon) with pattern_, then resource_.
  bool literal_prefix_ = false;
  std::size_t prefix_length_ = 0;
  std::string pattern_;
  WildcardPattern resource_;
  std::shared_ptr<const General> general_;  // null when literal_prefix_ or any_
};

}  // namespace portcullis::policy
