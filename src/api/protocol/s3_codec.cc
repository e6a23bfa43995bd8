#include "api/protocol/s3_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <pugixml.hpp>

#include "api/protocol/model_pattern.h"
#include "api/protocol/query_codec.h"
#include "api/protocol/s3_errors.h"
#include "common/strings.h"

namespace portcullis::api::protocol {

namespace {

tl::unexpected<Error> S3Error(std::string_view code, std::string message) {
  return tl::unexpected<Error>(MakeS3Error(code, std::move(message)));
}

bool IsValidUtf8(std::string_view text) {
  return SanitizeUtf8(text) == text;
}

// ---------------------------------------------------------------------------
// Routing.

enum class PathKind : std::uint8_t { kService, kBucket, kObject, kLiteral };

PathKind KindOfTemplate(std::string_view path) {
  if (path == "/") {
    return PathKind::kService;
  }
  if (path == "/{Bucket}") {
    return PathKind::kBucket;
  }
  if (path == "/{Bucket}/{Key+}") {
    return PathKind::kObject;
  }
  return PathKind::kLiteral;
}

const std::string* FindQuery(const std::vector<std::pair<std::string, std::string>>& query,
                             std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [key, value] : query) {
    if (key == name) {
      found = &value;
    }
  }
  return found;
}

std::optional<std::string_view> FindHeader(const S3HttpRequest& request, std::string_view name) {
  for (const HttpHeaderView& h : request.headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      return TrimAsciiWhitespace(h.value);
    }
  }
  return std::nullopt;
}

// Operations a request on this server can never mean: AWS: S3 Express's control endpoint
// (ListDirectoryBuckets shares GET / with ListBuckets) and Object Lambda's host-prefixed
// WriteGetObjectResponse.
bool Routable(const Operation& op) {
  return !op.deprecated && op.host_prefix.empty() && op.name != "ListDirectoryBuckets";
}

// Returns the match score of `op` for the request (higher is more specific), or -1.
int MatchScore(const Operation& op, PathKind kind, const S3Route& route,
               const S3HttpRequest& request) {
  if (op.http_method != request.method || !Routable(op)) {
    return -1;
  }
  if (KindOfTemplate(op.request_path) != kind) {
    return -1;
  }
  int score = 0;
  for (const auto& [name, value] : op.request_query) {
    const std::string* got = FindQuery(route.query, name);
    if (got == nullptr || (value.has_value() && *got != *value)) {
      return -1;
    }
    score += 2;
  }
  if (op.input == nullptr) {
    return score;
  }
  for (const Member& m : op.input->members) {
    if (!m.required) {
      continue;
    }
    if (m.location == MemberLocation::kQueryString) {
      if (FindQuery(route.query, m.wire_name) == nullptr) {
        return -1;
      }
      ++score;
    } else if (m.location == MemberLocation::kHeader) {
      if (!FindHeader(request, m.wire_name).has_value()) {
        return -1;
      }
      ++score;
    }
  }
  return score;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseS3Query(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!raw.empty()) {
    const std::size_t amp = raw.find('&');
    const std::string_view item = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (item.empty()) {
      continue;
    }
    if (out.size() >= kMaxS3QueryParameters) {
      return S3Error("InvalidArgument", "the request has more than " +
                                            std::to_string(kMaxS3QueryParameters) +
                                            " query parameters");
    }
    const std::size_t eq = item.find('=');
    std::string key;
    std::string value;
    if (!S3PercentDecode(item.substr(0, eq), true, &key) ||
        (eq != std::string_view::npos && !S3PercentDecode(item.substr(eq + 1), true, &value))) {
      return S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
    if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
      return S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

// The bucket of a virtual-hosted-style Host, or nullopt for path style.
std::optional<std::string> VirtualHostBucket(std::string_view host,
                                             const std::vector<std::string>& host_names) {
  // Strip the port ("[::1]:9000" has no bucket: IPv6 literals are path style).
  if (host.empty() || host.front() == '[') {
    return std::nullopt;
  }
  if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  // The server's own name is path style even when another name is its suffix.
  for (const std::string& name : host_names) {
    if (EqualsIgnoreCase(host, name)) {
      return std::nullopt;
    }
  }
  std::size_t best = 0;
  std::optional<std::string> bucket;
  for (const std::string& name : host_names) {
    if (name.empty() || host.size() <= name.size() + 1 || name.size() < best) {
      continue;
    }
    const std::string_view suffix = host.substr(host.size() - name.size());
    if (host[host.size() - name.size() - 1] == '.' && EqualsIgnoreCase(suffix, name)) {
      best = name.size();
      bucket = AsciiLower(host.substr(0, host.size() - name.size() - 1));
    }
  }
  return bucket;
}

Status CheckKey(const std::string& key) {
  if (key.size() > kMaxS3KeyBytes) {
    return S3Error("KeyTooLongError", "Your key is too long");
  }
  if (key.find('\0') != std::string::npos) {
    return S3Error("InvalidArgument", "Object key must not contain NUL characters");
  }
  if (!IsValidUtf8(key)) {
    return S3Error("InvalidURI", "Couldn't parse the specified URI.");
  }
  return OkStatus();
}

// Fills route.bucket / route.key from the path and host; returns the path's kind.
Result<PathKind> SplitPath(std::string_view raw_path, const S3HttpRequest& request,
                           const S3RouteOptions& options, S3Route* route) {
  std::string_view rest = raw_path.substr(1);
  if (std::optional<std::string> bucket = VirtualHostBucket(request.host, options.host_names)) {
    route->bucket = std::move(*bucket);
    route->virtual_hosted = true;
  } else {
    const std::size_t slash = rest.find('/');
    if (!S3PercentDecode(rest.substr(0, slash), false, &route->bucket)) {
      return S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (!S3PercentDecode(rest, false, &route->key)) {
    return S3Error("InvalidURI", "Couldn't parse the specified URI.");
  }
  if (route->bucket.find('\0') != std::string::npos ||
      route->bucket.find('/') != std::string::npos || !IsValidUtf8(route->bucket)) {
    return S3Error("InvalidURI", "Couldn't parse the specified URI.");
  }
  IAM_RETURN_IF_ERROR(CheckKey(route->key));
  if (route->bucket.empty()) {
    if (!route->key.empty()) {
      return S3Error("InvalidURI", "Couldn't parse the specified URI.");
    }
    return PathKind::kService;
  }
  return route->key.empty() ? PathKind::kBucket : PathKind::kObject;
}

// ---------------------------------------------------------------------------
// Scalars.

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool ParseInt(std::string_view text, std::int64_t* out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// The timestamp format of `shape` at a location (botocore: headers default to rfc822,
// everything else to iso8601).
std::string_view TimestampFormat(const Shape& shape, MemberLocation location) {
  if (shape.has_timestamp_format) {
    return shape.timestamp_format;
  }
  return location == MemberLocation::kHeader ? "rfc822" : "iso8601";
}

bool ParseTimestamp(std::string_view text, std::string_view format, std::int64_t* millis) {
  if (ParseIso8601(text, millis) || ParseHttpDate(text, millis)) {
    return true;
  }
  std::int64_t seconds = 0;
  if (format == "unixTimestamp" && ParseInt(text, &seconds) && seconds > -62135596800 &&
      seconds < 253402300800) {
    *millis = seconds * 1000;
    return true;
  }
  return false;
}

std::string FormatTimestamp(std::int64_t millis, std::string_view format) {
  if (format == "rfc822") {
    return FormatHttpDate(millis);
  }
  if (format == "unixTimestamp") {
    return std::to_string(millis / 1000);
  }
  return FormatIso8601(millis);
}

// A member's name as S3 messages show it: the wire name ("max-keys", "x-amz-acl").
Result<Value> DecodeScalarText(const Shape& shape, std::string_view text, MemberLocation location,
                               std::string_view wire_name) {
  const auto invalid = [&](std::string_view what) {
    return S3Error("InvalidArgument", std::string(what) + " for " + std::string(wire_name) + ": `" +
                                          SanitizeUtf8(text.substr(0, 256)) + "`");
  };
  switch (shape.type) {
    case ShapeType::kString: {
      if (!IsValidUtf8(text)) {
        return invalid("invalid UTF-8");
      }
      // AWS: enums are checked where S3 reads them from headers and the query string; XML
      // body enums (LocationConstraint, ...) answer operation-specific codes, the
      // service's decision.
      if (location != MemberLocation::kBody && !shape.enum_values.empty() &&
          std::find(shape.enum_values.begin(), shape.enum_values.end(), text) ==
              shape.enum_values.end()) {
        return invalid("invalid value");
      }
      if (location != MemberLocation::kBody && shape.pattern.has_value() &&
          !shape.pattern->Matches(text)) {
        return invalid("invalid value");
      }
      return Value::String(std::string(text));
    }
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      std::int64_t n = 0;
      if (!ParseInt(text, &n) ||
          (shape.type == ShapeType::kInteger && (n < INT32_MIN || n > INT32_MAX))) {
        return invalid("not an integer");
      }
      return Value::Integer(n);
    }
    case ShapeType::kBoolean: {
      if (EqualsIgnoreCase(text, "true")) {
        return Value::Boolean(true);
      }
      if (EqualsIgnoreCase(text, "false")) {
        return Value::Boolean(false);
      }
      return invalid("not a boolean");
    }
    case ShapeType::kTimestamp: {
      std::int64_t millis = 0;
      if (!ParseTimestamp(text, TimestampFormat(shape, location), &millis)) {
        return invalid("not a date");
      }
      return Value::TimestampMillis(millis);
    }
    case ShapeType::kBlob: {
      std::string bytes;
      if (location == MemberLocation::kBody || location == MemberLocation::kHeader) {
        if (!Base64Decode(text, &bytes)) {
          return invalid("not base64");
        }
        return Value::Blob(std::move(bytes));
      }
      return Value::Blob(std::string(text));
    }
    case ShapeType::kDouble:
    case ShapeType::kFloat:
    default:
      return invalid("unsupported value");
  }
}

// ---------------------------------------------------------------------------
// XML bodies.

std::string_view LocalName(std::string_view name) {
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

tl::unexpected<Error> MalformedXml() {
  return S3Error("MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema");
}

class XmlDecoder {
 public:
  Result<Value> Decode(const Shape& shape, const pugi::xml_node& node, int depth) {
    if (depth > kMaxS3XmlDepth) {
      return MalformedXml();
    }
    switch (shape.type) {
      case ShapeType::kStructure:
        return DecodeStructure(shape, node, depth);
      case ShapeType::kList: {
        Value out = Value::List();
        for (const pugi::xml_node child : node.children()) {
          if (child.type() == pugi::node_element &&
              LocalName(child.name()) == shape.list_member_name) {
            IAM_ASSIGN_OR_RETURN(Value item, Decode(*shape.list_member, child, depth + 1));
            out.Append(std::move(item));
          }
        }
        return out;
      }
      case ShapeType::kMap:
        return DecodeMap(shape, node, depth);
      default:
        return DecodeText(shape, node);
    }
  }

 private:
  static Result<Value> DecodeText(const Shape& shape, const pugi::xml_node& node) {
    for (const pugi::xml_node child : node.children()) {
      if (child.type() == pugi::node_element) {
        return MalformedXml();
      }
    }
    std::string_view text = node.text().get();
    if (!IsValidUtf8(text)) {
      return MalformedXml();
    }
    if (shape.type != ShapeType::kString) {
      text = TrimAsciiWhitespace(text);
    }
    Result<Value> v = DecodeScalarText(shape, text, MemberLocation::kBody, node.name());
    if (!v.has_value()) {
      return MalformedXml();
    }
    return v;
  }

  Result<Value> DecodeMap(const Shape& shape, const pugi::xml_node& node, int depth) {
    Value out = Value::Map();
    for (const pugi::xml_node entry : node.children()) {
      if (entry.type() != pugi::node_element || LocalName(entry.name()) != "entry") {
        continue;
      }
      const pugi::xml_node k = entry.child(shape.map_key_name.c_str());
      const pugi::xml_node v = entry.child(shape.map_value_name.c_str());
      if (k.empty() || v.empty()) {
        return MalformedXml();
      }
      IAM_ASSIGN_OR_RETURN(Value value, Decode(*shape.map_value, v, depth + 1));
      out.Set(k.text().get(), std::move(value));
    }
    return out;
  }

  Result<Value> DecodeStructure(const Shape& shape, const pugi::xml_node& node, int depth) {
    Value out = Value::Structure();
    for (const Member& m : shape.members) {
      if (m.location != MemberLocation::kBody) {
        continue;
      }
      IAM_ASSIGN_OR_RETURN(std::optional<Value> v, DecodeMember(m, node, depth));
      if (v.has_value()) {
        out.Set(m.name, std::move(*v));
      } else if (m.required) {
        return MalformedXml();
      }
    }
    return out;
  }

  // The member's value: an attribute, the elements of a flattened list, or the (last)
  // element named wire_name.
  Result<std::optional<Value>> DecodeMember(const Member& m, const pugi::xml_node& node,
                                            int depth) {
    std::optional<Value> v;
    if (m.xml_attribute) {
      for (const pugi::xml_attribute a : node.attributes()) {
        if (LocalName(a.name()) == LocalName(m.wire_name)) {
          IAM_ASSIGN_OR_RETURN(
              v, DecodeScalarText(*m.shape, a.value(), MemberLocation::kBody, m.wire_name));
        }
      }
      return v;
    }
    const bool flattened = m.shape->type == ShapeType::kList && (m.flattened || m.shape->flattened);
    Value list = Value::List();
    for (const pugi::xml_node child : node.children()) {
      if (child.type() != pugi::node_element || LocalName(child.name()) != m.wire_name) {
        continue;
      }
      if (flattened) {
        IAM_ASSIGN_OR_RETURN(Value item, Decode(*m.shape->list_member, child, depth + 1));
        list.Append(std::move(item));
      } else {
        IAM_ASSIGN_OR_RETURN(v, Decode(*m.shape, child, depth + 1));
      }
    }
    if (flattened && !list.children().empty()) {
      v = std::move(list);
    }
    return v;
  }
};

Result<Value> DecodeXmlPayload(const Shape& shape, std::string_view root_name,
                               std::string_view body) {
  if (body.size() > kMaxS3XmlBodyBytes) {
    return S3Error("MaxMessageLengthExceeded", "Your request was too big.");
  }
  pugi::xml_document doc;
  // parse_doctype keeps a DOCTYPE as a node so it can be refused; pugixml never expands
  // entities beyond the five predefined ones and character references.
  // parse_ws_pcdata_single keeps `<Key> </Key>`: a key of one space is a valid key.
  const unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata_single;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(body.data(), body.size(), flags, pugi::encoding_utf8);
  if (!parsed) {
    return MalformedXml();
  }
  pugi::xml_node root;
  for (const pugi::xml_node child : doc.children()) {
    if (child.type() == pugi::node_doctype) {
      return MalformedXml();
    }
    if (child.type() == pugi::node_element) {
      if (!root.empty()) {
        return MalformedXml();
      }
      root = child;
    }
  }
  if (root.empty() || LocalName(root.name()) != root_name) {
    return MalformedXml();
  }
  XmlDecoder decoder;
  return decoder.Decode(shape, root, 0);
}

// The element name of a payload member: its locationName, else the shape's, else its name.
std::string_view PayloadElementName(const Member& m) {
  if (m.has_location_name) {
    return m.wire_name;
  }
  if (!m.shape->location_name.empty()) {
    return m.shape->location_name;
  }
  return m.name;
}

bool IsStreamingBlob(const Member& m) {
  return m.shape->type == ShapeType::kBlob && (m.streaming || m.shape->streaming);
}

// RFC 7232 section 3.3: a conditional date header (If-Modified-Since,
// x-amz-copy-source-if-unmodified-since, ...) that is not a valid date is ignored.
bool IsConditionalDateHeader(const Member& m) {
  const std::string lower = AsciiLower(m.wire_name);
  return m.shape->type == ShapeType::kTimestamp &&
         (lower.starts_with("if-") || lower.find("-if-") != std::string::npos);
}

// A `headers` map: every header starting with the member's prefix, by lowercased suffix.
Result<std::optional<Value>> DecodeHeaderMap(const Member& m, const S3HttpRequest& request) {
  Value map = Value::Map();
  for (const HttpHeaderView& h : request.headers) {
    if (h.name.size() > m.wire_name.size() && StartsWithIgnoreCase(h.name, m.wire_name)) {
      const std::string_view value = TrimAsciiWhitespace(h.value);
      if (!IsValidUtf8(value)) {
        return S3Error("InvalidArgument", "invalid UTF-8 in header " + std::string(h.name));
      }
      map.Set(AsciiLower(h.name.substr(m.wire_name.size())), Value::String(std::string(value)));
    }
  }
  if (map.children().empty()) {
    return std::optional<Value>();
  }
  return std::optional<Value>(std::move(map));
}

// A list header: comma-separated items.
Result<std::optional<Value>> DecodeHeaderList(const Member& m, std::string_view rest) {
  Value list = Value::List();
  while (!rest.empty()) {
    if (list.children().size() >= kMaxS3HeaderListItems) {
      return S3Error("InvalidArgument", "too many values in header " + m.wire_name);
    }
    const std::size_t comma = rest.find(',');
    const std::string_view item = TrimAsciiWhitespace(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    IAM_ASSIGN_OR_RETURN(Value v, DecodeScalarText(*m.shape->list_member, item,
                                                   MemberLocation::kHeader, m.wire_name));
    list.Append(std::move(v));
  }
  return std::optional<Value>(std::move(list));
}

Result<std::optional<Value>> DecodeHeaderMember(const Member& m, const S3HttpRequest& request) {
  if (m.location == MemberLocation::kHeaders) {
    return DecodeHeaderMap(m, request);
  }
  const std::optional<std::string_view> raw = FindHeader(request, m.wire_name);
  if (!raw.has_value()) {
    return std::optional<Value>();
  }
  if (m.shape->type == ShapeType::kList) {
    return DecodeHeaderList(m, *raw);
  }
  Result<Value> v = DecodeScalarText(*m.shape, *raw, MemberLocation::kHeader, m.wire_name);
  if (!v.has_value() && IsConditionalDateHeader(m)) {
    return std::optional<Value>();
  }
  IAM_RETURN_IF_ERROR(v);
  return std::optional<Value>(std::move(*v));
}

Result<std::optional<Value>> DecodeQueryMember(const Member& m, const S3Route& route) {
  if (m.shape->type == ShapeType::kList) {
    Value list = Value::List();
    for (const auto& [key, value] : route.query) {
      if (key == m.wire_name) {
        IAM_ASSIGN_OR_RETURN(Value v, DecodeScalarText(*m.shape->list_member, value,
                                                       MemberLocation::kQueryString, key));
        list.Append(std::move(v));
      }
    }
    if (list.children().empty()) {
      return std::optional<Value>();
    }
    return std::optional<Value>(std::move(list));
  }
  const std::string* raw = FindQuery(route.query, m.wire_name);
  if (raw == nullptr) {
    return std::optional<Value>();
  }
  IAM_ASSIGN_OR_RETURN(Value v,
                       DecodeScalarText(*m.shape, *raw, MemberLocation::kQueryString, m.wire_name));
  return std::optional<Value>(std::move(v));
}

Result<std::optional<Value>> DecodePayloadMember(const Member& m, const S3HttpRequest& request) {
  if (request.body.empty()) {
    return std::optional<Value>();
  }
  switch (m.shape->type) {
    case ShapeType::kStructure: {
      IAM_ASSIGN_OR_RETURN(Value v,
                           DecodeXmlPayload(*m.shape, PayloadElementName(m), request.body));
      return std::optional<Value>(std::move(v));
    }
    case ShapeType::kString:
      return std::optional<Value>(Value::String(std::string(request.body)));
    case ShapeType::kBlob:
      return std::optional<Value>(Value::Blob(std::string(request.body)));
    default:
      return S3Error("InvalidRequest", "unsupported payload type");
  }
}

// One member of the operation's input from where the model says it travels; nullopt when
// the request does not carry it (and for a streaming payload, left to the caller).
Result<std::optional<Value>> DecodeInputMember(const Shape& shape, const Member& m,
                                               const S3Route& route, const S3HttpRequest& request) {
  switch (m.location) {
    case MemberLocation::kUri: {
      const std::string& label = m.wire_name == "Bucket" ? route.bucket : route.key;
      if (label.empty()) {
        return std::optional<Value>();
      }
      return std::optional<Value>(Value::String(label));
    }
    case MemberLocation::kQueryString:
      return DecodeQueryMember(m, route);
    case MemberLocation::kHeader:
    case MemberLocation::kHeaders:
      return DecodeHeaderMember(m, request);
    case MemberLocation::kBody:
      if (m.name == shape.payload && !IsStreamingBlob(m)) {
        return DecodePayloadMember(m, request);
      }
      return std::optional<Value>();
  }
  return std::optional<Value>();
}

// ---------------------------------------------------------------------------
// Encoding.

void OpenElement(std::string_view name, std::string* out) {
  out->push_back('<');
  out->append(name);
  out->push_back('>');
}

void CloseElement(std::string_view name, std::string* out) {
  out->append("</");
  out->append(name);
  out->push_back('>');
}

std::string ScalarText(const Shape& shape, const Value& v, MemberLocation location) {
  switch (v.kind()) {
    case Value::Kind::kString:
      return v.text();
    case Value::Kind::kInteger:
      return std::to_string(v.number());
    case Value::Kind::kBoolean:
      return v.boolean() ? "true" : "false";
    case Value::Kind::kTimestamp:
      return FormatTimestamp(v.number(), TimestampFormat(shape, location));
    case Value::Kind::kBlob:
      return Base64Encode(v.text());
    default:
      return {};
  }
}

class XmlEncoder {
 public:
  explicit XmlEncoder(std::string* out) : out_(out) {}

  void Element(const Shape& shape, std::string_view name, const Value& v, int depth,
               std::string_view attributes = {}) {
    if (depth > kMaxS3XmlDepth) {
      return;
    }
    switch (shape.type) {
      case ShapeType::kStructure:
        StartTag(shape, name, v, attributes);
        Members(shape, v, depth);
        CloseElement(name, out_);
        return;
      case ShapeType::kList:
        OpenElement(name, out_);
        for (const Value& item : v.children()) {
          Element(*shape.list_member, shape.list_member_name, item, depth + 1);
        }
        CloseElement(name, out_);
        return;
      case ShapeType::kMap:
        OpenElement(name, out_);
        for (std::size_t i = 0; i < v.children().size(); ++i) {
          OpenElement("entry", out_);
          OpenElement(shape.map_key_name, out_);
          AppendXmlEscaped(v.names()[i], out_);
          CloseElement(shape.map_key_name, out_);
          Element(*shape.map_value, shape.map_value_name, v.children()[i], depth + 1);
          CloseElement("entry", out_);
        }
        CloseElement(name, out_);
        return;
      default:
        out_->push_back('<');
        out_->append(name);
        out_->append(attributes);
        out_->push_back('>');
        AppendXmlEscaped(ScalarText(shape, v, MemberLocation::kBody), out_);
        CloseElement(name, out_);
        return;
    }
  }

  // The body members of `shape` in model order.
  void Members(const Shape& shape, const Value& v, int depth) {
    for (const Member& m : shape.members) {
      if (m.location != MemberLocation::kBody || m.xml_attribute) {
        continue;
      }
      const Value* child = v.Find(m.name);
      if (child == nullptr) {
        continue;
      }
      if (m.shape->type == ShapeType::kList && (m.flattened || m.shape->flattened)) {
        for (const Value& item : child->children()) {
          Element(*m.shape->list_member, m.wire_name, item, depth + 1);
        }
      } else {
        Element(*m.shape, m.wire_name, *child, depth + 1);
      }
    }
  }

 private:
  void StartTag(const Shape& shape, std::string_view name, const Value& v,
                std::string_view attributes) {
    out_->push_back('<');
    out_->append(name);
    out_->append(attributes);
    if (shape.xml_namespace.has_value() && !shape.xml_namespace->prefix.empty()) {
      out_->append(" xmlns:" + shape.xml_namespace->prefix + "=\"");
      AppendXmlEscaped(shape.xml_namespace->uri, out_);
      out_->push_back('"');
    }
    for (const Member& m : shape.members) {
      const Value* child = v.Find(m.name);
      if (m.xml_attribute && child != nullptr) {
        out_->append(" " + m.wire_name + "=\"");
        AppendXmlEscaped(ScalarText(*m.shape, *child, MemberLocation::kBody), out_);
        out_->push_back('"');
      }
    }
    out_->push_back('>');
  }

  std::string* out_;
};

constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

std::string NamespaceAttribute(const std::optional<XmlNamespace>& ns) {
  std::string out = " xmlns";
  if (ns.has_value() && !ns->prefix.empty()) {
    out += ":" + ns->prefix;
  }
  out += "=\"";
  AppendXmlEscaped(ns.has_value() ? std::string_view(ns->uri) : kS3XmlNamespace, &out);
  out += "\"";
  return out;
}

// A header value cannot carry CR, LF or NUL: they become spaces.
std::string HeaderSafe(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\0') {
      c = ' ';
    }
  }
  return text;
}

void EncodeHeaders(const Member& m, const Value& v, S3Response* response) {
  if (m.location == MemberLocation::kHeaders) {
    for (std::size_t i = 0; i < v.names().size(); ++i) {
      response->headers.emplace_back(HeaderSafe(m.wire_name + v.names()[i]),
                                     HeaderSafe(v.children()[i].text()));
    }
    return;
  }
  if (m.shape->type == ShapeType::kList) {
    std::string joined;
    for (const Value& item : v.children()) {
      if (!joined.empty()) {
        joined += ", ";
      }
      joined += ScalarText(*m.shape->list_member, item, MemberLocation::kHeader);
    }
    response->headers.emplace_back(m.wire_name, HeaderSafe(std::move(joined)));
    return;
  }
  response->headers.emplace_back(m.wire_name,
                                 HeaderSafe(ScalarText(*m.shape, v, MemberLocation::kHeader)));
}

void EncodePayload(const Member& m, const Value* v, S3Response* response) {
  if (IsStreamingBlob(m) && (v == nullptr || v->kind() != Value::Kind::kBlob)) {
    response->streaming_body = true;
    return;
  }
  if (v == nullptr) {
    return;
  }
  if (m.shape->type == ShapeType::kStructure) {
    response->body = kXmlDeclaration;
    XmlEncoder encoder(&response->body);
    encoder.Element(*m.shape, PayloadElementName(m), *v, 0, NamespaceAttribute(m.xml_namespace));
    response->headers.emplace_back("Content-Type", "application/xml");
    return;
  }
  response->body = v->text();
}

struct RootName {
  std::string_view operation;
  std::string_view root;
};

// AWS: the S3 API Reference's response syntax of each operation without a payload member.
constexpr std::array<RootName, 27> kRootNames = {{
    {"CompleteMultipartUpload", "CompleteMultipartUploadResult"},
    {"CreateMultipartUpload", "InitiateMultipartUploadResult"},
    {"CreateSession", "CreateSessionResult"},
    {"DeleteObjects", "DeleteResult"},
    {"GetBucketAccelerateConfiguration", "AccelerateConfiguration"},
    {"GetBucketAcl", "AccessControlPolicy"},
    {"GetBucketCors", "CORSConfiguration"},
    {"GetBucketLifecycle", "LifecycleConfiguration"},
    {"GetBucketLifecycleConfiguration", "LifecycleConfiguration"},
    {"GetBucketLocation", "LocationConstraint"},
    {"GetBucketLogging", "BucketLoggingStatus"},
    {"GetBucketNotification", "NotificationConfiguration"},
    {"GetBucketNotificationConfiguration", "NotificationConfiguration"},
    {"GetBucketRequestPayment", "RequestPaymentConfiguration"},
    {"GetBucketTagging", "Tagging"},
    {"GetBucketVersioning", "VersioningConfiguration"},
    {"GetBucketWebsite", "WebsiteConfiguration"},
    {"GetObjectAcl", "AccessControlPolicy"},
    {"GetObjectAttributes", "GetObjectAttributesResponse"},
    {"GetObjectTagging", "Tagging"},
    {"ListBuckets", "ListAllMyBucketsResult"},
    {"ListDirectoryBuckets", "ListAllMyDirectoryBucketsResult"},
    {"ListMultipartUploads", "ListMultipartUploadsResult"},
    {"ListObjectVersions", "ListVersionsResult"},
    {"ListObjects", "ListBucketResult"},
    {"ListObjectsV2", "ListBucketResult"},
    {"ListParts", "ListPartsResult"},
}};

}  // namespace

bool S3PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return false;
      }
      const int hi = HexDigitValue(in[i + 1]);
      const int lo = HexDigitValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return false;
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string FormatHttpDate(std::int64_t epoch_millis) {
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  const std::chrono::sys_time<milliseconds> tp{milliseconds(epoch_millis)};
  const sys_days day = floor<days>(tp);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  const std::chrono::hh_mm_ss<milliseconds> hms{tp - day};
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%s, %02u %s %04d %02lld:%02lld:%02lld GMT",
                std::string(kWeekdays[wd.c_encoding()]).c_str(), static_cast<unsigned>(ymd.day()),
                std::string(kMonths[static_cast<unsigned>(ymd.month()) - 1]).c_str(),
                static_cast<int>(ymd.year()), static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf.data();
}

bool ParseHttpDate(std::string_view text, std::int64_t* epoch_millis) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return false;
  }
  const auto number = [&](std::size_t pos, std::size_t len, int* out) {
    *out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!AsciiIsDigit(text[i])) {
        return false;
      }
      *out = *out * 10 + (text[i] - '0');
    }
    return true;
  };
  int day = 0;
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!number(5, 2, &day) || !number(12, 4, &year) || !number(17, 2, &hour) ||
      !number(20, 2, &minute) || !number(23, 2, &second) || hour > 23 || minute > 59 ||
      second > 60) {
    return false;
  }
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end() ||
      std::find(kWeekdays.begin(), kWeekdays.end(), text.substr(0, 3)) == kWeekdays.end()) {
    return false;
  }
  const std::chrono::year_month_day ymd{
      std::chrono::year(year),
      std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
      std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) {
    return false;
  }
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  *epoch_millis =
      (days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second) * 1000;
  return true;
}

Result<S3Route> RouteS3Request(const ServiceModel& model, const S3HttpRequest& request,
                               const S3RouteOptions& options) {
  if (request.target.empty() || request.target.front() != '/') {
    return S3Error("InvalidURI", "Couldn't parse the specified URI.");
  }
  const std::size_t q = request.target.find('?');
  const std::string_view raw_path = request.target.substr(0, q);
  S3Route route;
  if (q != std::string_view::npos) {
    IAM_ASSIGN_OR_RETURN(route.query, ParseS3Query(request.target.substr(q + 1)));
  }
  IAM_ASSIGN_OR_RETURN(const PathKind kind, SplitPath(raw_path, request, options, &route));
  int best = -1;
  for (const auto& [name, op] : model.operations()) {
    const int score = MatchScore(op, kind, route, request);
    if (score > best) {
      best = score;
      route.operation = &op;
    }
  }
  if (route.operation == nullptr) {
    std::string asked = SanitizeUtf8(request.method.substr(0, 16)) + " ";
    asked += kind == PathKind::kService  ? "/"
             : kind == PathKind::kBucket ? "/{Bucket}"
                                         : "/{Bucket}/{Key}";
    for (std::size_t i = 0; i < route.query.size() && i < 8; ++i) {
      asked += (i == 0 ? "?" : "&") + SanitizeUtf8(route.query[i].first.substr(0, 64));
    }
    return S3Error("NotImplemented",
                   "A header you provided implies functionality that is not implemented: " + asked);
  }
  return route;
}

Result<Value> DecodeS3Input(const ServiceModel& /*model*/, const S3Route& route,
                            const S3HttpRequest& request) {
  Value input = Value::Structure();
  const Operation& op = *route.operation;
  if (op.input == nullptr) {
    return input;
  }
  const Shape& shape = *op.input;
  for (const Member& m : shape.members) {
    IAM_ASSIGN_OR_RETURN(std::optional<Value> v, DecodeInputMember(shape, m, route, request));
    if (v.has_value()) {
      input.Set(m.name, std::move(*v));
    } else if (m.required && !(m.name == shape.payload && IsStreamingBlob(m))) {
      if (m.name == shape.payload) {
        return S3Error("MissingRequestBodyError", "Request Body is empty");
      }
      return S3Error("InvalidArgument", "missing required " + m.wire_name);
    }
  }
  // A body of members without a payload (SelectObjectContent): the input shape's element.
  const bool has_body_members =
      std::any_of(shape.members.begin(), shape.members.end(),
                  [](const Member& m) { return m.location == MemberLocation::kBody; });
  if (shape.payload.empty() && has_body_members && !request.body.empty()) {
    const std::string_view root =
        shape.location_name.empty() ? std::string_view(shape.name) : shape.location_name;
    IAM_ASSIGN_OR_RETURN(Value body, DecodeXmlPayload(shape, root, request.body));
    for (std::size_t i = 0; i < body.names().size(); ++i) {
      input.Set(body.names()[i], body.children()[i]);
    }
  }
  return input;
}

Result<S3Request> DecodeS3Request(const ServiceModel& model, const S3HttpRequest& request,
                                  const S3RouteOptions& options) {
  S3Request out;
  IAM_ASSIGN_OR_RETURN(out.route, RouteS3Request(model, request, options));
  IAM_ASSIGN_OR_RETURN(out.input, DecodeS3Input(model, out.route, request));
  if (const Shape* in = out.route.operation->input; in != nullptr && !in->payload.empty()) {
    if (const Member* m = in->FindMember(in->payload); m != nullptr && IsStreamingBlob(*m)) {
      out.streaming_member = m->name;
    }
  }
  return out;
}

std::string S3OutputRootElement(const Operation& operation) {
  for (const RootName& r : kRootNames) {
    if (r.operation == operation.name) {
      return std::string(r.root);
    }
  }
  if (operation.output == nullptr) {
    return operation.name + "Result";
  }
  if (!operation.output->location_name.empty()) {
    return operation.output->location_name;
  }
  std::string name = operation.output->name;
  constexpr std::string_view kOutput = "Output";
  if (name.size() > kOutput.size() && name.ends_with(kOutput)) {
    name.resize(name.size() - kOutput.size());
  }
  return name + "Result";
}

S3Response EncodeS3Response(const ServiceModel& /*model*/, const Operation& operation,
                            const Value& output, bool head) {
  S3Response response;
  response.status = operation.response_code;
  if (operation.output == nullptr) {
    return response;
  }
  const Shape& shape = *operation.output;
  bool has_body_members = false;
  for (const Member& m : shape.members) {
    const Value* v = output.Find(m.name);
    if (m.location == MemberLocation::kHeader || m.location == MemberLocation::kHeaders) {
      if (v != nullptr) {
        EncodeHeaders(m, *v, &response);
      }
    } else if (m.location == MemberLocation::kBody) {
      if (m.name == shape.payload) {
        EncodePayload(m, v, &response);
      } else {
        has_body_members = true;
      }
    }
  }
  if (shape.payload.empty() && has_body_members) {
    const std::string root = S3OutputRootElement(operation);
    response.body = kXmlDeclaration;
    const Member* only = shape.FindMember(root);
    if (only != nullptr && only->shape->type != ShapeType::kStructure &&
        only->shape->type != ShapeType::kList && only->shape->type != ShapeType::kMap) {
      // AWS: GetBucketLocation's body is the LocationConstraint element itself.
      response.body += "<" + root + NamespaceAttribute(std::nullopt) + ">";
      if (const Value* v = output.Find(only->name); v != nullptr) {
        AppendXmlEscaped(ScalarText(*only->shape, *v, MemberLocation::kBody), &response.body);
      }
      CloseElement(root, &response.body);
    } else {
      response.body += "<" + root + NamespaceAttribute(std::nullopt) + ">";
      XmlEncoder encoder(&response.body);
      encoder.Members(shape, output, 0);
      CloseElement(root, &response.body);
    }
    response.headers.emplace_back("Content-Type", "application/xml");
  }
  if (head) {
    response.body.clear();
    response.streaming_body = false;
  }
  return response;
}

}  // namespace portcullis::api::protocol
