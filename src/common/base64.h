// Base64 (RFC 4648 section 4, standard alphabet "A-Za-z0-9+/"): BinaryEquals values
// (AWS: IAM User Guide, "Condition operators", Binary condition operators) and blob
// members of the wire protocol.
//
// DecodeBase64() takes padding as optional: "QQ==" and "QQ" both decode to "A".
// When present, padding must be complete and final (the text's length a multiple of
// four, at most two "="). It rejects the URL-safe alphabet ("-", "_"), whitespace
// and line breaks, a lone final character (length 1 mod 4), and anything after the
// padding. Unused low bits of the last character are ignored, as most decoders do,
// so "QR==" also decodes to "A"; callers that compare encoded forms should compare
// decoded bytes instead.
//
// Thread-safety: pure functions. Results are new strings owned by the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portcullis {

// Returns the bytes `text` encodes, or nullopt when it is not base64 as above.
std::optional<std::string> DecodeBase64(std::string_view text);

// Returns the padded base64 encoding of `bytes`.
std::string EncodeBase64(std::string_view bytes);

}  // namespace portcullis
