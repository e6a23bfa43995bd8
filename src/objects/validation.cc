// Name, key and tag rules, continuation tokens and the multipart ETag (object_store.h).

#include <openssl/evp.h>
#include <string>

#include "common/base64.h"

#include "objects/errors.h"
#include "objects/object_store.h"

namespace portcullis::objects {
namespace {

bool IsLowerOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Four dot-separated groups of 1-3 digits ("192.168.5.4"): the IP address form.
bool LooksLikeIpv4(std::string_view name) {
  int groups = 0;
  std::size_t digits = 0;
  for (const char c : name) {
    if (c == '.') {
      if (digits == 0) {
        return false;
      }
      ++groups;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) {
        return false;
      }
    } else {
      return false;
    }
  }
  return digits > 0 && groups == 3;
}

// Unicode characters in UTF-8 text: bytes that do not continue a sequence.
std::size_t CountCharacters(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
      ++count;
    }
  }
  return count;
}

Status InvalidBucketName(std::string_view name, std::string_view why) {
  return MakeS3Error(
      ErrorCode::kInvalidArgument, "InvalidBucketName",
      "the specified bucket `" + std::string(name) + "` is not valid: " + std::string(why));
}

}  // namespace

Status ValidateBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) {
    return InvalidBucketName(name, "a bucket name has 3 to 63 characters");
  }
  for (const char c : name) {
    if (!IsLowerOrDigit(c) && c != '.' && c != '-') {
      return InvalidBucketName(name,
                               "only lowercase letters, digits, periods and hyphens are allowed");
    }
  }
  if (!IsLowerOrDigit(name.front()) || !IsLowerOrDigit(name.back())) {
    return InvalidBucketName(name, "a bucket name begins and ends with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos) {
    return InvalidBucketName(name, "two adjacent periods");
  }
  if (LooksLikeIpv4(name)) {
    return InvalidBucketName(name, "a bucket name is not formatted as an IP address");
  }
  for (const std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (StartsWith(name, prefix)) {
      return InvalidBucketName(name, "reserved prefix `" + std::string(prefix) + "`");
    }
  }
  for (const std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (EndsWith(name, suffix)) {
      return InvalidBucketName(name, "reserved suffix `" + std::string(suffix) + "`");
    }
  }
  return OkStatus();
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) {
    return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidArgument", "an object key is empty");
  }
  if (key.size() > kMaxKeyBytes) {
    return MakeS3Error(
        ErrorCode::kInvalidArgument, "KeyTooLongError",
        "your key is too long: " + std::to_string(key.size()) + " bytes, at most 1024");
  }
  return OkStatus();
}

Status ValidateObjectTags(const TagSet& tags) {
  if (tags.size() > kMaxTags) {
    return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidTag",
                       "object tags cannot be greater than 10");
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const auto& [key, value] = tags[i];
    if (key.empty() || CountCharacters(key) > kMaxTagKeyChars) {
      return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidTag",
                         "the tag key `" + key + "` must have 1 to 128 characters");
    }
    if (CountCharacters(value) > kMaxTagValueChars) {
      return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidTag",
                         "the tag value of `" + key + "` has more than 256 characters");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (tags[j].first == key) {
        return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidTag",
                           "cannot provide multiple tags with the same key `" + key + "`");
      }
    }
  }
  return OkStatus();
}

std::string EncodeContinuationToken(std::string_view next_marker) {
  return EncodeBase64(next_marker);
}

Result<std::string> DecodeContinuationToken(std::string_view token) {
  std::optional<std::string> marker = DecodeBase64(token);
  if (!marker.has_value() || marker->empty()) {
    return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidArgument",
                       "the continuation token provided is incorrect");
  }
  return std::move(*marker);
}

std::string MultipartEtag(std::span<const std::string> binary_part_md5s) {
  std::string concatenated;
  for (const std::string& md5 : binary_part_md5s) {
    concatenated += md5;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(concatenated.data(), concatenated.size(), digest.data(), &size, EVP_md5(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), size)) + "-" +
         std::to_string(binary_part_md5s.size());
}

}  // namespace portcullis::objects
