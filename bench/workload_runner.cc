// portcullis-bench-workload: runs an iam-bench-workload/1 workload (see
// ../shared/bench/README.md and docs/benchmarks.md) through the engine.
//
//   portcullis-bench-workload WORKLOAD.json[.xz] [--requests FILE.jsonl[.xz]]
//       [--min-seconds 2] [--chunk 20000] [--no-explain] [--peer-cmd "CMD"]
//
// Every policy is compiled once; every principal's policy set once. Requests are
// read in chunks (so a 1 M-request workload does not have to fit in memory); each
// chunk is decided once with per-decision timing (latency percentiles, agreement
// with the workload's expected decision "e"), then decided again in a tight loop
// until --min-seconds have passed over all chunks (throughput, one thread).
// Prints one JSON object. --peer-cmd runs a peer benchmark (e.g. iam-simulate's)
// in the same run and embeds the JSON object it prints under "peer".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/evaluator.h"
#include "policy/json.h"

namespace portcullis::bench {
namespace {

using Clock = std::chrono::steady_clock;
using policy::JsonValue;

struct Options {
  std::string workload;
  std::string requests;
  double min_seconds = 2.0;
  std::size_t chunk = 20000;
  bool explain = true;
  std::string peer_cmd;
};

struct Principal {
  std::string arn;
  eval::CompiledPolicySet policies;
  std::vector<std::pair<std::string, std::string>> context;
};

struct Job {
  const Principal* principal = nullptr;
  const eval::CompiledPolicy* resource_policy = nullptr;
  eval::Request request;
  eval::Verdict expected = eval::Verdict::kImplicitDeny;
};

// A line reader over a plain file or `xz -dc` for .xz files.
class LineReader {
 public:
  explicit LineReader(const std::string& path) {
    if (path.size() > 3 && path.compare(path.size() - 3, 3, ".xz") == 0) {
      pipe_ = popen(("xz -dc '" + path + "'").c_str(), "r");  // NOLINT(cert-env33-c)
      file_ = pipe_;
    } else {
      file_ = std::fopen(path.c_str(), "rb");
    }
  }

  ~LineReader() {
    if (pipe_ != nullptr) {
      pclose(pipe_);
    } else if (file_ != nullptr) {
      std::fclose(file_);
    }
  }

  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool ok() const { return file_ != nullptr; }

  bool Next(std::string& line) {
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

  std::string ReadAll() {
    std::string all;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0) {
      all.append(buf, n);
    }
    return all;
  }

 private:
  FILE* file_ = nullptr;
  FILE* pipe_ = nullptr;
};

double ProcStatusMiB(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) {
      return std::stod(line.substr(std::string(field).size())) / 1024.0;
    }
  }
  return 0;
}

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

struct Loaded {
  std::unordered_map<std::string, std::shared_ptr<const eval::CompiledPolicy>> policies;
  std::unordered_map<std::string, std::shared_ptr<const eval::CompiledPolicy>> resource_policies;
  std::unordered_map<std::string, Principal> principals;
  std::size_t compiled = 0;
  double compile_seconds = 0;
  std::string name;
  std::string account;
  std::string requests_file;
};

bool CompileAll(const JsonValue& members, policy::PolicyKind kind,
                std::unordered_map<std::string, std::shared_ptr<const eval::CompiledPolicy>>& out,
                Loaded& loaded) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& [id, doc] : members.members()) {
    texts.emplace_back(id, policy::SerializeJson(doc));
  }
  policy::ParseOptions options;
  options.kind = kind;
  options.enforce_size_limit = false;
  auto start = Clock::now();
  for (auto& [id, text] : texts) {
    auto compiled = eval::ParseAndCompilePolicy(text, id, options);
    if (!compiled.has_value()) {
      std::cerr << "policy `" << id << "`: " << compiled.error().ToString() << "\n";
      return false;
    }
    out.emplace(id, std::move(*compiled));
  }
  loaded.compile_seconds += std::chrono::duration<double>(Clock::now() - start).count();
  loaded.compiled += texts.size();
  return true;
}

bool LoadWorkload(const Options& opt, Loaded& loaded) {
  LineReader reader(opt.workload);
  if (!reader.ok()) {
    std::cerr << "cannot read " << opt.workload << "\n";
    return false;
  }
  auto root = policy::ParseJson(reader.ReadAll(), BigLimits());
  if (!root.has_value()) {
    std::cerr << opt.workload << ": " << root.error().ToString() << "\n";
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

bool ReadChunk(LineReader& reader, const Loaded& loaded, std::size_t max, std::vector<Job>& jobs) {
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

std::string RunPeer(const std::string& cmd) {
  FILE* pipe = popen(cmd.c_str(), "r");  // NOLINT(cert-env33-c)
  if (pipe == nullptr) {
    return "null";
  }
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) {
    out.append(buf, n);
  }
  int rc = pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  std::size_t brace = out.rfind("\n{");
  if (brace != std::string::npos) {
    out = out.substr(brace + 1);
  }
  return rc == 0 && !out.empty() && out.front() == '{' ? out : "null";
}

double Percentile(std::vector<std::uint32_t>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

int Run(const Options& opt) {
  Loaded loaded;
  double rss_before = ProcStatusMiB("VmRSS:");
  if (!LoadWorkload(opt, loaded)) {
    return 1;
  }
  double rss_compiled = ProcStatusMiB("VmRSS:");
  std::string requests = opt.requests;
  if (requests.empty()) {
    std::string dir = opt.workload.substr(0, opt.workload.find_last_of('/') + 1);
    requests = dir + loaded.requests_file;
    if (!std::ifstream(requests)) {
      requests += ".xz";
    }
  }
  LineReader reader(requests);
  if (!reader.ok()) {
    std::cerr << "cannot read " << requests << "\n";
    return 1;
  }
  eval::EvaluateOptions eopt;
  eopt.explain = opt.explain;
  eval::Decision decision;
  std::vector<Job> jobs;
  std::vector<std::uint32_t> latencies;
  std::size_t total = 0;
  std::size_t agree = 0;
  std::size_t timed_decisions = 0;
  double timed_seconds = 0;
  std::vector<std::vector<Job>> kept;  // chunks kept for the throughput loop
  double hot_seconds = 0;
  std::size_t hot_decisions = 0;
  eval::Request fresh;
  while (ReadChunk(reader, loaded, opt.chunk, jobs) && !jobs.empty()) {
    // Hot pass, as a server decides: each request is laid out anew just before it
    // is decided (the copy is not timed), and each decision is timed on its own.
    // Repeated until --min-seconds of measured time for small workloads.
    std::size_t passes = 0;
    do {
      for (const Job& job : jobs) {
        fresh = job.request;
        auto t0 = Clock::now();
        eval::Evaluate(fresh, job.principal->policies, job.resource_policy, eopt, decision);
        auto t1 = Clock::now();
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        latencies.push_back(static_cast<std::uint32_t>(ns));
        hot_seconds += static_cast<double>(ns) * 1e-9;
        if (passes == 0) {
          agree += decision.verdict == job.expected ? 1 : 0;
        }
      }
      hot_decisions += jobs.size();
      ++passes;
    } while (total == 0 && hot_seconds < opt.min_seconds * 0.25 && passes < 1000);
    total += jobs.size();
    // Cold sweep: the whole chunk decided back to back, request data long out of
    // cache (a lower bound; a server's request was just parsed).
    double budget = opt.min_seconds * static_cast<double>(jobs.size()) / 1e6;
    budget = std::max(budget, total <= opt.chunk ? opt.min_seconds * 0.5 : 0.0);
    auto start = Clock::now();
    double elapsed = 0;
    do {
      for (const Job& job : jobs) {
        eval::Evaluate(job.request, job.principal->policies, job.resource_policy, eopt, decision);
      }
      timed_decisions += jobs.size();
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < budget);
    timed_seconds += elapsed;
  }
  double rss_peak = ProcStatusMiB("VmHWM:");
  std::string peer = opt.peer_cmd.empty() ? "null" : RunPeer(opt.peer_cmd);
  std::printf(
      "{\"engine\":\"portcullis\",\"workload\":\"%s\",\"decisions\":%zu,\"agreement\":%.6f,"
      "\"disagreements\":%zu,\"explain\":%s,\"decisionsPerSecond\":%.0f,"
      "\"coldSweepDecisionsPerSecond\":%.0f,\"p50Us\":%.3f,"
      "\"p99Us\":%.3f,\"policiesCompiled\":%zu,\"compileUsPerPolicy\":%.2f,"
      "\"rssMiB\":{\"start\":%.1f,\"afterCompile\":%.1f,\"peak\":%.1f},\"peer\":%s}\n",
      loaded.name.c_str(), total,
      total == 0 ? 0.0 : static_cast<double>(agree) / static_cast<double>(total), total - agree,
      opt.explain ? "true" : "false",
      hot_seconds > 0 ? static_cast<double>(hot_decisions) / hot_seconds : 0.0,
      timed_seconds > 0 ? static_cast<double>(timed_decisions) / timed_seconds : 0.0,
      Percentile(latencies, 0.50) / 1000.0, Percentile(latencies, 0.99) / 1000.0, loaded.compiled,
      loaded.compiled == 0 ? 0.0
                           : loaded.compile_seconds * 1e6 / static_cast<double>(loaded.compiled),
      rss_before, rss_compiled, rss_peak, peer.c_str());
  return total - agree == 0 ? 0 : 3;
}

}  // namespace
}  // namespace portcullis::bench

int main(int argc, char** argv) {
  portcullis::bench::Options opt;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : std::string(); };
    if (a == "--requests") {
      opt.requests = next();
    } else if (a == "--min-seconds") {
      opt.min_seconds = std::stod(next());
    } else if (a == "--chunk") {
      opt.chunk = std::stoul(next());
    } else if (a == "--no-explain") {
      opt.explain = false;
    } else if (a == "--peer-cmd") {
      opt.peer_cmd = next();
    } else if (a == "-h" || a == "--help") {
      std::puts(
          "usage: portcullis-bench-workload WORKLOAD.json[.xz] [--requests FILE.jsonl[.xz]]\n"
          "       [--min-seconds 2] [--chunk 20000] [--no-explain] [--peer-cmd CMD]");
      return 0;
    } else if (opt.workload.empty()) {
      opt.workload = a;
    } else {
      std::fprintf(stderr, "unexpected argument %s\n", a.c_str());
      return 2;
    }
  }
  if (opt.workload.empty()) {
    std::fprintf(stderr, "usage: portcullis-bench-workload WORKLOAD.json [options]\n");
    return 2;
  }
  return portcullis::bench::Run(opt);
}
