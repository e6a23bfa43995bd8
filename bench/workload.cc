#include "workload.h"

#include <chrono>
#include <fstream>
#include <iostream>

namespace portcullis::bench {
namespace {

using policy::JsonValue;

eval::Verdict VerdictFromName(const std::string& s) {
  if (s == "Allow") {
    return eval::Verdict::kAllow;
  }
  return s == "ExplicitDeny" ? eval::Verdict::kExplicitDeny : eval::Verdict::kImplicitDeny;
}

policy::JsonLimits BigLimits() {
  policy::JsonLimits limits;
  limits.max_bytes = 1u << 30;
  limits.max_elements = 1u << 26;
  limits.max_string_bytes = 1u << 24;
  return limits;
}

bool CompileAll(const JsonValue& members, policy::PolicyKind kind,
                std::unordered_map<std::string, std::shared_ptr<const eval::CompiledPolicy>>& out,
                Workload& loaded) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& [id, doc] : members.members()) {
    texts.emplace_back(id, policy::SerializeJson(doc));
  }
  policy::ParseOptions options;
  options.kind = kind;
  options.enforce_size_limit = false;
  auto start = std::chrono::steady_clock::now();
  for (auto& [id, text] : texts) {
    auto compiled = eval::ParseAndCompilePolicy(text, id, options);
    if (!compiled.has_value()) {
      std::cerr << "policy `" << id << "`: " << compiled.error().ToString() << "\n";
      return false;
    }
    out.emplace(id, std::move(*compiled));
  }
  loaded.compile_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  loaded.compiled += texts.size();
  return true;
}

}  // namespace

LineReader::LineReader(const std::string& path) {
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".xz") == 0) {
    pipe_ = popen(("xz -dc '" + path + "'").c_str(), "r");  // NOLINT(cert-env33-c)
    file_ = pipe_;
  } else {
    file_ = std::fopen(path.c_str(), "rb");
  }
}

LineReader::~LineReader() {
  if (pipe_ != nullptr) {
    pclose(pipe_);
  } else if (file_ != nullptr) {
    std::fclose(file_);
  }
}

bool LineReader::Next(std::string& line) {
  line.clear();
  char buf[65536];
  while (std::fgets(buf, sizeof(buf), file_) != nullptr) {
    line.append(buf);
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      return true;
    }
  }
  return !line.empty();
}

std::string LineReader::ReadAll() {
  std::string all;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0) {
    all.append(buf, n);
  }
  return all;
}

bool LoadWorkload(const std::string& path, Workload& loaded) {
  LineReader reader(path);
  if (!reader.ok()) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  auto root = policy::ParseJson(reader.ReadAll(), BigLimits());
  if (!root.has_value()) {
    std::cerr << path << ": " << root.error().ToString() << "\n";
    return false;
  }
  if (const JsonValue* name = root->Find("name"); name != nullptr) {
    loaded.name = name->text();
  }
  if (const JsonValue* account = root->Find("account"); account != nullptr) {
    loaded.account = account->text();
  }
  if (const JsonValue* rf = root->Find("requestsFile"); rf != nullptr) {
    loaded.requests_file = rf->text();
  }
  if (!CompileAll(*root->Find("policies"), policy::PolicyKind::kIdentity, loaded.policies,
                  loaded) ||
      !CompileAll(*root->Find("resourcePolicies"), policy::PolicyKind::kResource,
                  loaded.resource_policies, loaded)) {
    return false;
  }
  for (const JsonValue& p : root->Find("principals")->items()) {
    Principal& principal = loaded.principals[p.Find("id")->text()];
    principal.arn = p.Find("arn")->text();
    eval::PolicySetInput input;
    for (const JsonValue& ref : p.Find("identityPolicies")->items()) {
      input.identity.push_back(loaded.policies.at(ref.Find("policy")->text()));
    }
    if (const JsonValue* b = p.Find("permissionsBoundary"); b != nullptr && b->is_string()) {
      input.permissions_boundary = loaded.policies.at(b->text());
    }
    principal.policies = eval::CompiledPolicySet(std::move(input));
    for (const auto& [key, value] : p.Find("context")->members()) {
      principal.context.emplace_back(key, value.text());
    }
  }
  return true;
}

std::string RequestsPathFor(const std::string& workload_path, const Workload& workload) {
  std::string dir = workload_path.substr(0, workload_path.find_last_of('/') + 1);
  std::string requests = dir + workload.requests_file;
  if (!std::ifstream(requests)) {
    requests += ".xz";
  }
  return requests;
}

bool ReadChunk(LineReader& reader, const Workload& loaded, std::size_t max,
               std::vector<Job>& jobs) {
  jobs.clear();
  std::string line;
  while (jobs.size() < max && reader.Next(line)) {
    auto root = policy::ParseJson(line, BigLimits());
    if (!root.has_value()) {
      std::cerr << "bad request line: " << root.error().ToString() << "\n";
      return false;
    }
    Job& job = jobs.emplace_back();
    const Principal& principal = loaded.principals.at(root->Find("p")->text());
    job.principal = &principal;
    job.request.principal = principal.arn;
    job.request.principal_account = loaded.account;
    job.request.action = root->Find("a")->text();
    job.request.resource = root->Find("r")->text();
    if (const JsonValue* rp = root->Find("rp"); rp != nullptr) {
      job.resource_policy = loaded.resource_policies.at(rp->text()).get();
    }
    for (const auto& [k, v] : principal.context) {
      job.request.context.Set(k, v);
    }
    for (const auto& [k, v] : root->Find("c")->members()) {
      job.request.context.Set(k, v.text());
    }
    // One more copy lays the finished context out in fresh, adjacent blocks, as a
    // server's freshly parsed request would be.
    eval::RequestContext compact(job.request.context);
    job.request.context = std::move(compact);
    job.expected = VerdictFromName(root->Find("e")->text());
  }
  return true;
}

}  // namespace portcullis::bench
