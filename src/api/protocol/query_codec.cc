#include "api/protocol/query_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <map>
#include <optional>

#include "api/protocol/model_pattern.h"
#include "common/base64.h"
#include "common/strings.h"

namespace portcullis::api::protocol {

namespace {

constexpr std::string_view kNoVersion = "NO_VERSION_SPECIFIED";

tl::unexpected<Error> AwsError(std::string_view aws_code, std::string message) {
  Error e{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
  e.aws_code = std::string(aws_code);
  return tl::unexpected<Error>(std::move(e));
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 &&
               HexDigitValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The parameters as a tree of `.`-separated key segments.
struct FormNode {
  bool has_value = false;
  std::string value;
  std::map<std::string, FormNode, std::less<>> children;
};

// AWS: validation messages name members in lowerCamelCase ("userName", "tags.1.member.key").
std::string JoinPath(std::string_view parent, std::string_view child) {
  std::string out(parent);
  if (!out.empty()) {
    out.push_back('.');
  }
  out.append(child);
  return out;
}

std::string MemberPathName(std::string_view member_name) {
  std::string out(member_name);
  if (!out.empty()) {
    out[0] = AsciiToLower(out[0]);
  }
  return out;
}

class Decoder {
 public:
  std::vector<std::string>& errors() { return errors_; }

  // Decodes `node` as `shape`; nullopt when the node carries nothing for it.
  std::optional<Value> Decode(const Shape& shape, const FormNode& node, const std::string& path,
                              int depth) {
    if (depth > kMaxShapeDepth) {
      AddError(
          path, std::nullopt,
          "Member must not be nested more than " + std::to_string(kMaxShapeDepth) + " levels deep");
      return std::nullopt;
    }
    switch (shape.type) {
      case ShapeType::kStructure:
        return DecodeStructure(shape, node, path, depth);
      case ShapeType::kList:
        return DecodeList(shape, node, path, depth);
      case ShapeType::kMap:
        return DecodeMap(shape, node, path, depth);
      default:
        break;
    }
    if (!node.has_value) {
      return std::nullopt;
    }
    return DecodeScalar(shape, node.value, path);
  }

  Value DecodeStructure(const Shape& shape, const FormNode& node, const std::string& path,
                        int depth) {
    Value out = Value::Structure();
    for (const Member& m : shape.members) {
      const std::string member_path = JoinPath(path, MemberPathName(m.name));
      const auto it = node.children.find(m.wire_name);
      std::optional<Value> v;
      if (it != node.children.end()) {
        v = Decode(*m.shape, it->second, member_path, depth + 1);
      }
      if (v.has_value()) {
        out.Set(m.name, std::move(*v));
      } else if (m.required) {
        errors_.push_back("Value null at '" + member_path +
                          "' failed to satisfy constraint: Member must not be null");
      }
    }
    return out;
  }

  // Returns the children of `node` keyed by list index, in index order.
  std::optional<std::vector<const FormNode*>> Indexed(const FormNode& node,
                                                      const std::string& path) {
    std::vector<std::pair<std::size_t, const FormNode*>> items;
    for (const auto& [key, child] : node.children) {
      std::size_t index = 0;
      const bool digits = !key.empty() && key.size() <= 4 && key[0] != '0' &&
                          std::all_of(key.begin(), key.end(), AsciiIsDigit);
      if (digits) {
        std::from_chars(key.data(), key.data() + key.size(), index);
      }
      if (!digits || index < 1 || index > kMaxListIndex) {
        AddError(path, key,
                 "Member must have a list index between 1 and " + std::to_string(kMaxListIndex));
        return std::nullopt;
      }
      items.emplace_back(index, &child);
    }
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const FormNode*> out;
    out.reserve(items.size());
    for (const auto& item : items) {
      out.push_back(item.second);
    }
    return out;
  }

  std::optional<Value> DecodeList(const Shape& shape, const FormNode& node, const std::string& path,
                                  int depth) {
    const FormNode* items_node = &node;
    if (!shape.flattened) {
      const auto it = node.children.find(shape.list_member_name);
      if (it == node.children.end()) {
        // botocore sends `Name=` for an empty list.
        if (node.has_value && node.value.empty()) {
          return Value::List();
        }
        return std::nullopt;
      }
      items_node = &it->second;
    } else if (node.children.empty()) {
      return node.has_value && node.value.empty() ? std::optional<Value>(Value::List())
                                                  : std::nullopt;
    }
    auto items = Indexed(*items_node, path);
    if (!items.has_value()) {
      return std::nullopt;
    }
    Value out = Value::List();
    for (std::size_t i = 0; i < items->size(); ++i) {
      const std::string element_path = path + "." + std::to_string(i + 1) + ".member";
      std::optional<Value> v = Decode(*shape.list_member, *(*items)[i], element_path, depth + 1);
      if (v.has_value()) {
        out.Append(std::move(*v));
      } else {
        errors_.push_back("Value null at '" + element_path +
                          "' failed to satisfy constraint: Member must not be null");
      }
    }
    CheckCount(shape, out.children().size(), path, [&] { return ListText(out); });
    return out;
  }

  std::optional<Value> DecodeMap(const Shape& shape, const FormNode& node, const std::string& path,
                                 int depth) {
    const FormNode* entries = &node;
    if (!shape.flattened) {
      const auto it = node.children.find("entry");
      if (it == node.children.end()) {
        if (node.has_value && node.value.empty()) {
          return Value::Map();
        }
        return std::nullopt;
      }
      entries = &it->second;
    }
    auto items = Indexed(*entries, path);
    if (!items.has_value()) {
      return std::nullopt;
    }
    Value out = Value::Map();
    for (std::size_t i = 0; i < items->size(); ++i) {
      const FormNode& entry = *(*items)[i];
      const std::string entry_path = path + "." + std::to_string(i + 1);
      const auto k = entry.children.find(shape.map_key_name);
      const auto v = entry.children.find(shape.map_value_name);
      std::optional<Value> key;
      if (k != entry.children.end()) {
        key = Decode(*shape.map_key, k->second, entry_path + ".key", depth + 1);
      }
      std::optional<Value> value;
      if (v != entry.children.end()) {
        value = Decode(*shape.map_value, v->second, entry_path + ".value", depth + 1);
      }
      if (!key.has_value() || key->kind() != Value::Kind::kString) {
        errors_.push_back("Value null at '" + entry_path +
                          ".key' failed to satisfy constraint: Member must not be null");
        continue;
      }
      if (!value.has_value()) {
        errors_.push_back("Value null at '" + entry_path +
                          ".value' failed to satisfy constraint: Member must not be null");
        continue;
      }
      out.Set(key->text(), std::move(*value));
    }
    CheckCount(shape, out.children().size(), path, [] { return std::string("{...}"); });
    return out;
  }

  std::optional<Value> DecodeScalar(const Shape& shape, const std::string& raw,
                                    const std::string& path) {
    switch (shape.type) {
      case ShapeType::kString: {
        std::string text = SanitizeUtf8(raw);
        CheckString(shape, text, path);
        return Value::String(std::move(text));
      }
      case ShapeType::kInteger:
      case ShapeType::kLong: {
        std::int64_t n = 0;
        const char* end = raw.data() + raw.size();
        const auto [ptr, ec] = std::from_chars(raw.data(), end, n);
        const bool in_range = shape.type == ShapeType::kLong || (n >= INT32_MIN && n <= INT32_MAX);
        if (raw.empty() || ec != std::errc() || ptr != end || !in_range) {
          AddError(path, Shown(shape, raw), "Member must be a number");
          return std::nullopt;
        }
        if (shape.min.has_value() && n < *shape.min) {
          AddError(path, Shown(shape, raw),
                   "Member must have value greater than or equal to " + std::to_string(*shape.min));
        } else if (shape.max.has_value() && n > *shape.max) {
          AddError(path, Shown(shape, raw),
                   "Member must have value less than or equal to " + std::to_string(*shape.max));
        }
        return Value::Integer(n);
      }
      case ShapeType::kBoolean: {
        const std::string lower = AsciiLower(raw);
        if (lower != "true" && lower != "false") {
          AddError(path, Shown(shape, raw), "Member must be a boolean");
          return std::nullopt;
        }
        return Value::Boolean(lower == "true");
      }
      case ShapeType::kTimestamp: {
        std::int64_t millis = 0;
        if (ParseIso8601(raw, &millis)) {
          return Value::TimestampMillis(millis);
        }
        std::int64_t seconds = 0;
        const char* end = raw.data() + raw.size();
        const auto [ptr, ec] = std::from_chars(raw.data(), end, seconds);
        if (!raw.empty() && ec == std::errc() && ptr == end && seconds > -62135596800 &&
            seconds < 253402300800) {
          return Value::TimestampMillis(seconds * 1000);
        }
        AddError(path, Shown(shape, raw), "Member must be a timestamp");
        return std::nullopt;
      }
      case ShapeType::kBlob: {
        std::string bytes;
        if (!Base64Decode(raw, &bytes)) {
          AddError(path, Shown(shape, raw), "Member must be base64-encoded");
          return std::nullopt;
        }
        CheckCount(shape, bytes.size(), path, [&] { return SanitizeUtf8(raw); });
        return Value::Blob(std::move(bytes));
      }
      default: {
        // double / float: kept as text (no iam or sts input uses them).
        char* end = nullptr;
        std::strtod(raw.c_str(), &end);
        if (raw.empty() || end != raw.c_str() + raw.size()) {
          AddError(path, Shown(shape, raw), "Member must be a number");
          return std::nullopt;
        }
        return Value::String(raw);
      }
    }
  }

 private:
  // The value as AWS shows it in a message; nullopt for sensitive shapes.
  static std::optional<std::string> Shown(const Shape& shape, std::string_view raw) {
    if (shape.sensitive) {
      return std::nullopt;
    }
    return SanitizeUtf8(raw);
  }

  static std::string ListText(const Value& list) {
    std::string out = "[";
    for (std::size_t i = 0; i < list.children().size(); ++i) {
      if (i > 0) {
        out += ", ";
      }
      const Value& v = list.children()[i];
      out += v.kind() == Value::Kind::kString ? v.text() : v.DebugString();
    }
    out += "]";
    return out;
  }

  // AWS: "Value 'v' at 'path' failed to satisfy constraint: Member must ...", and
  // "Value at 'path' ..." when the value is not shown.
  void AddError(const std::string& path, const std::optional<std::string>& shown,
                const std::string& what) {
    std::string e = shown.has_value() ? "Value '" + *shown + "'" : "Value";
    e += " at '" + path + "' failed to satisfy constraint: " + what;
    errors_.push_back(std::move(e));
  }

  template <class ShowFn>
  void CheckCount(const Shape& shape, std::size_t count, const std::string& path, ShowFn show) {
    const auto n = static_cast<std::int64_t>(count);
    if (shape.min.has_value() && n < *shape.min) {
      AddError(path, shape.sensitive ? std::nullopt : std::optional<std::string>(show()),
               "Member must have length greater than or equal to " + std::to_string(*shape.min));
    } else if (shape.max.has_value() && n > *shape.max) {
      AddError(path, shape.sensitive ? std::nullopt : std::optional<std::string>(show()),
               "Member must have length less than or equal to " + std::to_string(*shape.max));
    }
  }

  void CheckString(const Shape& shape, const std::string& text, const std::string& path) {
    const std::size_t before = errors_.size();
    const auto length = static_cast<std::int64_t>(Utf16Length(text));
    const std::optional<std::string> shown = Shown(shape, text);
    if (shape.min.has_value() && length < *shape.min) {
      AddError(path, shown,
               "Member must have length greater than or equal to " + std::to_string(*shape.min));
    }
    if (shape.max.has_value() && length > *shape.max) {
      AddError(path, shown,
               "Member must have length less than or equal to " + std::to_string(*shape.max));
    }
    // The pattern runs only on values within the length bounds, which bounds its time.
    if (errors_.size() == before && shape.pattern.has_value() && !shape.pattern->Matches(text)) {
      AddError(path, shown,
               "Member must satisfy regular expression pattern: " + shape.pattern->source());
    }
    if (!shape.enum_values.empty() && std::find(shape.enum_values.begin(), shape.enum_values.end(),
                                                text) == shape.enum_values.end()) {
      std::string set = "[";
      for (std::size_t i = 0; i < shape.enum_values.size(); ++i) {
        set += (i > 0 ? ", " : "") + shape.enum_values[i];
      }
      AddError(path, shown, "Member must satisfy enum value set: " + set + "]");
    }
  }

  std::vector<std::string> errors_;
};

tl::unexpected<Error> ValidationErrors(const std::vector<std::string>& errors) {
  std::string message =
      std::to_string(errors.size()) +
      (errors.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) {
      message += "; ";
    }
    message += errors[i];
  }
  return AwsError("ValidationError", std::move(message));
}

// --- XML ---------------------------------------------------------------------

void OpenTag(std::string_view name, std::string* out) {
  out->push_back('<');
  out->append(name);
  out->push_back('>');
}

void CloseTag(std::string_view name, std::string* out) {
  out->append("</");
  out->append(name);
  out->push_back('>');
}

void EncodeShape(const Shape& shape, std::string_view name, const Value& v, std::string* out,
                 int depth);

void EncodeMembers(const Shape& shape, const Value& v, std::string* out, int depth) {
  for (const Member& m : shape.members) {
    if (const Value* child = v.Find(m.name); child != nullptr) {
      EncodeShape(*m.shape, m.wire_name, *child, out, depth + 1);
    }
  }
}

void EncodeScalar(const Shape& shape, const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kString:
      AppendXmlEscaped(v.text(), out);
      break;
    case Value::Kind::kBlob:
      out->append(Base64Encode(v.text()));
      break;
    case Value::Kind::kInteger:
      out->append(std::to_string(v.number()));
      break;
    case Value::Kind::kBoolean:
      out->append(v.boolean() ? "true" : "false");
      break;
    case Value::Kind::kTimestamp:
      if (shape.timestamp_format == "unixTimestamp") {
        out->append(std::to_string(v.number() / 1000));
      } else {
        out->append(FormatIso8601(v.number()));
      }
      break;
    default:
      break;
  }
}

void EncodeShape(const Shape& shape, std::string_view name, const Value& v, std::string* out,
                 int depth) {
  if (depth > kMaxShapeDepth) {
    return;
  }
  switch (shape.type) {
    case ShapeType::kStructure:
      OpenTag(name, out);
      EncodeMembers(shape, v, out, depth);
      CloseTag(name, out);
      return;
    case ShapeType::kList: {
      const std::string_view element =
          shape.flattened ? std::string_view(name) : std::string_view(shape.list_member_name);
      if (!shape.flattened) {
        OpenTag(name, out);
      }
      for (const Value& item : v.children()) {
        EncodeShape(*shape.list_member, element, item, out, depth + 1);
      }
      if (!shape.flattened) {
        CloseTag(name, out);
      }
      return;
    }
    case ShapeType::kMap: {
      const std::string_view entry = shape.flattened ? name : std::string_view("entry");
      if (!shape.flattened) {
        OpenTag(name, out);
      }
      for (std::size_t i = 0; i < v.children().size(); ++i) {
        OpenTag(entry, out);
        OpenTag(shape.map_key_name, out);
        AppendXmlEscaped(v.names()[i], out);
        CloseTag(shape.map_key_name, out);
        EncodeShape(*shape.map_value, shape.map_value_name, v.children()[i], out, depth + 1);
        CloseTag(entry, out);
      }
      if (!shape.flattened) {
        CloseTag(name, out);
      }
      return;
    }
    default:
      OpenTag(name, out);
      EncodeScalar(shape, v, out);
      CloseTag(name, out);
      return;
  }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ParseQueryForm(std::string_view form) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= form.size()) {
    std::size_t end = form.find('&', start);
    if (end == std::string_view::npos) {
      end = form.size();
    }
    const std::string_view piece = form.substr(start, end - start);
    if (!piece.empty()) {
      if (out.size() >= kMaxQueryParameters) {
        return AwsError("ValidationError",
                        "1 validation error detected: the request has more than " +
                            std::to_string(kMaxQueryParameters) + " parameters");
      }
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(PercentDecode(piece), std::string());
      } else {
        out.emplace_back(PercentDecode(piece.substr(0, eq)), PercentDecode(piece.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return out;
}

namespace {

// The parameters other than Action and Version as a tree of key parts; the values are
// moved out of `params`.
Result<FormNode> BuildFormTree(std::vector<std::pair<std::string, std::string>>& params) {
  FormNode root;
  for (auto& [key, value] : params) {
    if (key == "Action" || key == "Version") {
      continue;
    }
    if (key.size() > kMaxQueryKeyLength) {
      return ValidationErrors({"Value at '" + SanitizeUtf8(key.substr(0, 64)) +
                               "...' failed to satisfy constraint: Parameter names must be at "
                               "most " +
                               std::to_string(kMaxQueryKeyLength) + " bytes long"});
    }
    FormNode* node = &root;
    std::size_t segments = 0;
    std::size_t start = 0;
    while (true) {
      if (++segments > kMaxQueryKeySegments) {
        return ValidationErrors({"Value at '" + SanitizeUtf8(key) +
                                 "' failed to satisfy constraint: Parameter names must have at "
                                 "most " +
                                 std::to_string(kMaxQueryKeySegments) + " parts"});
      }
      const std::size_t dot = key.find('.', start);
      const std::string_view segment =
          std::string_view(key).substr(start, dot == std::string::npos ? dot : dot - start);
      auto it = node->children.find(segment);
      if (it == node->children.end()) {
        it = node->children.emplace(std::string(segment), FormNode{}).first;
      }
      node = &it->second;
      if (dot == std::string::npos) {
        break;
      }
      start = dot + 1;
    }
    node->has_value = true;
    node->value = std::move(value);
  }
  return root;
}

}  // namespace

Result<QueryRequest> DecodeQueryRequest(const ServiceModel& model, std::string_view form) {
  IAM_ASSIGN_OR_RETURN(auto params, ParseQueryForm(form));
  const std::string* action = nullptr;
  const std::string* version = nullptr;
  for (const auto& [key, value] : params) {
    if (key == "Action") {
      action = &value;
    } else if (key == "Version") {
      version = &value;
    }
  }
  if (action == nullptr) {
    return AwsError("MissingAction", "Missing Action");
  }
  const Operation* op = model.FindOperation(*action);
  if (op == nullptr || version == nullptr || *version != model.api_version()) {
    // AWS: unknown operations and versions are both "Could not find operation".
    return AwsError("InvalidAction",
                    "Could not find operation " + SanitizeUtf8(*action) + " for version " +
                        (version == nullptr ? std::string(kNoVersion) : SanitizeUtf8(*version)));
  }

  IAM_ASSIGN_OR_RETURN(const FormNode root, BuildFormTree(params));

  QueryRequest request;
  request.operation = op;
  request.input = Value::Structure();
  if (op->input != nullptr) {
    Decoder decoder;
    request.input = decoder.DecodeStructure(*op->input, root, "", 0);
    if (!decoder.errors().empty()) {
      return ValidationErrors(decoder.errors());
    }
  }
  return request;
}

std::string EncodeQueryResponse(const ServiceModel& model, const Operation& operation,
                                const Value& output, std::string_view request_id) {
  std::string out;
  out.reserve(256);
  const std::string response = operation.name + "Response";
  out += "<" + response + " xmlns=\"";
  AppendXmlEscaped(model.xml_namespace(), &out);
  out += "\">";
  if (operation.output != nullptr) {
    const std::string wrapper =
        operation.result_wrapper.empty() ? operation.name + "Result" : operation.result_wrapper;
    OpenTag(wrapper, &out);
    EncodeMembers(*operation.output, output, &out, 0);
    CloseTag(wrapper, &out);
  }
  out += "<ResponseMetadata><RequestId>";
  AppendXmlEscaped(request_id, &out);
  out += "</RequestId></ResponseMetadata>";
  CloseTag(response, &out);
  return out;
}

std::string EncodeErrorResponse(std::string_view xml_namespace, FaultType type,
                                std::string_view code, std::string_view message,
                                std::string_view request_id) {
  std::string out = "<ErrorResponse xmlns=\"";
  AppendXmlEscaped(xml_namespace, &out);
  out += "\"><Error><Type>";
  out += FaultTypeName(type);
  out += "</Type><Code>";
  AppendXmlEscaped(code, &out);
  out += "</Code><Message>";
  AppendXmlEscaped(message, &out);
  out += "</Message></Error><RequestId>";
  AppendXmlEscaped(request_id, &out);
  out += "</RequestId></ErrorResponse>";
  return out;
}

std::string EncodeErrorResponse(const ServiceModel& model, FaultType type, std::string_view code,
                                std::string_view message, std::string_view request_id) {
  return EncodeErrorResponse(model.xml_namespace(), type, code, message, request_id);
}

EncodedError EncodeError(const ServiceModel& model, const Error& error,
                         std::string_view request_id) {
  const AwsErrorInfo info = ResolveAwsError(error, &model);
  return {info.http_status,
          EncodeErrorResponse(model, info.type, info.code, error.message, request_id)};
}

void AppendXmlEscaped(std::string_view text, std::string* out) {
  const std::u32string cps = DecodeUtf8Lossy(text);
  for (const char32_t cp : cps) {
    switch (cp) {
      case '&':
        out->append("&amp;");
        continue;
      case '<':
        out->append("&lt;");
        continue;
      case '>':
        out->append("&gt;");
        continue;
      case '"':
        out->append("&quot;");
        continue;
      case '\'':
        out->append("&apos;");
        continue;
      case '\r':
        out->append("&#xD;");
        continue;
      default:
        break;
    }
    char32_t c = cp;
    const bool allowed = c == '\t' || c == '\n' || (c >= 0x20 && c <= 0xD7FF) ||
                         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
    if (!allowed) {
      c = 0xFFFD;
    }
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (c >> 12)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (c >> 18)));
      out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

std::string Base64Encode(std::string_view bytes) {
  return EncodeBase64(bytes);
}

bool Base64Decode(std::string_view text, std::string* bytes) {
  // The wire form is always padded; the shared decoder also takes unpadded text.
  if (text.size() % 4 != 0) {
    return false;
  }
  std::optional<std::string> decoded = DecodeBase64(text);
  if (!decoded.has_value()) {
    return false;
  }
  *bytes = std::move(*decoded);
  return true;
}

}  // namespace portcullis::api::protocol
