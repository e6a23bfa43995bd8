#include "api/protocol/service_model.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>

namespace portcullis::api::protocol {

namespace {

using Json = nlohmann::ordered_json;

Result<ShapeType> ParseShapeType(std::string_view type) {
  static constexpr std::array<std::pair<std::string_view, ShapeType>, 11> kTypes = {{
      {"structure", ShapeType::kStructure},
      {"list", ShapeType::kList},
      {"map", ShapeType::kMap},
      {"string", ShapeType::kString},
      {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},
      {"boolean", ShapeType::kBoolean},
      {"timestamp", ShapeType::kTimestamp},
      {"blob", ShapeType::kBlob},
      {"double", ShapeType::kDouble},
      {"float", ShapeType::kFloat},
  }};
  for (const auto& [name, value] : kTypes) {
    if (name == type) {
      return value;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown shape type `" + std::string(type) + "`");
}

std::string StringOr(const Json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  if (it != object.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return fallback;
}

std::optional<std::int64_t> NumberOrNone(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it != object.end() && it->is_number()) {
    return it->get<std::int64_t>();
  }
  return std::nullopt;
}

bool BoolOr(const Json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  if (it != object.end() && it->is_boolean()) {
    return it->get<bool>();
  }
  return fallback;
}

Result<MemberLocation> ParseLocation(std::string_view location) {
  static constexpr std::array<std::pair<std::string_view, MemberLocation>, 5> kLocations = {{
      {"", MemberLocation::kBody},
      {"uri", MemberLocation::kUri},
      {"querystring", MemberLocation::kQueryString},
      {"header", MemberLocation::kHeader},
      {"headers", MemberLocation::kHeaders},
  }};
  for (const auto& [name, value] : kLocations) {
    if (name == location) {
      return value;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown member location `" + std::string(location) + "`");
}

std::optional<XmlNamespace> NamespaceOrNone(const Json& object) {
  const auto it = object.find("xmlNamespace");
  if (it == object.end()) {
    return std::nullopt;
  }
  if (it->is_string()) {
    return XmlNamespace{it->get<std::string>(), ""};
  }
  if (it->is_object()) {
    return XmlNamespace{StringOr(*it, "uri", ""), StringOr(*it, "prefix", "")};
  }
  return std::nullopt;
}

class ModelLoader {
 public:
  explicit ModelLoader(std::map<std::string, std::unique_ptr<Shape>, std::less<>>* shapes)
      : shapes_(shapes) {}

  Result<const Shape*> Ref(const Json& ref) {
    const std::string name = StringOr(ref, "shape", "");
    const auto it = shapes_->find(name);
    if (it == shapes_->end()) {
      return MakeError(ErrorCode::kInvalidArgument, "unknown shape `" + name + "`");
    }
    return it->second.get();
  }

  Status FillShape(Shape* shape, const Json& def) {
    switch (shape->type) {
      case ShapeType::kStructure:
        IAM_RETURN_IF_ERROR(FillStructure(shape, def));
        break;
      case ShapeType::kList:
        IAM_RETURN_IF_ERROR(FillList(shape, def));
        break;
      case ShapeType::kMap:
        IAM_RETURN_IF_ERROR(FillMap(shape, def));
        break;
      case ShapeType::kString:
        IAM_RETURN_IF_ERROR(FillString(shape, def));
        break;
      case ShapeType::kTimestamp:
        shape->timestamp_format = StringOr(def, "timestampFormat", "iso8601");
        shape->has_timestamp_format = def.contains("timestampFormat");
        break;
      default:
        break;
    }
    shape->location_name = StringOr(def, "locationName", "");
    shape->xml_namespace = NamespaceOrNone(def);
    shape->streaming = BoolOr(def, "streaming", false);
    shape->min = NumberOrNone(def, "min");
    shape->max = NumberOrNone(def, "max");
    shape->sensitive = BoolOr(def, "sensitive", false);
    return OkStatus();
  }

 private:
  Status FillStructure(Shape* shape, const Json& def) {
    if (const auto it = def.find("members"); it != def.end() && it->is_object()) {
      for (const auto& [member_name, member_def] : it->items()) {
        Member m;
        m.name = member_name;
        m.wire_name = StringOr(member_def, "locationName", member_name);
        m.has_location_name = member_def.contains("locationName");
        IAM_ASSIGN_OR_RETURN(m.shape, Ref(member_def));
        IAM_ASSIGN_OR_RETURN(m.location, ParseLocation(StringOr(member_def, "location", "")));
        m.xml_attribute = BoolOr(member_def, "xmlAttribute", false);
        m.flattened = BoolOr(member_def, "flattened", false);
        m.streaming = BoolOr(member_def, "streaming", false);
        m.xml_namespace = NamespaceOrNone(member_def);
        shape->members.push_back(std::move(m));
      }
    }
    if (const auto it = def.find("required"); it != def.end() && it->is_array()) {
      for (const Json& r : *it) {
        const std::string name = r.get<std::string>();
        const auto member = std::find_if(shape->members.begin(), shape->members.end(),
                                         [&](const Member& m) { return m.name == name; });
        if (member == shape->members.end()) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "required member `" + name + "` is not a member");
        }
        member->required = true;
      }
    }
    shape->payload = StringOr(def, "payload", "");
    if (!shape->payload.empty() && shape->FindMember(shape->payload) == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "payload `" + shape->payload + "` is not a member");
    }
    if (const auto it = def.find("error"); it != def.end() && it->is_object()) {
      ErrorInfo info;
      info.code = StringOr(*it, "code", shape->name);
      info.http_status = static_cast<int>(NumberOrNone(*it, "httpStatusCode").value_or(400));
      info.sender_fault = BoolOr(*it, "senderFault", false);
      shape->error = std::move(info);
    } else if (BoolOr(def, "exception", false)) {
      shape->error = ErrorInfo{shape->name, 400, true};
    }
    return OkStatus();
  }

  Status FillList(Shape* shape, const Json& def) {
    const Json& member = def.at("member");
    IAM_ASSIGN_OR_RETURN(shape->list_member, Ref(member));
    shape->list_member_name = StringOr(member, "locationName", "member");
    shape->flattened = BoolOr(def, "flattened", false);
    return OkStatus();
  }

  Status FillMap(Shape* shape, const Json& def) {
    IAM_ASSIGN_OR_RETURN(shape->map_key, Ref(def.at("key")));
    IAM_ASSIGN_OR_RETURN(shape->map_value, Ref(def.at("value")));
    shape->map_key_name = StringOr(def.at("key"), "locationName", "key");
    shape->map_value_name = StringOr(def.at("value"), "locationName", "value");
    shape->flattened = BoolOr(def, "flattened", false);
    return OkStatus();
  }

  static Status FillString(Shape* shape, const Json& def) {
    if (const auto it = def.find("pattern"); it != def.end() && it->is_string()) {
      IAM_ASSIGN_OR_RETURN(ModelPattern p, ModelPattern::Compile(it->get<std::string>()));
      shape->pattern = std::move(p);
    }
    if (const auto it = def.find("enum"); it != def.end() && it->is_array()) {
      for (const Json& e : *it) {
        shape->enum_values.push_back(e.get<std::string>());
      }
    }
    return OkStatus();
  }

  std::map<std::string, std::unique_ptr<Shape>, std::less<>>* shapes_;
};

std::string_view MetadataString(const Json& metadata, const char* key, std::string* out) {
  *out = StringOr(metadata, key, "");
  return *out;
}

}  // namespace

const Member* Shape::FindMember(std::string_view member_name) const {
  for (const Member& m : members) {
    if (m.name == member_name) {
      return &m;
    }
  }
  return nullptr;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  const auto it = operations_.find(name);
  return it == operations_.end() ? nullptr : &it->second;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  const auto it = shapes_.find(name);
  return it == shapes_.end() ? nullptr : it->second.get();
}

const ErrorInfo* ServiceModel::FindError(std::string_view code) const {
  const auto it = errors_by_code_.find(code);
  return it == errors_by_code_.end() ? nullptr : it->second;
}

namespace {

// Adds `extension`'s operations and shapes to `doc`; a name the base model already has is
// an error (an extension adds, it never redefines AWS's definitions).
Status MergeExtension(Json& doc, const Json& extension) {
  for (const char* section : {"shapes", "operations"}) {
    const auto it = extension.find(section);
    if (it == extension.end()) {
      continue;
    }
    Json& target = doc.at(section);
    for (const auto& [name, def] : it->items()) {
      if (target.contains(name)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         std::string("model extension redefines ") + section + " `" + name + "`");
      }
      target[name] = def;
    }
  }
  return OkStatus();
}

// Splits a requestUri into its path and its literal query keys ("?list-type=2&x").
void ParseRequestUri(Operation* op) {
  const std::string_view uri = op->request_uri;
  const std::size_t q = uri.find('?');
  op->request_path = std::string(uri.substr(0, q));
  std::string_view rest = q == std::string_view::npos ? std::string_view() : uri.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      op->request_query.emplace_back(std::string(item), std::nullopt);
    } else {
      op->request_query.emplace_back(std::string(item.substr(0, eq)),
                                     std::string(item.substr(eq + 1)));
    }
  }
}

Result<Operation> LoadOperation(ModelLoader& loader, const std::string& name, const Json& def) {
  Operation op;
  op.name = name;
  if (const auto it = def.find("input"); it != def.end()) {
    IAM_ASSIGN_OR_RETURN(op.input, loader.Ref(*it));
  }
  if (const auto it = def.find("output"); it != def.end()) {
    IAM_ASSIGN_OR_RETURN(op.output, loader.Ref(*it));
    op.result_wrapper = StringOr(*it, "resultWrapper", "");
  }
  if (const auto it = def.find("http"); it != def.end() && it->is_object()) {
    op.http_method = StringOr(*it, "method", "");
    op.request_uri = StringOr(*it, "requestUri", "");
    op.response_code = static_cast<int>(NumberOrNone(*it, "responseCode").value_or(200));
    ParseRequestUri(&op);
  }
  op.deprecated = BoolOr(def, "deprecated", false);
  if (const auto it = def.find("endpoint"); it != def.end() && it->is_object()) {
    op.host_prefix = StringOr(*it, "hostPrefix", "");
  }
  if (const auto it = def.find("errors"); it != def.end() && it->is_array()) {
    for (const Json& e : *it) {
      IAM_ASSIGN_OR_RETURN(const Shape* err, loader.Ref(e));
      op.errors.push_back(err);
    }
  }
  return op;
}

}  // namespace

Result<ServiceModel> LoadServiceModel(std::string_view json_text) {
  return LoadServiceModel(json_text, {});
}

Result<ServiceModel> LoadServiceModel(std::string_view json_text, std::string_view extension_json) {
  ServiceModel model;
  try {
    Json doc = Json::parse(json_text.begin(), json_text.end());
    Json extension = Json::object();
    if (!extension_json.empty()) {
      extension = Json::parse(extension_json.begin(), extension_json.end());
      IAM_RETURN_IF_ERROR(MergeExtension(doc, extension));
    }
    const Json& metadata = doc.at("metadata");
    MetadataString(metadata, "apiVersion", &model.api_version_);
    MetadataString(metadata, "xmlNamespace", &model.xml_namespace_);
    MetadataString(metadata, "endpointPrefix", &model.endpoint_prefix_);
    MetadataString(metadata, "protocol", &model.protocol_);

    const Json& shapes = doc.at("shapes");
    for (const auto& [name, def] : shapes.items()) {
      auto shape = std::make_unique<Shape>();
      shape->name = name;
      IAM_ASSIGN_OR_RETURN(shape->type, ParseShapeType(def.at("type").get<std::string>()));
      model.shapes_.emplace(name, std::move(shape));
    }
    ModelLoader loader(&model.shapes_);
    for (const auto& [name, def] : shapes.items()) {
      Shape* shape = model.shapes_.find(name)->second.get();
      Status filled = loader.FillShape(shape, def);
      if (!filled.has_value()) {
        return MakeError(std::move(filled).error().WithContext("shape `" + name + "`"));
      }
      if (shape->error.has_value()) {
        model.errors_by_code_.emplace(shape->error->code, &*shape->error);
      }
    }
    const bool has_extension_ops = extension.contains("operations");
    for (const auto& [name, def] : doc.at("operations").items()) {
      IAM_ASSIGN_OR_RETURN(Operation op, LoadOperation(loader, name, def));
      op.extension = has_extension_ops && extension.at("operations").contains(name);
      model.operations_.emplace(name, std::move(op));
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("malformed service model: ") + e.what());
  }
  return model;
}

namespace {

ServiceModel LoadEmbeddedOrDie(std::string_view json_text, const char* name,
                               std::string_view extension_json = {}) {
  Result<ServiceModel> loaded = LoadServiceModel(json_text, extension_json);
  if (!loaded.has_value()) {
    std::fprintf(stderr, "portcullis: embedded %s model does not load: %s\n", name,
                 loaded.error().ToString().c_str());
    std::abort();
  }
  return std::move(*loaded);
}

}  // namespace

const ServiceModel& IamModel() {
  static const ServiceModel kModel = LoadEmbeddedOrDie(EmbeddedIamModelJson(), "iam");
  return kModel;
}

const ServiceModel& StsModel() {
  static const ServiceModel kModel =
      LoadEmbeddedOrDie(EmbeddedStsModelJson(), "sts", EmbeddedStsExtensionsJson());
  return kModel;
}

const ServiceModel& S3Model() {
  static const ServiceModel kModel = LoadEmbeddedOrDie(EmbeddedS3ModelJson(), "s3");
  return kModel;
}

}  // namespace portcullis::api::protocol
