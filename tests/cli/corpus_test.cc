// Runs the decision corpus (tests/data/policy_eval/**.json): each case's request
// and policies go through the same reader as `portcullis policy evaluate`, and the
// decision, the deciding statements and the missing context keys must be the
// expected ones. The format is described in docs/decision-corpus.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cli/evaluation_input.h"
#include "common/strings.h"
#include "eval/evaluator.h"
#include "policy/json.h"

namespace portcullis::cli {
namespace {

namespace fs = std::filesystem;
using policy::JsonValue;

struct CorpusCase {
  std::string name;  // file stem, plus "_N" for files holding several cases
  std::string file;
  std::size_t index = 0;  // within "cases", or 0
};

fs::path CorpusDir() {
  return fs::path(IAM_SOURCE_DIR) / "tests" / "data" / "policy_eval";
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

policy::JsonLimits CorpusLimits() {
  policy::JsonLimits limits;
  limits.max_bytes = 16u << 20;
  limits.max_elements = 1u << 20;
  return limits;
}

std::string TestName(const fs::path& rel, std::size_t index, bool many) {
  std::string name = rel.string();
  name = name.substr(0, name.size() - 5);  // ".json"
  for (char& c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      c = '_';
    }
  }
  return many ? name + "_" + std::to_string(index) : name;
}

std::vector<CorpusCase> LoadCases() {
  std::vector<CorpusCase> cases;
  if (!fs::exists(CorpusDir())) {
    return cases;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(CorpusDir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    fs::path rel = fs::relative(file, CorpusDir());
    auto root = policy::ParseJson(ReadText(file), CorpusLimits());
    const JsonValue* list = root.has_value() ? root->Find("cases") : nullptr;
    if (list != nullptr && list->is_array()) {
      for (std::size_t i = 0; i < list->items().size(); ++i) {
        cases.push_back({TestName(rel, i, true), file.string(), i});
      }
    } else {
      cases.push_back({TestName(rel, 0, false), file.string(), 0});
    }
  }
  return cases;
}

using MatchKey = std::tuple<std::string, std::size_t, std::string>;

std::string Describe(const std::set<MatchKey>& keys) {
  std::string out;
  for (const auto& [type, index, id] : keys) {
    out += " " + type + "[" + std::to_string(index) + "]:" + id;
  }
  return out.empty() ? " (none)" : out;
}

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CorpusTest, Decides) {
  const CorpusCase& c = GetParam();
  auto root = policy::ParseJson(ReadText(c.file), CorpusLimits());
  ASSERT_TRUE(root.has_value()) << root.error().ToString();
  const JsonValue* doc = &*root;
  if (const JsonValue* list = root->Find("cases"); list != nullptr) {
    doc = &list->items()[c.index];
  }
  const JsonValue* desc = doc->Find("description");
  const JsonValue* source = doc->Find("source");
  SCOPED_TRACE((desc != nullptr ? desc->text() : "") + " [" +
               (source != nullptr ? source->text() : "") + "]");
  const JsonValue* expected = doc->Find("expected");
  ASSERT_NE(expected, nullptr);
  PolicyCache cache;
  auto input = ReadEvaluationInput(*doc, cache);
  ASSERT_TRUE(input.has_value()) << input.error().ToString();
  eval::Decision d = eval::Evaluate(input->request, input->policies, input->resource_policy.get());
  EXPECT_EQ(eval::VerdictName(d.verdict), expected->Find("decision")->text());

  if (const JsonValue* matched = expected->Find("matched"); matched != nullptr) {
    std::set<MatchKey> want;
    for (const JsonValue& m : matched->items()) {
      const JsonValue* sid = m.Find("sid");
      const JsonValue* idx = m.Find("statementIndex");
      const JsonValue* pidx = m.Find("policyIndex");
      std::string id = sid != nullptr && sid->is_string() ? "sid=" + sid->text()
                                                          : "#" + (idx ? idx->text() : "?");
      want.emplace(m.Find("policyType")->text(), pidx != nullptr ? std::stoul(pidx->text()) : 0,
                   id);
    }
    std::set<MatchKey> got;
    for (const eval::MatchedStatement& m : d.matched) {
      std::string id =
          !m.sid.empty() ? "sid=" + std::string(m.sid) : "#" + std::to_string(m.statement_index);
      got.emplace(std::string(eval::PolicyTypeName(m.type)), m.policy_index, id);
    }
    EXPECT_EQ(Describe(got), Describe(want));
  }
  if (const JsonValue* missing = expected->Find("missingContextKeys"); missing != nullptr) {
    std::set<std::string> want;
    for (const JsonValue& k : missing->items()) {
      want.insert(AsciiLower(k.text()));
    }
    std::set<std::string> got;
    for (std::string_view k : d.missing_context_keys) {
      got.insert(AsciiLower(k));
    }
    EXPECT_EQ(got, want);
  }
}

INSTANTIATE_TEST_SUITE_P(PolicyEval, CorpusTest, ::testing::ValuesIn(LoadCases()),
                         [](const ::testing::TestParamInfo<CorpusCase>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace portcullis::cli
