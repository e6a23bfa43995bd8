// docs/compatibility.md lists every operation of the IAM and STS models with whether
// Portcullis implements it. This test keeps the table true: each model operation has
// exactly one row, marked `implemented` exactly when the service has a handler.
// On a mismatch it prints the rows the table should hold. And no row may say
// `implemented` unless an end-to-end test under tests/e2e/ calls the operation (by
// boto3's snake_case name, the CLI's kebab-case name or the Action itself).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "api/protocol/s3_codec.h"
#include "api/s3/s3_service.h"
#include "api/sts/sts_service.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

// Rows `| Name | status | ...` of the table under `## heading`.
std::map<std::string, std::string> ReadTable(const std::string& text, const std::string& heading) {
  std::map<std::string, std::string> rows;
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      inside = line == "## " + heading;
      continue;
    }
    if (!inside || line.rfind("| ", 0) != 0)
      continue;
    std::istringstream cells(line.substr(2));
    std::string name;
    std::string status;
    std::getline(cells, name, '|');
    std::getline(cells, status, '|');
    auto trim = [](std::string s) {
      while (!s.empty() && s.back() == ' ')
        s.pop_back();
      while (!s.empty() && s.front() == ' ')
        s.erase(s.begin());
      return s;
    };
    name = trim(name);
    status = trim(status);
    if (name == "Operation" || name.rfind("---", 0) == 0)
      continue;
    rows[name] = status;
  }
  return rows;
}

std::string ReadDoc() {
  std::ifstream in(std::string(IAM_SOURCE_DIR) + "/docs/compatibility.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// `extensions`: the table lists the model's Portcullis extension operations (no summary
// line) instead of AWS's.
template <class Implements>
void CheckTable(const protocol::ServiceModel& model, const std::string& heading,
                Implements implements, bool extensions = false) {
  const auto rows = ReadTable(ReadDoc(), heading);
  std::string expected;
  bool ok = true;
  std::size_t listed = 0;
  for (const auto& [name, op] : model.operations()) {
    if (op.extension != extensions) {
      continue;
    }
    ++listed;
    const bool done = implements(name);
    const std::string want = done ? "implemented" : "not yet";
    const auto it = rows.find(name);
    const std::string note = it != rows.end() && it->second == want ? "" : "   <-- fix";
    if (!note.empty())
      ok = false;
    expected += "| " + name + " | " + want + " |" + note + "\n";
  }
  if (rows.size() != listed)
    ok = false;
  if (!extensions) {
    // The summary line: "**N of M <heading> operations**".
    const std::string summary =
        "**" +
        std::to_string(std::count_if(rows.begin(), rows.end(),
                                     [](const auto& row) { return row.second == "implemented"; })) +
        " of " + std::to_string(listed) + " " + heading + " operations**";
    EXPECT_NE(ReadDoc().find(summary), std::string::npos)
        << "docs/compatibility.md should say " << summary;
  }
  EXPECT_TRUE(ok) << "docs/compatibility.md, section `" << heading
                  << "`, should list (third column free text):\n"
                  << expected;
}

// Every identifier-like token of the end-to-end tests, lowered, with `_` and `-` dropped:
// boto3's `list_mfa_devices`, the CLI's `list-mfa-devices` and `ListMFADevices` all
// become `listmfadevices`.
std::set<std::string> EndToEndTokens() {
  std::set<std::string> tokens;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(IAM_SOURCE_DIR) + "/tests/e2e")) {
    if (entry.path().extension() != ".py") {
      continue;
    }
    std::ifstream in(entry.path());
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string token;
    for (const char c : buffer.str() + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
        token += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (c != '_' && c != '-') {
        if (!token.empty()) {
          tokens.insert(token);
        }
        token.clear();
      }
    }
  }
  return tokens;
}

template <class Implements>
void CheckEndToEndCalls(const protocol::ServiceModel& model, Implements implements) {
  const std::set<std::string> tokens = EndToEndTokens();
  for (const auto& [name, op] : model.operations()) {
    if (!implements(name)) {
      continue;
    }
    std::string key;
    for (const char c : name) {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    EXPECT_TRUE(tokens.count(key) != 0)
        << name << " is implemented but no test under tests/e2e/ calls it";
  }
}

class CompatibilityTest : public IamApiTest {};

TEST_F(CompatibilityTest, IamTableMatchesTheHandlers) {
  CheckTable(service_->model(), "IAM",
             [&](const std::string& name) { return service_->Implements(name); });
}

TEST_F(CompatibilityTest, EveryImplementedOperationHasAnEndToEndTest) {
  CheckEndToEndCalls(service_->model(),
                     [&](const std::string& name) { return service_->Implements(name); });
  CheckEndToEndCalls(protocol::StsModel(),
                     [](const std::string& name) { return sts::StsService::Implements(name); });
}

TEST_F(CompatibilityTest, S3TableMatchesTheService) {
  CheckTable(protocol::S3Model(), "S3",
             [](const std::string& name) { return s3::S3Service::Implements(name); });
}

TEST_F(CompatibilityTest, StsTableMatchesTheService) {
  CheckTable(protocol::StsModel(), "STS",
             [](const std::string& name) { return sts::StsService::Implements(name); });
}

// Portcullis's own operations (src/api/sts/portcullis-sts-extensions.json) are not AWS's:
// they have their own table and do not count in the STS summary.
TEST_F(CompatibilityTest, ExtensionTableMatchesTheService) {
  CheckTable(
      protocol::StsModel(), "Portcullis extensions",
      [](const std::string& name) { return sts::StsService::Implements(name); }, true);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
