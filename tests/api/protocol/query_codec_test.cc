#include "api/protocol/query_codec.h"

#include <gtest/gtest.h>
#include <string>

#include "api/protocol/aws_errors.h"
#include "api/protocol/service_model.h"

namespace portcullis::api::protocol {
namespace {

std::string PercentEncode(std::string_view s) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// The request side of botocore's QuerySerializer, over a Value, for round trips.
void Serialize(const Shape& shape, const Value& v, const std::string& prefix, std::string* out) {
  auto emit = [&](const std::string& key, const std::string& value) {
    *out += "&" + PercentEncode(key) + "=" + PercentEncode(value);
  };
  switch (shape.type) {
    case ShapeType::kStructure:
      for (const Member& m : shape.members) {
        if (const Value* child = v.Find(m.name); child != nullptr) {
          Serialize(*m.shape, *child, prefix.empty() ? m.wire_name : prefix + "." + m.wire_name,
                    out);
        }
      }
      return;
    case ShapeType::kList: {
      if (v.children().empty()) {
        emit(prefix, "");
        return;
      }
      const std::string list_prefix =
          shape.flattened ? prefix : prefix + "." + shape.list_member_name;
      for (std::size_t i = 0; i < v.children().size(); ++i) {
        Serialize(*shape.list_member, v.children()[i], list_prefix + "." + std::to_string(i + 1),
                  out);
      }
      return;
    }
    case ShapeType::kMap: {
      const std::string map_prefix = shape.flattened ? prefix : prefix + ".entry";
      for (std::size_t i = 0; i < v.children().size(); ++i) {
        const std::string entry = map_prefix + "." + std::to_string(i + 1);
        emit(entry + "." + shape.map_key_name, v.names()[i]);
        Serialize(*shape.map_value, v.children()[i], entry + "." + shape.map_value_name, out);
      }
      return;
    }
    case ShapeType::kInteger:
    case ShapeType::kLong:
      emit(prefix, std::to_string(v.number()));
      return;
    case ShapeType::kBoolean:
      emit(prefix, v.boolean() ? "true" : "false");
      return;
    case ShapeType::kTimestamp:
      emit(prefix, FormatIso8601(v.number()));
      return;
    case ShapeType::kBlob:
      emit(prefix, Base64Encode(v.text()));
      return;
    default:
      emit(prefix, v.text());
      return;
  }
}

std::string SerializeRequest(const ServiceModel& model, std::string_view op, const Value& input) {
  std::string out = "Action=" + std::string(op) + "&Version=" + model.api_version();
  const Operation* operation = model.FindOperation(op);
  EXPECT_NE(operation, nullptr) << op;
  if (operation != nullptr && operation->input != nullptr) {
    Serialize(*operation->input, input, "", &out);
  }
  return out;
}

Value Tag(std::string key, std::string value) {
  Value tag = Value::Structure();
  tag.Set("Key", Value::String(std::move(key)));
  tag.Set("Value", Value::String(std::move(value)));
  return tag;
}

std::string DecodeError(const ServiceModel& model, std::string_view form,
                        std::string* aws_code = nullptr) {
  auto decoded = DecodeQueryRequest(model, form);
  if (decoded.has_value()) {
    return "<decoded " + decoded->input.DebugString() + ">";
  }
  if (aws_code != nullptr) {
    *aws_code = decoded.error().aws_code;
  }
  return decoded.error().message;
}

TEST(ServiceModelTest, EmbeddedModelsLoad) {
  const ServiceModel& iam = IamModel();
  EXPECT_EQ(iam.api_version(), "2010-05-08");
  EXPECT_EQ(iam.xml_namespace(), "https://iam.amazonaws.com/doc/2010-05-08/");
  EXPECT_EQ(iam.protocol(), "query");
  EXPECT_GE(iam.operations().size(), 170U);
  const Operation* create_user = iam.FindOperation("CreateUser");
  ASSERT_NE(create_user, nullptr);
  EXPECT_EQ(create_user->result_wrapper, "CreateUserResult");
  ASSERT_NE(create_user->input, nullptr);
  const Member* user_name = create_user->input->FindMember("UserName");
  ASSERT_NE(user_name, nullptr);
  EXPECT_TRUE(user_name->required);
  EXPECT_EQ(user_name->shape->max, 64);

  const ServiceModel& sts = StsModel();
  EXPECT_EQ(sts.api_version(), "2011-06-15");
  EXPECT_EQ(sts.xml_namespace(), "https://sts.amazonaws.com/doc/2011-06-15/");
  EXPECT_NE(sts.FindOperation("AssumeRole"), nullptr);
  EXPECT_EQ(sts.FindOperation("assumerole"), nullptr);
}

TEST(ServiceModelTest, RejectsBrokenModels) {
  EXPECT_FALSE(LoadServiceModel("{").has_value());
  EXPECT_FALSE(LoadServiceModel("[]").has_value());
  EXPECT_FALSE(LoadServiceModel(R"({"metadata":{},"operations":{},
      "shapes":{"A":{"type":"structure","members":{"B":{"shape":"Missing"}}}}})")
                   .has_value());
  EXPECT_FALSE(LoadServiceModel(R"json({"metadata":{},"operations":{},
      "shapes":{"A":{"type":"string","pattern":"(?=x)"}}})json")
                   .has_value());
  EXPECT_FALSE(
      LoadServiceModel(R"({"metadata":{},"operations":{},"shapes":{"A":{"type":"union"}}})")
          .has_value());
}

TEST(DecodeTest, CreateUserWithEveryMemberKind) {
  auto decoded =
      DecodeQueryRequest(IamModel(),
                         "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fdivision%2F"
                         "&Tags.member.1.Key=Cost+Center&Tags.member.1.Value=12%3A34"
                         "&Tags.member.2.Key=team&Tags.member.2.Value=");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->operation->name, "CreateUser");
  EXPECT_EQ(decoded->input.DebugString(),
            R"({"Path":"/division/","UserName":"alice","Tags":[{"Key":"Cost Center",)"
            R"("Value":"12:34"},{"Key":"team","Value":""}]})");
}

TEST(DecodeTest, ListIndexesAreOrderedNumerically) {
  auto decoded = DecodeQueryRequest(
      IamModel(),
      "Action=CreateOpenIDConnectProvider&Version=2010-05-08&Url=https://example.com"
      "&ClientIDList.member.10=ten&ClientIDList.member.2=two&ClientIDList.member.1=one");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->input.Find("ClientIDList")->DebugString(), R"(["one","two","ten"])");
}

TEST(DecodeTest, EmptyListAsBotocoreSendsIt) {
  auto decoded =
      DecodeQueryRequest(IamModel(), "Action=CreateUser&Version=2010-05-08&UserName=a&Tags=");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->input.DebugString(), R"({"UserName":"a","Tags":[]})");
}

TEST(DecodeTest, IntegersAndBooleans) {
  auto decoded = DecodeQueryRequest(
      IamModel(),
      "Action=UpdateAccountPasswordPolicy&Version=2010-05-08&MinimumPasswordLength=12"
      "&RequireSymbols=true&RequireNumbers=False&MaxPasswordAge=90");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->input.DebugString(),
            R"({"MinimumPasswordLength":12,"RequireSymbols":true,"RequireNumbers":false,)"
            R"("MaxPasswordAge":90})");
  EXPECT_EQ(DecodeError(IamModel(), "Action=ListUsers&Version=2010-05-08&MaxItems=0"),
            "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
  EXPECT_EQ(DecodeError(IamModel(), "Action=ListUsers&Version=2010-05-08&MaxItems=1001"),
            "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy "
            "constraint: Member must have value less than or equal to 1000");
  EXPECT_EQ(DecodeError(IamModel(), "Action=ListUsers&Version=2010-05-08&MaxItems=ten"),
            "1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy "
            "constraint: Member must be a number");
  EXPECT_EQ(DecodeError(IamModel(), "Action=ListUsers&Version=2010-05-08&MaxItems=99999999999"),
            "1 validation error detected: Value '99999999999' at 'maxItems' failed to satisfy "
            "constraint: Member must be a number");
  EXPECT_EQ(DecodeError(IamModel(),
                        "Action=UpdateAccountPasswordPolicy&Version=2010-05-08&RequireSymbols=yes"),
            "1 validation error detected: Value 'yes' at 'requireSymbols' failed to satisfy "
            "constraint: Member must be a boolean");
}

TEST(DecodeTest, MissingRequiredMembers) {
  std::string code;
  EXPECT_EQ(DecodeError(IamModel(), "Action=CreateUser&Version=2010-05-08", &code),
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
            "Member must not be null");
  EXPECT_EQ(code, "ValidationError");
  EXPECT_EQ(DecodeError(StsModel(), "Action=AssumeRole&Version=2011-06-15"),
            "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: "
            "Member must not be null; Value null at 'roleSessionName' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_EQ(DecodeError(IamModel(),
                        "Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Key=k"),
            "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy "
            "constraint: Member must not be null");
}

TEST(DecodeTest, PatternLengthAndEnumMessages) {
  std::string code;
  EXPECT_EQ(
      DecodeError(IamModel(), "Action=CreateUser&Version=2010-05-08&UserName=bad+name", &code),
      "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy "
      "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  EXPECT_EQ(code, "ValidationError");
  EXPECT_EQ(DecodeError(IamModel(),
                        "Action=CreateUser&Version=2010-05-08&UserName=" + std::string(65, 'a')),
            "1 validation error detected: Value '" + std::string(65, 'a') +
                "' at 'userName' failed to satisfy constraint: Member must have length less than "
                "or equal to 64");
  EXPECT_EQ(DecodeError(IamModel(), "Action=CreateUser&Version=2010-05-08&UserName="),
            "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");
  EXPECT_EQ(DecodeError(IamModel(),
                        "Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE"
                        "&Status=Enabled"),
            "1 validation error detected: Value 'Enabled' at 'status' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Active, Inactive, Expired]");
  EXPECT_EQ(DecodeError(IamModel(),
                        "Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Key=k"
                        "&Tags.member.1.Value=a%28b%29"),
            "1 validation error detected: Value 'a(b)' at 'tags.1.member.value' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
  // Every failure is reported, in member order.
  EXPECT_EQ(DecodeError(IamModel(), "Action=CreateUser&Version=2010-05-08&UserName=x%20y&Path=p"),
            "2 validation errors detected: Value 'p' at 'path' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: "
            "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); Value 'x y' at 'userName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
}

TEST(DecodeTest, SensitiveValuesAreNotEchoed) {
  EXPECT_EQ(
      DecodeError(IamModel(),
                  "Action=CreateLoginProfile&Version=2010-05-08&UserName=a&Password=%01"),
      "1 validation error detected: Value at 'password' failed to satisfy constraint: "
      "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
}

TEST(DecodeTest, ListCountLimit) {
  std::string form = "Action=CreateUser&Version=2010-05-08&UserName=a";
  for (int i = 1; i <= 51; ++i) {
    form += "&Tags.member." + std::to_string(i) + ".Key=k" + std::to_string(i) + "&Tags.member." +
            std::to_string(i) + ".Value=v";
  }
  const std::string message = DecodeError(IamModel(), form);
  EXPECT_NE(message.find("at 'tags' failed to satisfy constraint: Member must have length less "
                         "than or equal to 50"),
            std::string::npos)
      << message;
}

TEST(DecodeTest, HugeOrMalformedListIndexesAreRejectedWithoutAllocating) {
  for (const char* index : {"999999999", "0", "01", "-1", "1x", "1001"}) {
    std::string code;
    const std::string message =
        DecodeError(IamModel(),
                    std::string("Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.") +
                        index + ".Key=k&Tags.member." + index + ".Value=v",
                    &code);
    EXPECT_EQ(code, "ValidationError") << index;
    EXPECT_NE(message.find("Member must have a list index between 1 and 1000"), std::string::npos)
        << message;
  }
  auto ok = DecodeQueryRequest(IamModel(),
                               "Action=CreateUser&Version=2010-05-08&UserName=a"
                               "&Tags.member.1000.Key=k&Tags.member.1000.Value=v");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->input.Find("Tags")->children().size(), 1U);
}

TEST(DecodeTest, ActionAndVersion) {
  std::string code;
  EXPECT_EQ(DecodeError(IamModel(), "Action=CreateUsers&Version=2010-05-08", &code),
            "Could not find operation CreateUsers for version 2010-05-08");
  EXPECT_EQ(code, "InvalidAction");
  EXPECT_EQ(DecodeError(IamModel(), "Action=GetUser&Version=2011-06-15", &code),
            "Could not find operation GetUser for version 2011-06-15");
  EXPECT_EQ(code, "InvalidAction");
  EXPECT_EQ(DecodeError(IamModel(), "Action=GetUser", &code),
            "Could not find operation GetUser for version NO_VERSION_SPECIFIED");
  EXPECT_EQ(DecodeError(IamModel(), "Version=2010-05-08&UserName=a", &code), "Missing Action");
  EXPECT_EQ(code, "MissingAction");
  EXPECT_EQ(DecodeError(StsModel(), "Action=GetUser&Version=2011-06-15", &code),
            "Could not find operation GetUser for version 2011-06-15");
  const AwsErrorInfo info = LookupAwsError("InvalidAction", &IamModel());
  EXPECT_EQ(info.http_status, 400);
}

TEST(DecodeTest, PercentDecodingUnknownParametersAndRepeats) {
  auto decoded = DecodeQueryRequest(
      IamModel(),
      "Action=GetUser&Version=2010-05-08&UserName=first&UserName=al%69ce&X-Amz-Date=1&Bogus"
      "&&%zz=1");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->input.DebugString(), R"({"UserName":"alice"})");
  auto form = ParseQueryForm("a=%41%2b+b&c&%=%&d=%4");
  ASSERT_TRUE(form.has_value());
  ASSERT_EQ(form->size(), 4U);
  EXPECT_EQ((*form)[0].second, "A+ b");
  EXPECT_EQ((*form)[1].first, "c");
  EXPECT_EQ((*form)[2].first, "%");
  EXPECT_EQ((*form)[3].second, "%4");
}

TEST(DecodeTest, InvalidUtf8IsReplaced) {
  auto decoded = DecodeQueryRequest(IamModel(), "Action=GetUser&Version=2010-05-08&UserName=a%FFb");
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("Value 'a\xef\xbf\xbd"
                                         "b'"),
            std::string::npos);
}

TEST(DecodeTest, TooManyParameters) {
  std::string form = "Action=ListUsers&Version=2010-05-08";
  for (std::size_t i = 0; i < kMaxQueryParameters; ++i) {
    form += "&p=1";
  }
  std::string code;
  EXPECT_NE(DecodeError(IamModel(), form, &code).find("more than 2000 parameters"),
            std::string::npos);
  EXPECT_EQ(code, "ValidationError");
}

std::size_t RequiredCount(const Operation& op) {
  std::size_t required = 0;
  if (op.input != nullptr) {
    for (const Member& m : op.input->members) {
      required += m.required ? 1 : 0;
    }
  }
  return required;
}

std::size_t CountOccurrences(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// An empty request decodes when the operation requires nothing, else answers one
// `Value null` error per required member.
void CheckEmptyRequestAccepted(const Result<QueryRequest>& decoded, const Operation& op) {
  ASSERT_TRUE(decoded.has_value()) << op.name << ": " << decoded.error().message;
  EXPECT_EQ(decoded->operation, &op);
  EXPECT_TRUE(decoded->input.children().empty()) << op.name;
}

void CheckEmptyRequestRejected(const Result<QueryRequest>& decoded, const Operation& op,
                               std::size_t required) {
  ASSERT_FALSE(decoded.has_value()) << op.name;
  EXPECT_EQ(decoded.error().aws_code, "ValidationError") << op.name;
  const std::string& message = decoded.error().message;
  EXPECT_EQ(CountOccurrences(message, "Value null at '"), required) << op.name << ": " << message;
  EXPECT_EQ(message.rfind(std::to_string(required) + " validation error", 0), 0U) << message;
}

void CheckEmptyRequest(const ServiceModel& model, const Operation& op) {
  const std::size_t required = RequiredCount(op);
  auto decoded = DecodeQueryRequest(model, "Action=" + op.name + "&Version=" + model.api_version());
  if (required == 0) {
    CheckEmptyRequestAccepted(decoded, op);
  } else {
    CheckEmptyRequestRejected(decoded, op, required);
  }
}

TEST(DecodeTest, EveryOperationOfBothModelsReportsItsRequiredMembers) {
  std::size_t operations = 0;
  for (const ServiceModel* model : {&IamModel(), &StsModel()}) {
    for (const auto& entry : model->operations()) {
      CheckEmptyRequest(*model, entry.second);
      ++operations;
    }
  }
  EXPECT_GE(operations, 180U);
}

// A synthetic model for the kinds the iam and sts inputs do not use.
constexpr std::string_view kSyntheticModel = R"({
  "metadata": {"apiVersion": "2020-01-01", "protocol": "query",
               "xmlNamespace": "https://example.com/doc/2020-01-01/"},
  "operations": {
    "Put": {"name": "Put", "input": {"shape": "PutRequest"},
            "output": {"shape": "PutResponse", "resultWrapper": "PutResult"}}
  },
  "shapes": {
    "PutRequest": {"type": "structure", "members": {
      "Attributes": {"shape": "AttrMap"},
      "Flat": {"shape": "FlatList"},
      "Renamed": {"shape": "Str", "locationName": "WireName"},
      "When": {"shape": "Time"},
      "Data": {"shape": "Bytes"},
      "Count": {"shape": "Long"},
      "Inner": {"shape": "Inner"}
    }},
    "PutResponse": {"type": "structure", "members": {
      "Attributes": {"shape": "AttrMap"},
      "Flat": {"shape": "FlatList"},
      "Renamed": {"shape": "Str", "locationName": "WireName"},
      "When": {"shape": "Time"},
      "Data": {"shape": "Bytes"},
      "Count": {"shape": "Long"},
      "Inner": {"shape": "Inner"}
    }},
    "Inner": {"type": "structure", "required": ["Name"], "members": {
      "Name": {"shape": "Str"}, "Deeper": {"shape": "Inner"}}},
    "AttrMap": {"type": "map", "key": {"shape": "Str", "locationName": "Name"},
                "value": {"shape": "Str", "locationName": "Val"}, "max": 3},
    "FlatList": {"type": "list", "member": {"shape": "Str"}, "flattened": true},
    "Str": {"type": "string", "max": 10},
    "Time": {"type": "timestamp"},
    "Bytes": {"type": "blob", "max": 4},
    "Long": {"type": "long", "min": 0}
  }
})";

TEST(DecodeTest, SyntheticModelMapsFlattenedListsTimestampsBlobsAndLocationNames) {
  auto model = LoadServiceModel(kSyntheticModel);
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  auto decoded = DecodeQueryRequest(
      *model,
      "Action=Put&Version=2020-01-01&Attributes.entry.1.Name=a&Attributes.entry.1.Val=1"
      "&Attributes.entry.2.Name=b&Attributes.entry.2.Val=2&Flat.1=x&Flat.2=y&WireName=r"
      "&When=2026-11-28T01:14:05.250Z&Data=AAEC&Count=9000000000&Inner.Name=n"
      "&Inner.Deeper.Name=m&Renamed=ignored");
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->input.DebugString(),
            R"({"Attributes":{"a":"1","b":"2"},"Flat":["x","y"],"Renamed":"r",)"
            R"("When":"2026-11-28T01:14:05.250Z","Data":blob:"\u0000\u0001\u0002",)"
            R"("Count":9000000000,"Inner":{"Name":"n","Deeper":{"Name":"m"}}})");

  EXPECT_EQ(DecodeError(*model, "Action=Put&Version=2020-01-01&When=yesterday"),
            "1 validation error detected: Value 'yesterday' at 'when' failed to satisfy "
            "constraint: Member must be a timestamp");
  EXPECT_EQ(DecodeError(*model, "Action=Put&Version=2020-01-01&Data=AAECAwQF"),
            "1 validation error detected: Value 'AAECAwQF' at 'data' failed to satisfy "
            "constraint: Member must have length less than or equal to 4");
  EXPECT_EQ(DecodeError(*model, "Action=Put&Version=2020-01-01&Data=%%%"),
            "1 validation error detected: Value '%%%' at 'data' failed to satisfy constraint: "
            "Member must be base64-encoded");
  EXPECT_EQ(DecodeError(*model, "Action=Put&Version=2020-01-01&Inner.Deeper.X=1"),
            "2 validation errors detected: Value null at 'inner.name' failed to satisfy "
            "constraint: Member must not be null; Value null at 'inner.deeper.name' failed to "
            "satisfy constraint: Member must not be null");
  auto epoch = DecodeQueryRequest(*model, "Action=Put&Version=2020-01-01&When=1700000000");
  ASSERT_TRUE(epoch.has_value());
  EXPECT_EQ(epoch->input.Find("When")->number(), 1700000000000);
}

TEST(DecodeTest, RecursiveShapesAreBoundedInDepth) {
  auto model = LoadServiceModel(kSyntheticModel);
  ASSERT_TRUE(model.has_value());
  std::string key = "Inner";
  std::string form = "Action=Put&Version=2020-01-01";
  for (int i = 0; i < 15; ++i) {
    form += "&" + key + ".Name=n";
    key += ".Deeper";
  }
  EXPECT_TRUE(DecodeQueryRequest(*model, form).has_value());
  form += "&" + key + ".Name=n";  // 16 segments: past kMaxQueryKeySegments
  EXPECT_NE(DecodeError(*model, form).find("at most 16 parts"), std::string::npos);
}

TEST(RoundTripTest, SerializedRequestsDecodeToTheSameValue) {
  Value create_user = Value::Structure();
  create_user.Set("Path", Value::String("/eng/"));
  create_user.Set("UserName", Value::String("bob"));
  Value tags = Value::List();
  tags.Append(Tag("team", "platform"));
  tags.Append(Tag("Cost Center", "42"));
  create_user.Set("Tags", std::move(tags));
  auto decoded =
      DecodeQueryRequest(IamModel(), SerializeRequest(IamModel(), "CreateUser", create_user));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->input, create_user);

  Value assume = Value::Structure();
  assume.Set("RoleArn", Value::String("arn:aws:iam::123456789012:role/demo"));
  assume.Set("RoleSessionName", Value::String("session@1"));
  Value arns = Value::List();
  Value arn = Value::Structure();
  arn.Set("arn", Value::String("arn:aws:iam::aws:policy/ReadOnlyAccess"));
  arns.Append(std::move(arn));
  assume.Set("PolicyArns", std::move(arns));
  assume.Set("Policy", Value::String(R"({"Version":"2012-10-17","Statement":[]})"));
  assume.Set("DurationSeconds", Value::Integer(3600));
  Value keys = Value::List();
  keys.Append(Value::String("team"));
  assume.Set("TransitiveTagKeys", std::move(keys));
  auto sts = DecodeQueryRequest(StsModel(), SerializeRequest(StsModel(), "AssumeRole", assume));
  ASSERT_TRUE(sts.has_value()) << sts.error().message;
  EXPECT_EQ(sts->input, assume);

  auto model = LoadServiceModel(kSyntheticModel);
  ASSERT_TRUE(model.has_value());
  Value put = Value::Structure();
  Value attrs = Value::Map();
  attrs.Set("k1", Value::String("v1"));
  attrs.Set("k 2", Value::String("v&2"));
  put.Set("Attributes", std::move(attrs));
  Value flat = Value::List();
  flat.Append(Value::String("x"));
  put.Set("Flat", std::move(flat));
  put.Set("When", Value::TimestampMillis(1764292445000));
  put.Set("Data", Value::Blob(std::string("\xff\x00\x01", 3)));
  put.Set("Count", Value::Integer(5));
  auto synthetic = DecodeQueryRequest(*model, SerializeRequest(*model, "Put", put));
  ASSERT_TRUE(synthetic.has_value()) << synthetic.error().message;
  EXPECT_EQ(synthetic->input, put);
}

TEST(EncodeTest, GetUserResponse) {
  Value user = Value::Structure();
  user.Set("Path", Value::String("/"));
  user.Set("UserName", Value::String("alice"));
  user.Set("UserId", Value::String("AIDAEXAMPLE"));
  user.Set("Arn", Value::String("arn:aws:iam::123456789012:user/alice"));
  user.Set("CreateDate", Value::TimestampMillis(1764292445000));
  Value tags = Value::List();
  tags.Append(Tag("a<b", "c&d"));
  user.Set("Tags", std::move(tags));
  Value output = Value::Structure();
  output.Set("User", std::move(user));
  const Operation* op = IamModel().FindOperation("GetUser");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(EncodeQueryResponse(IamModel(), *op, output, "req-1"),
            "<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<GetUserResult><User><Path>/</Path><UserName>alice</UserName>"
            "<UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/alice</Arn>"
            "<CreateDate>2025-11-28T01:14:05Z</CreateDate><Tags><member><Key>a&lt;b</Key>"
            "<Value>c&amp;d</Value></member></Tags></User></GetUserResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</GetUserResponse>");
}

TEST(EncodeTest, EmptyResultAndBooleansAndMaps) {
  const Operation* del = IamModel().FindOperation("DeleteUser");
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(EncodeQueryResponse(IamModel(), *del, Value::Structure(), "r"),
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>");
  const Operation* summary = IamModel().FindOperation("GetAccountSummary");
  ASSERT_NE(summary, nullptr);
  Value map = Value::Map();
  map.Set("Users", Value::Integer(3));
  map.Set("Groups", Value::Integer(1));
  Value output = Value::Structure();
  output.Set("SummaryMap", std::move(map));
  output.Set("NotInShape", Value::String("dropped"));
  EXPECT_EQ(EncodeQueryResponse(IamModel(), *summary, output, "r"),
            "<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            "<GetAccountSummaryResult><SummaryMap><entry><key>Users</key><value>3</value></entry>"
            "<entry><key>Groups</key><value>1</value></entry></SummaryMap>"
            "</GetAccountSummaryResult><ResponseMetadata><RequestId>r</RequestId>"
            "</ResponseMetadata></GetAccountSummaryResponse>");
  const Operation* list = IamModel().FindOperation("ListUsers");
  Value users = Value::Structure();
  users.Set("Users", Value::List());
  users.Set("IsTruncated", Value::Boolean(false));
  EXPECT_NE(EncodeQueryResponse(IamModel(), *list, users, "r")
                .find("<Users></Users><IsTruncated>false</IsTruncated>"),
            std::string::npos);
}

TEST(EncodeTest, SyntheticFlattenedListsLocationNamesBlobs) {
  auto model = LoadServiceModel(kSyntheticModel);
  ASSERT_TRUE(model.has_value());
  Value out = Value::Structure();
  Value flat = Value::List();
  flat.Append(Value::String("x"));
  flat.Append(Value::String("y"));
  out.Set("Flat", std::move(flat));
  out.Set("Renamed", Value::String("r"));
  out.Set("Data", Value::Blob("hi"));
  EXPECT_EQ(EncodeQueryResponse(*model, *model->FindOperation("Put"), out, "r"),
            "<PutResponse xmlns=\"https://example.com/doc/2020-01-01/\"><PutResult>"
            "<Flat>x</Flat><Flat>y</Flat><WireName>r</WireName><Data>aGk=</Data></PutResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutResponse>");
}

TEST(EncodeTest, ErrorResponses) {
  EXPECT_EQ(EncodeErrorResponse(IamModel(), FaultType::kSender, "NoSuchEntity",
                                "The user with name bob cannot be found.", "id-1"),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
            "<Type>Sender</Type><Code>NoSuchEntity</Code>"
            "<Message>The user with name bob cannot be found.</Message></Error>"
            "<RequestId>id-1</RequestId></ErrorResponse>");
  auto decoded = DecodeQueryRequest(IamModel(), "Action=Nope&Version=2010-05-08");
  ASSERT_FALSE(decoded.has_value());
  const EncodedError e = EncodeError(IamModel(), decoded.error(), "id-2");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_NE(e.body.find("<Code>InvalidAction</Code><Message>Could not find operation Nope for "
                        "version 2010-05-08</Message>"),
            std::string::npos);
}

TEST(AwsErrorsTest, Table) {
  const ServiceModel& iam = IamModel();
  EXPECT_EQ(LookupAwsError("NoSuchEntity", &iam).http_status, 404);
  EXPECT_EQ(LookupAwsError("EntityAlreadyExists", &iam).http_status, 409);
  EXPECT_EQ(LookupAwsError("LimitExceeded", &iam).http_status, 409);
  EXPECT_EQ(LookupAwsError("DeleteConflict", &iam).http_status, 409);
  EXPECT_EQ(LookupAwsError("MalformedPolicyDocument", &iam).http_status, 400);
  EXPECT_EQ(LookupAwsError("ServiceFailure", &iam).http_status, 500);
  EXPECT_EQ(LookupAwsError("ServiceFailure", &iam).type, FaultType::kReceiver);
  EXPECT_EQ(LookupAwsError("ServiceFailure", nullptr).http_status, 500);
  EXPECT_EQ(LookupAwsError("SignatureDoesNotMatch", &iam).http_status, 403);
  EXPECT_EQ(LookupAwsError("AccessDenied", &iam).http_status, 403);
  EXPECT_EQ(LookupAwsError("ValidationError", &iam).http_status, 400);
  EXPECT_EQ(LookupAwsError("NotImplemented", &iam).http_status, 501);
  EXPECT_EQ(LookupAwsError("SomethingElse", &iam).http_status, 400);
  EXPECT_EQ(LookupAwsError("ExpiredTokenException", &StsModel()).http_status, 400);
  EXPECT_EQ(LookupAwsError("RegionDisabledException", &StsModel()).http_status, 403);

  Error not_found{ErrorCode::kNotFound, "missing", std::nullopt, {}, {}};
  AwsErrorInfo info = ResolveAwsError(not_found, &iam);
  EXPECT_EQ(info.code, "NoSuchEntity");
  EXPECT_EQ(info.http_status, 404);
  Error denied{ErrorCode::kPermissionDenied, "no", std::nullopt, {}, {}};
  EXPECT_EQ(ResolveAwsError(denied, &iam).code, "AccessDenied");
  Error internal{ErrorCode::kInternal, "boom", std::nullopt, {}, {}};
  EXPECT_EQ(ResolveAwsError(internal, &iam).type, FaultType::kReceiver);
  Error overridden{
      ErrorCode::kInvalidArgument, "bad doc", std::nullopt, {}, "MalformedPolicyDocument"};
  EXPECT_EQ(ResolveAwsError(overridden, &iam).code, "MalformedPolicyDocument");
  EXPECT_EQ(FaultTypeName(FaultType::kSender), "Sender");
}

TEST(XmlTest, Escaping) {
  std::string out;
  AppendXmlEscaped("a&b<c>d\"e'f\r\n\tg\x01h\xff", &out);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e&apos;f&#xD;\n\tg\xef\xbf\xbdh\xef\xbf\xbd");
}

TEST(Base64Test, RoundTrip) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &back)) << s;
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, Rejects) {
  std::string bytes;
  EXPECT_FALSE(Base64Decode("Zm9", &bytes));
  EXPECT_FALSE(Base64Decode("Z=9v", &bytes));
  EXPECT_FALSE(Base64Decode("Zm9v!A==", &bytes));
  EXPECT_FALSE(Base64Decode("Zg==Zg==", &bytes));
}

TEST(TimestampTest, FormatAndParse) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(1764292445123), "2025-11-28T01:14:05.123Z");
  EXPECT_EQ(FormatIso8601(-1000), "1969-12-31T23:59:59Z");
  std::int64_t ms = 0;
  ASSERT_TRUE(ParseIso8601("2025-11-28T01:14:05Z", &ms));
  EXPECT_EQ(ms, 1764292445000);
  ASSERT_TRUE(ParseIso8601("2025-11-28T02:14:05.5+01:00", &ms));
  EXPECT_EQ(ms, 1764292445500);
  EXPECT_FALSE(ParseIso8601("2025-02-30T00:00:00Z", &ms));
  EXPECT_FALSE(ParseIso8601("2025-11-28 01:14:05Z", &ms));
  EXPECT_FALSE(ParseIso8601("2025-11-28T01:14:05", &ms));
}

}  // namespace
}  // namespace portcullis::api::protocol
