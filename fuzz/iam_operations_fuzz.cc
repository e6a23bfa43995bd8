// libFuzzer target for the IAM operations (api/iam/) behind the Query decoder: each
// input is a form body; when it decodes against the IAM model it is invoked, once as the
// account's root user and once as an IAM user whose inline policy allows iam:*, on a
// memory store that lives across inputs (rebuilt every kRebuildEvery inputs to bound
// its size). State built by earlier inputs lets later ones reach the deeper paths
// (attach, delete conflicts, versions, pagination markers).
//
// Properties checked on every input, aborting on a violation:
//  - an operation never throws and never crashes (sanitizers watch memory);
//  - a failure carries an AWS error code that resolves to an HTTP status of 4xx/5xx
//    and a non-empty message;
//  - a success encodes as the operation's XML response.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api/accounts/accounts.h"
#include "api/authz/authorizer.h"
#include "api/iam/iam_service.h"
#include "api/protocol/aws_errors.h"
#include "api/protocol/query_codec.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "store/memory/memory_store.h"

namespace {

namespace api = portcullis::api;
namespace store = portcullis::store;
using portcullis::api::protocol::Value;

constexpr int kRebuildEvery = 2000;
constexpr std::string_view kAccountId = "123456789012";

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "iam_operations_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct World {
  portcullis::FakeClock clock{std::chrono::system_clock::time_point{} +
                              std::chrono::seconds(1767225600)};
  portcullis::crypto::SecretBox box =
      portcullis::crypto::SecretBox::FromKeyForTest(std::array<std::uint8_t, 32>{7});
  std::unique_ptr<store::IdentityStore> store;
  std::unique_ptr<api::authz::Authorizer> authorizer;
  std::unique_ptr<api::iam::IamService> iam;
  portcullis::auth::Caller root;
  portcullis::auth::Caller user;

  World() {
    auto s = store::memory::NewMemoryStore(clock);
    if (!s.has_value())
      Fail("memory store", s.error().ToString());
    store = std::move(*s);
    api::accounts::CreateAccountOptions options;
    options.account_id = std::string(kAccountId);
    auto created = api::accounts::CreateAccount(*store, box, options);
    if (!created.has_value())
      Fail("account", created.error().ToString());
    authorizer =
        std::make_unique<api::authz::Authorizer>(*store, api::authz::EnforcementMode::kEnforce);
    iam = std::make_unique<api::iam::IamService>(*store, *authorizer, box, clock);

    root.type = portcullis::auth::PrincipalType::kRoot;
    root.account_id = std::string(kAccountId);
    root.arn = "arn:aws:iam::123456789012:root";
    root.principal_id = std::string(kAccountId);

    // An IAM user allowed iam:* through an inline policy, created through the API.
    const auto* create = iam->model().FindOperation("CreateUser");
    auto req = api::protocol::DecodeQueryRequest(
        iam->model(), "Action=CreateUser&Version=2010-05-08&UserName=fuzzer");
    if (create == nullptr || !req.has_value())
      Fail("CreateUser request");
    auto out = iam->Invoke(*req->operation, req->input, root, Info());
    if (!out.has_value())
      Fail("CreateUser", out.error().ToString());
    auto put = api::protocol::DecodeQueryRequest(
        iam->model(),
        "Action=PutUserPolicy&Version=2010-05-08&UserName=fuzzer&PolicyName=all&"
        "PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22"
        "Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3A*%22%2C%22Resource%22%3A%22*%22"
        "%7D%5D%7D");
    if (!put.has_value())
      Fail("PutUserPolicy request", put.error().ToString());
    auto put_out = iam->Invoke(*put->operation, put->input, root, Info());
    if (!put_out.has_value())
      Fail("PutUserPolicy", put_out.error().ToString());
    const Value* u = out->Find("User");
    user.type = portcullis::auth::PrincipalType::kUser;
    user.account_id = std::string(kAccountId);
    user.arn = u->Find("Arn")->text();
    user.principal_id = u->Find("UserId")->text();
    user.user_name = "fuzzer";
  }

  api::RequestInfo Info() const {
    api::RequestInfo info;
    info.request_id = "00000000-0000-4000-8000-000000000000";
    info.source_ip = "127.0.0.1";
    info.user_agent = "fuzz";
    info.region = "us-east-1";
    info.time = clock.Now();
    return info;
  }
};

void Check(const api::iam::IamService& iam, const api::protocol::Operation& op,
           const portcullis::Result<Value>& out) {
  if (out.has_value()) {
    const std::string xml = api::protocol::EncodeQueryResponse(iam.model(), op, *out, "r");
    if (xml.empty())
      Fail("empty response body", op.name);
    return;
  }
  const auto info = api::protocol::ResolveAwsError(out.error(), &iam.model());
  if (info.code.empty() || info.http_status < 400 || info.http_status > 599) {
    Fail("error without an AWS code or with a non-error status", out.error().ToString());
  }
  if (out.error().message.empty())
    Fail("error without a message", info.code);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<World> world;
  static int runs = 0;
  if (world == nullptr || ++runs % kRebuildEvery == 0)
    world = std::make_unique<World>();

  const std::string_view form(reinterpret_cast<const char*>(data), size);
  auto request = api::protocol::DecodeQueryRequest(world->iam->model(), form);
  if (!request.has_value())
    return 0;
  world->clock.Advance(std::chrono::seconds(1));
  const auto info = world->Info();
  auto as_user = world->iam->Invoke(*request->operation, request->input, world->user, info);
  Check(*world->iam, *request->operation, as_user);
  auto as_root = world->iam->Invoke(*request->operation, request->input, world->root, info);
  Check(*world->iam, *request->operation, as_root);
  return 0;
}
