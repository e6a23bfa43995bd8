// ServiceModel: an AWS service model (botocore's service-2.json: operations with
// their input, output and error shapes; shapes with members, required lists,
// list/map layout, constraints and error codes) loaded into typed, immutable form.
// The codec (query_codec.h) is driven by it; no operation is hand-written.
//
// The iam, sts and s3 models are embedded into the binary at build time from
// third_party/aws-models (see docs/protocol.md for their versions); IamModel(),
// StsModel() and S3Model() parse them once, on first use. The REST fields (member
// locations, payloads, XML namespaces and attributes, the operations' http blocks) are
// loaded for the rest-xml codec (s3_codec.h).
//
// Ownership: a ServiceModel owns its shapes and operations; Shape and Operation
// pointers stay valid for the model's lifetime. Thread-safety: immutable after
// LoadServiceModel returns; IamModel()/StsModel() initialise thread-safely.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/protocol/model_pattern.h"
#include "common/error.h"

namespace portcullis::api::protocol {

enum class ShapeType : std::uint8_t {
  kStructure,
  kList,
  kMap,
  kString,
  kInteger,
  kLong,
  kBoolean,
  kTimestamp,
  kBlob,
  kDouble,
  kFloat,
};

struct Shape;

// Where a REST protocol (rest-xml) carries a member: botocore's `location`.
enum class MemberLocation : std::uint8_t {
  kBody,         // no location: an XML element (or the payload)
  kUri,          // a `{Label}` of the operation's requestUri
  kQueryString,  // a query parameter named wire_name
  kHeader,       // an HTTP header named wire_name
  kHeaders,      // a map: every header starting with wire_name ("x-amz-meta-")
};

// An XML namespace declared on a member or shape (`xmlNamespace`).
struct XmlNamespace {
  std::string uri;     // "http://s3.amazonaws.com/doc/2006-03-01/"
  std::string prefix;  // "xsi", or empty for the default namespace
};

// A structure member.
struct Member {
  std::string name;       // "UserName"
  std::string wire_name;  // locationName, else name
  const Shape* shape = nullptr;
  bool required = false;
  // REST protocols only (the Query codec ignores these).
  MemberLocation location = MemberLocation::kBody;
  bool has_location_name = false;  // wire_name came from locationName
  bool xml_attribute = false;      // an attribute of the parent element (`xsi:type`)
  bool flattened = false;          // a flattened list member (`flattened` on the member)
  bool streaming = false;          // a streaming blob payload
  std::optional<XmlNamespace> xml_namespace;
};

// An `error` block of an exception shape.
struct ErrorInfo {
  std::string code;  // "EntityAlreadyExists"
  int http_status = 400;
  bool sender_fault = true;
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;

  // kStructure: members in model order.
  std::vector<Member> members;

  // kList: element shape and its element name ("member" unless locationName says).
  const Shape* list_member = nullptr;
  std::string list_member_name = "member";
  // kList / kMap: flattened (no `.member` / `.entry` level).
  bool flattened = false;

  // kMap.
  const Shape* map_key = nullptr;
  const Shape* map_value = nullptr;
  std::string map_key_name = "key";
  std::string map_value_name = "value";

  // kString: length in UTF-16 units; kList/kMap: element count; integers: value.
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
  // kString: pattern (compiled) and enum values.
  std::optional<ModelPattern> pattern;
  std::vector<std::string> enum_values;
  // kTimestamp: "iso8601" (default for the query protocol), "unixTimestamp", ...
  std::string timestamp_format;
  // kTimestamp: the model gave timestampFormat (REST headers default to rfc822 otherwise).
  bool has_timestamp_format = false;
  // kStructure (REST protocols): the member carried as the whole body (`payload`), the
  // element name the shape asks for (`locationName`) and its namespace.
  std::string payload;
  std::string location_name;
  std::optional<XmlNamespace> xml_namespace;
  bool streaming = false;
  bool sensitive = false;

  // Exception shapes.
  std::optional<ErrorInfo> error;

  const Member* FindMember(std::string_view member_name) const;
};

struct Operation {
  std::string name;               // "CreateUser"
  const Shape* input = nullptr;   // may be null (no input members)
  const Shape* output = nullptr;  // may be null (empty result)
  std::string result_wrapper;     // "CreateUserResult"
  std::vector<const Shape*> errors;
  // A Portcullis extension (src/api/sts/portcullis-sts-extensions.json), not AWS's.
  bool extension = false;
  // REST protocols: the `http` block and flags.
  std::string http_method;  // "PUT"
  std::string request_uri;  // "/{Bucket}/{Key+}?uploads"
  // request_uri split: the path ("/{Bucket}/{Key+}") and the literal query keys, each
  // with the value it must have (`list-type=2`) or none (`uploads`).
  std::string request_path;
  std::vector<std::pair<std::string, std::optional<std::string>>> request_query;
  int response_code = 200;  // http.responseCode
  bool deprecated = false;
  std::string host_prefix;  // endpoint.hostPrefix ("{RequestRoute}.")
};

class ServiceModel {
 public:
  ServiceModel() = default;
  ServiceModel(const ServiceModel&) = delete;
  ServiceModel& operator=(const ServiceModel&) = delete;
  ServiceModel(ServiceModel&&) = default;
  ServiceModel& operator=(ServiceModel&&) = default;
  ~ServiceModel() = default;

  const std::string& api_version() const { return api_version_; }  // "2010-05-08"

  const std::string& xml_namespace() const { return xml_namespace_; }  // "https://..."

  const std::string& endpoint_prefix() const { return endpoint_prefix_; }  // "iam"

  const std::string& protocol() const { return protocol_; }  // "query"

  // Returns the operation named exactly `name`, or nullptr.
  const Operation* FindOperation(std::string_view name) const;
  // Returns the shape named `name`, or nullptr.
  const Shape* FindShape(std::string_view name) const;
  // Returns the error info of the exception whose wire code is `code`, or nullptr.
  const ErrorInfo* FindError(std::string_view code) const;

  // All operations, sorted by name.
  const std::map<std::string, Operation, std::less<>>& operations() const { return operations_; }

  // All shapes, sorted by name.
  const std::map<std::string, std::unique_ptr<Shape>, std::less<>>& shapes() const {
    return shapes_;
  }

 private:
  friend Result<ServiceModel> LoadServiceModel(std::string_view json_text,
                                               std::string_view extension_json);

  std::string api_version_;
  std::string xml_namespace_;
  std::string endpoint_prefix_;
  std::string protocol_;
  std::map<std::string, std::unique_ptr<Shape>, std::less<>> shapes_;
  std::map<std::string, Operation, std::less<>> operations_;
  std::map<std::string, const ErrorInfo*, std::less<>> errors_by_code_;
};

// Parses a service-2.json document. Returns kInvalidArgument when the JSON is
// malformed, a shape reference dangles, a shape type is unknown or a pattern falls
// outside ModelPattern's subset.
[[nodiscard]] Result<ServiceModel> LoadServiceModel(std::string_view json_text);

// The same with a Portcullis extension document merged in first: its "operations" and
// "shapes" join the model's (they may refer to the model's shapes) and its operations are
// marked `extension`. An extension naming an operation or shape the model already has is
// kInvalidArgument.
[[nodiscard]] Result<ServiceModel> LoadServiceModel(std::string_view json_text,
                                                    std::string_view extension_json);

// The embedded iam (2010-05-08), sts (2011-06-15) and s3 (2006-03-01) models, parsed on
// first use. The
// sts model carries Portcullis's extension operations (AssumeRoleWithLDAPIdentity), merged
// from src/api/sts/portcullis-sts-extensions.json; AWS's vendored file is not edited.
// Aborts if the embedded data fails to load (a build defect, caught by the tests).
const ServiceModel& IamModel();
const ServiceModel& StsModel();
const ServiceModel& S3Model();

// The raw embedded service-2.json documents.
std::string_view EmbeddedIamModelJson();
std::string_view EmbeddedStsModelJson();
std::string_view EmbeddedS3ModelJson();
std::string_view EmbeddedStsExtensionsJson();

}  // namespace portcullis::api::protocol
