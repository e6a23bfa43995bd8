// Writes sample responses of the Query codec as JSON lines for
// parse_with_botocore.py: {"service", "operation", "status", "xml", "expected"}, where
// `expected` is the encoded Value as JSON (timestamps as {"$ts": ISO 8601}, blobs as
// {"$b64": ...}); error samples carry "operation": null and the expected error fields.
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "api/protocol/query_codec.h"
#include "api/protocol/service_model.h"

namespace {

using portcullis::api::protocol::Base64Encode;
using portcullis::api::protocol::FormatIso8601;
using portcullis::api::protocol::Value;
using Json = nlohmann::ordered_json;

Json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kStructure:
    case Value::Kind::kMap: {
      Json out = Json::object();
      for (std::size_t i = 0; i < v.names().size(); ++i) {
        out[v.names()[i]] = ToJson(v.children()[i]);
      }
      return out;
    }
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const Value& item : v.children()) {
        out.push_back(ToJson(item));
      }
      return out;
    }
    case Value::Kind::kString:
      return v.text();
    case Value::Kind::kInteger:
      return v.number();
    case Value::Kind::kBoolean:
      return v.boolean();
    case Value::Kind::kTimestamp:
      return Json{{"$ts", FormatIso8601(v.number())}};
    case Value::Kind::kBlob:
      return Json{{"$b64", Base64Encode(v.text())}};
  }
  return nullptr;
}

Value Str(const char* s) {
  return Value::String(s);
}

Value User(const char* name, std::int64_t created) {
  Value user = Value::Structure();
  user.Set("Path", Str("/"));
  user.Set("UserName", Str(name));
  user.Set("UserId", Value::String(std::string("AIDA") + name));
  user.Set("Arn", Value::String(std::string("arn:aws:iam::123456789012:user/") + name));
  user.Set("CreateDate", Value::TimestampMillis(created));
  return user;
}

// Returns false when the model has no operation `op_name`.
bool Emit(const portcullis::api::protocol::ServiceModel& model, const char* service,
          const char* op_name, const Value& output) {
  const auto* op = model.FindOperation(op_name);
  if (op == nullptr) {
    std::fprintf(stderr, "no operation %s\n", op_name);
    return false;
  }
  Json line = {
      {"service", service},
      {"operation", op_name},
      {"status", 200},
      {"xml", EncodeQueryResponse(model, *op, output, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE")},
      {"expected", ToJson(output)}};
  std::printf("%s\n", line.dump().c_str());
  return true;
}

int Run() {
  const auto& iam = portcullis::api::protocol::IamModel();
  const auto& sts = portcullis::api::protocol::StsModel();

  Value get_user = Value::Structure();
  Value alice = User("alice", 1764292445000);
  alice.Set("PasswordLastUsed", Value::TimestampMillis(1764292446500));
  Value tags = Value::List();
  Value tag = Value::Structure();
  tag.Set("Key", Str("team <a&b>"));
  tag.Set("Value", Str("plat\"form' \xc3\xa9t\xc3\xa9"));
  tags.Append(std::move(tag));
  alice.Set("Tags", std::move(tags));
  get_user.Set("User", std::move(alice));
  bool ok = Emit(iam, "iam", "GetUser", get_user);

  Value list_users = Value::Structure();
  Value users = Value::List();
  users.Append(User("alice", 1764292445000));
  users.Append(User("bob", 1764292500000));
  list_users.Set("Users", std::move(users));
  list_users.Set("IsTruncated", Value::Boolean(true));
  list_users.Set("Marker", Str("bob"));
  ok = Emit(iam, "iam", "ListUsers", list_users) && ok;

  Value create_key = Value::Structure();
  Value key = Value::Structure();
  key.Set("UserName", Str("alice"));
  key.Set("AccessKeyId", Str("AKIAIOSFODNN7EXAMPLE"));
  key.Set("Status", Str("Active"));
  key.Set("SecretAccessKey", Str("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
  key.Set("CreateDate", Value::TimestampMillis(1764292445000));
  create_key.Set("AccessKey", std::move(key));
  ok = Emit(iam, "iam", "CreateAccessKey", create_key) && ok;

  Value summary = Value::Structure();
  Value map = Value::Map();
  map.Set("Users", Value::Integer(2));
  map.Set("Groups", Value::Integer(0));
  summary.Set("SummaryMap", std::move(map));
  ok = Emit(iam, "iam", "GetAccountSummary", summary) && ok;

  Value caller = Value::Structure();
  caller.Set("UserId", Str("AIDAALICE"));
  caller.Set("Account", Str("123456789012"));
  caller.Set("Arn", Str("arn:aws:iam::123456789012:user/alice"));
  ok = Emit(sts, "sts", "GetCallerIdentity", caller) && ok;

  Value assume = Value::Structure();
  Value creds = Value::Structure();
  creds.Set("AccessKeyId", Str("ASIAEXAMPLE"));
  creds.Set("SecretAccessKey", Str("secret"));
  creds.Set("SessionToken", Str("token+/="));
  creds.Set("Expiration", Value::TimestampMillis(1764296045000));
  assume.Set("Credentials", std::move(creds));
  Value assumed = Value::Structure();
  assumed.Set("AssumedRoleId", Str("AROAEXAMPLE:s1"));
  assumed.Set("Arn", Str("arn:aws:sts::123456789012:assumed-role/demo/s1"));
  assume.Set("AssumedRoleUser", std::move(assumed));
  assume.Set("PackedPolicySize", Value::Integer(6));
  ok = Emit(sts, "sts", "AssumeRole", assume) && ok;

  if (!ok) {
    return 1;
  }
  for (const auto& [model, service] : {std::pair{&iam, "iam"}, std::pair{&sts, "sts"}}) {
    Json line = {{"service", service},
                 {"operation", nullptr},
                 {"status", 404},
                 {"xml", EncodeErrorResponse(
                             *model, portcullis::api::protocol::FaultType::kSender, "NoSuchEntity",
                             "The user with name <bob> cannot be found.", "req-404")},
                 {"expected",
                  {{"Type", "Sender"},
                   {"Code", "NoSuchEntity"},
                   {"Message", "The user with name <bob> cannot be found."},
                   {"RequestId", "req-404"}}}};
    std::printf("%s\n", line.dump().c_str());
  }
  return 0;
}

}  // namespace

int main() {
  try {
    return Run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "encode_samples: %s\n", e.what());
    return 1;
  }
}
