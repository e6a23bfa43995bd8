// IamApiTest: a GoogleTest fixture for the IAM operations. It builds a memory store, a
// test SecretBox, a FakeClock, an enforcing Authorizer, one account (kAccountId, created
// with api::accounts::CreateAccount) and an IamService, and calls operations the way the
// server does: the form is decoded and validated by protocol::DecodeQueryRequest with the
// IAM model, then IamService::Invoke runs with a root or IAM-user Caller.
//
//   Call("CreateUser", {{"UserName", "bob"}})             as the account's root user
//   CallAs(UserCaller("bob"), "ListUsers")                as the IAM user bob
//   MustCall(...)                                          fails the test on an error
//   ExpectError(result, "NoSuchEntity", "cannot be found") checks an error's AWS code
//   At(value, "User.UserName")                             walks nested members
//   AllowUser("bob", document) / PutManagedPolicyInStore   set up state without the API
//
// Lists and nested members in params use the wire names: {"Tags.member.1.Key", "k"}.
// Thread-safety: one fixture per test, as GoogleTest runs them.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/accounts/accounts.h"
#include "api/authz/authorizer.h"
#include "api/iam/iam_service.h"
#include "api/ids.h"
#include "api/protocol/query_codec.h"
#include "api/protocol/service_model.h"
#include "api/protocol/value.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "auth/sigv4/canonical.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"
#include "store/memory/memory_store.h"
#include "store/records.h"

namespace portcullis::api::iam::testing {

using Params = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kAccountId = "123456789012";
inline constexpr std::string_view kOtherAccountId = "210987654321";

// 2026-01-01T00:00:00Z.
inline constexpr std::int64_t kStartEpochSeconds = 1767225600;

// Percent-encodes `text` for a form body (RFC 3986 unreserved characters kept).
inline std::string FormEncode(std::string_view text) {
  return auth::sigv4::UriEncode(text, /*keep_slash=*/false);
}

// Reverses UrlEncodeDocument (documents come back URL-encoded, as from AWS).
inline std::string UrlDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Returns the member at the dotted `path` ("User.UserName"; a list element by its index,
// "Users.0.UserName"), or nullptr.
inline const protocol::Value* At(const protocol::Value& value, std::string_view path) {
  const protocol::Value* v = &value;
  while (v != nullptr && !path.empty()) {
    const std::size_t dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (v->kind() == protocol::Value::Kind::kList) {
      std::size_t index = 0;
      for (const char c : part) {
        if (c < '0' || c > '9') {
          return nullptr;
        }
        index = index * 10 + static_cast<std::size_t>(c - '0');
      }
      v = index < v->children().size() ? &v->children()[index] : nullptr;
    } else {
      v = v->Find(part);
    }
  }
  return v;
}

// The text of the string member at `path`, or "<missing>".
inline std::string TextAt(const protocol::Value& value, std::string_view path) {
  const protocol::Value* v = At(value, path);
  return v == nullptr ? std::string("<missing>") : v->text();
}

// The number of elements of the list at `path` (0 when missing).
inline std::size_t SizeAt(const protocol::Value& value, std::string_view path) {
  const protocol::Value* v = At(value, path);
  return v == nullptr ? 0 : v->children().size();
}

// The AWS error code an error goes out with: aws_code, or the ErrorCode's default.
inline std::string AwsCodeOf(const Error& error) {
  if (!error.aws_code.empty()) {
    return error.aws_code;
  }
  switch (error.code) {
    case ErrorCode::kNotFound:
      return "NoSuchEntity";
    case ErrorCode::kAlreadyExists:
      return "EntityAlreadyExists";
    case ErrorCode::kFailedPrecondition:
      return "DeleteConflict";
    case ErrorCode::kPermissionDenied:
      return "AccessDenied";
    case ErrorCode::kResourceExhausted:
      return "LimitExceeded";
    case ErrorCode::kInvalidArgument:
      return "InvalidInput";
    default:
      return std::string(ErrorCodeName(error.code));
  }
}

// Checks that `result` failed with AWS code `aws_code` and, when `message` is not empty,
// with exactly that message (or, when `message` starts with '~', a message containing the
// rest).
template <class T>
::testing::AssertionResult IsAwsError(const Result<T>& result, std::string_view aws_code,
                                      std::string_view message = {}) {
  if (result.has_value()) {
    return ::testing::AssertionFailure() << "expected " << aws_code << ", got success";
  }
  const Error& e = result.error();
  const std::string code = AwsCodeOf(e);
  if (code != aws_code) {
    return ::testing::AssertionFailure()
           << "expected " << aws_code << ", got " << code << ": " << e.message;
  }
  if (!message.empty()) {
    if (message.front() == '~') {
      if (e.message.find(message.substr(1)) == std::string::npos) {
        return ::testing::AssertionFailure()
               << "message `" << e.message << "` does not contain `" << message.substr(1) << "`";
      }
    } else if (e.message != message) {
      return ::testing::AssertionFailure()
             << "message `" << e.message << "` is not `" << message << "`";
    }
  }
  return ::testing::AssertionSuccess();
}

#define EXPECT_AWS_ERROR(result, ...) \
  EXPECT_TRUE(::portcullis::api::iam::testing::IsAwsError((result), __VA_ARGS__))

class IamApiTest : public ::testing::Test {
 protected:
  IamApiTest()
      : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(kStartEpochSeconds))),
        box_(crypto::SecretBox::FromKeyForTest(TestKey())) {
    auto store = store::memory::NewMemoryStore(clock_);
    if (!store.has_value()) {
      ADD_FAILURE() << "memory store: " << store.error().ToString();
      return;
    }
    store_ = std::move(*store);
    authorizer_ = std::make_unique<authz::Authorizer>(*store_, authz::EnforcementMode::kEnforce);
    service_ = std::make_unique<IamService>(*store_, *authorizer_, box_, clock_);
    accounts::CreateAccountOptions options;
    options.account_id = std::string(kAccountId);
    auto root = accounts::CreateAccount(*store_, box_, options);
    if (!root.has_value()) {
      ADD_FAILURE() << "CreateAccount: " << root.error().ToString();
      return;
    }
    root_credentials_ = std::move(*root);
  }

  static std::array<std::uint8_t, crypto::kMasterKeySize> TestKey() {
    std::array<std::uint8_t, crypto::kMasterKeySize> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
      key[i] = static_cast<std::uint8_t>(i + 1);
    }
    return key;
  }

  // The account's root user.
  auth::Caller Root() const { return RootOf(kAccountId, root_credentials_.access_key_id); }

  static auth::Caller RootOf(std::string_view account_id, std::string_view access_key_id = {}) {
    auth::Caller caller;
    caller.type = auth::PrincipalType::kRoot;
    caller.account_id = std::string(account_id);
    caller.arn = "arn:aws:iam::" + std::string(account_id) + ":root";
    caller.principal_id = std::string(account_id);
    caller.access_key_id = std::string(access_key_id);
    return caller;
  }

  // The IAM user `name` of the account, as stored (fails the test when it does not exist).
  auth::Caller UserCaller(std::string_view name, std::string_view account_id = kAccountId) {
    auth::Caller caller;
    caller.type = auth::PrincipalType::kUser;
    caller.account_id = std::string(account_id);
    caller.user_name = std::string(name);
    caller.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    auto txn = store_->BeginRead();
    if (!txn.has_value()) {
      ADD_FAILURE() << txn.error().ToString();
      return caller;
    }
    auto user = (*txn)->GetUser(account_id, name);
    if (!user.has_value()) {
      ADD_FAILURE() << "UserCaller: " << user.error().ToString();
      return caller;
    }
    caller.arn = user->arn;
    caller.principal_id = user->id;
    caller.user_name = user->name;
    return caller;
  }

  RequestInfo Info() const {
    RequestInfo info;
    info.request_id = "00000000-0000-4000-8000-000000000000";
    info.source_ip = "127.0.0.1";
    info.user_agent = "iam-api-test";
    info.region = "us-east-1";
    info.time = clock_.Now();
    return info;
  }

  // The form body the SDKs send for `op` with `params`.
  static std::string Form(std::string_view op, const Params& params) {
    std::string form = "Action=" + FormEncode(op) + "&Version=2010-05-08";
    for (const auto& [key, value] : params) {
      form += '&';
      form += FormEncode(key);
      form += '=';
      form += FormEncode(value);
    }
    return form;
  }

  // Decodes (validating as the codec does) and invokes `op` as `caller`.
  Result<protocol::Value> CallAs(const auth::Caller& caller, std::string_view op,
                                 const Params& params = {}) {
    auto decoded = protocol::DecodeQueryRequest(protocol::IamModel(), Form(op, params));
    if (!decoded.has_value()) {
      return tl::unexpected<Error>(std::move(decoded).error());
    }
    return service_->Invoke(*decoded->operation, decoded->input, caller, Info());
  }

  // As the account's root user.
  Result<protocol::Value> Call(std::string_view op, const Params& params = {}) {
    return CallAs(Root(), op, params);
  }

  // Call, failing the test (and returning an empty structure) on an error.
  protocol::Value MustCall(std::string_view op, const Params& params = {}) {
    return MustCallAs(Root(), op, params);
  }

  protocol::Value MustCallAs(const auth::Caller& caller, std::string_view op,
                             const Params& params = {}) {
    auto out = CallAs(caller, op, params);
    if (!out.has_value()) {
      ADD_FAILURE() << op << " failed: " << AwsCodeOf(out.error()) << ": "
                    << out.error().ToString();
      return protocol::Value::Structure();
    }
    return std::move(*out);
  }

  // Writes through the store directly, failing the test on an error.
  template <class Body>
  void WriteStore(Body&& body) {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.has_value()) << txn.error().ToString();
    Status status = body(**txn);
    ASSERT_TRUE(status.has_value()) << status.error().ToString();
    auto committed = (*txn)->Commit();
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  }

  // Gives the user `user_name` an inline policy `policy_name` with `document` through the
  // store (not the API), e.g. to let an IAM user call operations.
  void AllowUser(std::string_view user_name, std::string_view document,
                 std::string_view policy_name = "test-allow") {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::InlinePolicy policy;
      policy.principal = {store::PrincipalKind::kUser, std::string(kAccountId),
                          std::string(user_name)};
      policy.name = std::string(policy_name);
      policy.document = std::string(document);
      return txn.PutInlinePolicy(std::move(policy));
    });
  }

  // A policy document allowing `action` ("iam:*") on `resource` ("*").
  static std::string AllowDocument(std::string_view action, std::string_view resource = "*") {
    return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" +
           std::string(action) + R"(","Resource":")" + std::string(resource) + R"("}]})";
  }

  // Creates a customer managed policy `name` (path "/", version v1 holding `document`)
  // in the account through the store; returns its ARN.
  std::string PutManagedPolicyInStore(std::string_view name, std::string_view document,
                                      std::string_view account_id = kAccountId) {
    std::string arn = "arn:aws:iam::" + std::string(account_id) + ":policy/" + std::string(name);
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::ManagedPolicy policy;
      policy.account_id = std::string(account_id);
      policy.name = std::string(name);
      policy.arn = arn;
      policy.id = NewUniqueId(kPolicyIdPrefix);
      auto put = txn.PutManagedPolicy(std::move(policy));
      if (!put.has_value()) {
        return tl::unexpected<Error>(std::move(put).error());
      }
      store::PolicyVersion version;
      version.policy_arn = arn;
      version.version_id = "v1";
      version.document = std::string(document);
      auto put_version = txn.PutPolicyVersion(std::move(version));
      if (!put_version.has_value()) {
        return tl::unexpected<Error>(std::move(put_version).error());
      }
      return OkStatus();
    });
    return arn;
  }

  store::IdentityStore& store() { return *store_; }

  FakeClock clock_;
  crypto::SecretBox box_;
  std::unique_ptr<store::IdentityStore> store_;
  std::unique_ptr<authz::Authorizer> authorizer_;
  std::unique_ptr<IamService> service_;
  accounts::RootCredentials root_credentials_;
};

}  // namespace portcullis::api::iam::testing
