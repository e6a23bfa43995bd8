// libFuzzer target for the S3 service (api/s3/s3_service.h) over memory stores: routing,
// payload reading (aws-chunked bodies, digests), input decoding, authorization and every
// operation, for arbitrary method, target, headers and body, once as the account's root
// user and once anonymously. State persists across inputs (buckets, objects, policies),
// so sequences of operations are exercised too.
//
// Input layout (as s3_request_fuzz): line 1 the method, line 2 the request-target, line 3
// the Host, then `name: value` header lines up to an empty line; the rest is the body.
//
// Properties checked, aborting on a violation: the status is 200..599; an error reply has
// an S3 error code and, unless it answers HEAD or is 304, an XML body naming that code; a
// streamed body yields exactly stream_length bytes; an anonymous request never succeeds at
// a write (no bucket policy is ever public here unless an input put one as root, so the
// check is limited to CreateBucket and ListBuckets, which anonymous callers never may do).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/accounts/accounts.h"
#include "api/authz/authorizer.h"
#include "api/s3/s3_service.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "store/memory/memory_store.h"

#include "objects/object_store.h"

namespace {

namespace s3 = portcullis::api::s3;
using portcullis::auth::sigv4::HeaderField;

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "s3_service_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::string_view NextLine(std::string_view* rest) {
  const std::size_t nl = rest->find('\n');
  const std::string_view line = rest->substr(0, nl);
  *rest = nl == std::string_view::npos ? std::string_view() : rest->substr(nl + 1);
  return line;
}

struct World {
  World() {
    identities = portcullis::store::memory::NewMemoryStore(clock).value();
    std::array<std::uint8_t, portcullis::crypto::kMasterKeySize> key{};
    key.fill(7);
    box = std::make_unique<portcullis::crypto::SecretBox>(
        portcullis::crypto::SecretBox::FromKeyForTest(key));
    portcullis::api::accounts::CreateAccountOptions options;
    options.account_id = "123456789012";
    if (!portcullis::api::accounts::CreateAccount(*identities, *box, options).has_value()) {
      Fail("cannot create the account");
    }
    authorizer = std::make_unique<portcullis::api::authz::Authorizer>(
        *identities, portcullis::api::authz::EnforcementMode::kEnforce);
    objects = portcullis::objects::NewMemoryObjectStore(clock).value();
    service = std::make_unique<s3::S3Service>(*objects, *identities, *authorizer);
    root.type = portcullis::auth::PrincipalType::kRoot;
    root.account_id = "123456789012";
    root.arn = "arn:aws:iam::123456789012:root";
    root.principal_id = root.account_id;
    signature.service = "s3";
    signature.region = "us-east-1";
    signature.payload_mode = portcullis::auth::sigv4::PayloadMode::kUnsigned;
  }

  portcullis::SystemClock clock;
  std::unique_ptr<portcullis::store::IdentityStore> identities;
  std::unique_ptr<portcullis::crypto::SecretBox> box;
  std::unique_ptr<portcullis::api::authz::Authorizer> authorizer;
  std::unique_ptr<portcullis::objects::ObjectStore> objects;
  std::unique_ptr<s3::S3Service> service;
  portcullis::auth::Caller root;
  portcullis::auth::sigv4::Authenticated signature;
};

void Check(const s3::S3Call& call, s3::S3Reply reply) {
  if (reply.status < 200 || reply.status > 599) {
    Fail("status out of range", std::to_string(reply.status));
  }
  const bool failed = reply.status >= 300;
  if (failed && reply.status != 304) {
    if (reply.error_code.empty()) {
      Fail("an error reply without an error code", reply.body);
    }
    if (call.method != "HEAD" &&
        reply.body.find("<Code>" + reply.error_code + "</Code>") == std::string::npos) {
      Fail("an error body that does not name its code", reply.body);
    }
  }
  if (reply.stream != nullptr) {
    std::vector<char> buffer(4096);
    std::uint64_t total = 0;
    for (;;) {
      auto n = reply.stream->Read(buffer);
      if (!n.has_value()) {
        Fail("a streamed body failed", n.error().ToString());
      }
      if (*n == 0) {
        break;
      }
      total += *n;
    }
    if (total != reply.stream_length) {
      Fail("a streamed body of the wrong length");
    }
  }
  if (call.caller == nullptr && !failed &&
      (reply.operation == "CreateBucket" || reply.operation == "ListBuckets")) {
    Fail("an anonymous caller succeeded", reply.operation);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  s3::S3Call call;
  call.method = NextLine(&rest);
  call.target = NextLine(&rest);
  call.host = NextLine(&rest);
  std::vector<HeaderField> headers;
  while (!rest.empty()) {
    const std::string_view line = NextLine(&rest);
    if (line.empty()) {
      break;
    }
    const std::size_t colon = line.find(':');
    headers.push_back({line.substr(0, colon), colon == std::string_view::npos
                                                  ? std::string_view()
                                                  : line.substr(colon + 1)});
  }
  call.headers = headers;
  call.body = rest;

  portcullis::api::RequestInfo info;
  info.request_id = "fuzz";
  info.source_ip = "127.0.0.1";
  info.time = world.clock.Now();

  call.caller = &world.root;
  call.signature = &world.signature;
  Check(call, world.service->Handle(call, info));
  call.caller = nullptr;
  call.signature = nullptr;
  Check(call, world.service->Handle(call, info));
  return 0;
}
