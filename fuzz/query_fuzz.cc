// libFuzzer target for the AWS Query decoder (api/protocol/query_codec.h) on the
// embedded iam model.
//
// Properties checked on every input, aborting on a violation:
//  - a rejected request carries an AWS code and a message, and its ErrorResponse body
//    is valid UTF-8;
//  - an accepted request re-serialised the way botocore serialises (every list
//    renumbered from 1, every value percent-encoded) decodes to the same Value, and
//    its input encodes as a response without crashing.
// Time and memory are bounded by the decoder's limits (kMaxQueryParameters,
// kMaxListIndex, kMaxQueryKeySegments): `Tags.member.999999999` is an error, and a
// list holds at most as many elements as the request has parameters.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/protocol/model_pattern.h"
#include "api/protocol/query_codec.h"
#include "api/protocol/service_model.h"

namespace {

using portcullis::api::protocol::DecodeQueryRequest;
using portcullis::api::protocol::Member;
using portcullis::api::protocol::Shape;
using portcullis::api::protocol::ShapeType;
using portcullis::api::protocol::Value;

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "query_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void AppendEncoded(std::string_view s, std::string* out) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')) {
      out->push_back(c);
    } else {
      out->push_back('%');
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    }
  }
}

void Emit(const std::string& key, std::string_view value, std::string* out) {
  out->push_back('&');
  AppendEncoded(key, out);
  out->push_back('=');
  AppendEncoded(value, out);
}

// Recursion is bounded by the decoded Value, itself bounded by kMaxShapeDepth.
void Serialize(const Shape& shape, const Value& v, const std::string& prefix, std::string* out) {
  switch (shape.type) {
    case ShapeType::kStructure:
      if (v.children().empty() && !prefix.empty()) {
        Emit(prefix, "", out);
      }
      for (const Member& m : shape.members) {
        if (const Value* child = v.Find(m.name); child != nullptr) {
          Serialize(*m.shape, *child, prefix.empty() ? m.wire_name : prefix + "." + m.wire_name,
                    out);
        }
      }
      return;
    case ShapeType::kList: {
      if (v.children().empty()) {
        Emit(prefix, "", out);
        return;
      }
      const std::string base = shape.flattened ? prefix : prefix + "." + shape.list_member_name;
      for (std::size_t i = 0; i < v.children().size(); ++i) {
        Serialize(*shape.list_member, v.children()[i], base + "." + std::to_string(i + 1), out);
      }
      return;
    }
    case ShapeType::kMap: {
      if (v.children().empty()) {
        Emit(prefix, "", out);
        return;
      }
      const std::string base = shape.flattened ? prefix : prefix + ".entry";
      for (std::size_t i = 0; i < v.children().size(); ++i) {
        const std::string entry = base + "." + std::to_string(i + 1);
        Emit(entry + "." + shape.map_key_name, v.names()[i], out);
        Serialize(*shape.map_value, v.children()[i], entry + "." + shape.map_value_name, out);
      }
      return;
    }
    case ShapeType::kInteger:
    case ShapeType::kLong:
      Emit(prefix, std::to_string(v.number()), out);
      return;
    case ShapeType::kBoolean:
      Emit(prefix, v.boolean() ? "true" : "false", out);
      return;
    case ShapeType::kTimestamp:
      Emit(prefix, portcullis::api::protocol::FormatIso8601(v.number()), out);
      return;
    case ShapeType::kBlob:
      Emit(prefix, portcullis::api::protocol::Base64Encode(v.text()), out);
      return;
    default:
      Emit(prefix, v.text(), out);
      return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view form(reinterpret_cast<const char*>(data), size);
  const auto& model = portcullis::api::protocol::IamModel();

  auto decoded = DecodeQueryRequest(model, form);
  if (!decoded.has_value()) {
    const auto& error = decoded.error();
    if (error.aws_code.empty() || error.message.empty()) {
      Fail("error without an AWS code or message", form);
    }
    const auto encoded = portcullis::api::protocol::EncodeError(model, error, "fuzz");
    if (portcullis::api::protocol::SanitizeUtf8(encoded.body) != encoded.body) {
      Fail("error body is not valid UTF-8", encoded.body);
    }
    return 0;
  }

  const auto& op = *decoded->operation;
  std::string again = "Action=" + op.name + "&Version=" + model.api_version();
  if (op.input != nullptr) {
    Serialize(*op.input, decoded->input, "", &again);
  }
  auto second = DecodeQueryRequest(model, again);
  if (!second.has_value()) {
    Fail("re-serialised request is rejected", again + "\n" + second.error().message);
  }
  if (second->operation != decoded->operation || second->input != decoded->input) {
    Fail("re-serialised request decodes differently",
         again + "\n" + decoded->input.DebugString() + "\n" + second->input.DebugString());
  }
  // The encoder walks the operation's output shape; the input Value mostly does not fit
  // it, which must be harmless.
  const std::string xml = EncodeQueryResponse(model, op, decoded->input, "fuzz");
  if (xml.empty()) {
    Fail("empty response", form);
  }
  return 0;
}
