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
#include <malloc.h>

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

#include "workload.h"

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
  Workload loaded;
  double rss_before = ProcStatusMiB("VmRSS:");
  if (!LoadWorkload(opt.workload, loaded)) {
    return 1;
  }
  // Hand the loader's freed JSON tree back to the system so the figure is the
  // compiled state, not the allocator's free lists.
  malloc_trim(0);
  double rss_compiled = ProcStatusMiB("VmRSS:");
  std::string requests = opt.requests;
  if (requests.empty()) {
    requests = RequestsPathFor(opt.workload, loaded);
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
  constexpr std::size_t kBatch = 64;
  std::vector<eval::Request> fresh(kBatch);
  while (ReadChunk(reader, loaded, opt.chunk, jobs) && !jobs.empty()) {
    // Latency: every decision timed alone (the timer's own cost is measured and
    // subtracted from the percentiles). Agreement is checked here.
    for (const Job& job : jobs) {
      fresh[0] = job.request;
      auto t0 = Clock::now();
      eval::Evaluate(fresh[0], job.principal->policies, job.resource_policy, eopt, decision);
      auto t1 = Clock::now();
      latencies.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
      agree += decision.verdict == job.expected ? 1 : 0;
    }
    // Hot throughput, as a server decides: requests are laid out anew in batches
    // of 64 just before they are decided (the copies are not timed); one timer
    // per batch. Repeated until --min-seconds/2 for small workloads.
    std::size_t passes = 0;
    do {
      for (std::size_t begin = 0; begin < jobs.size(); begin += kBatch) {
        std::size_t end = std::min(jobs.size(), begin + kBatch);
        for (std::size_t i = begin; i < end; ++i) {
          fresh[i - begin] = jobs[i].request;
        }
        auto t0 = Clock::now();
        for (std::size_t i = begin; i < end; ++i) {
          const Job& job = jobs[i];
          eval::Evaluate(fresh[i - begin], job.principal->policies, job.resource_policy, eopt,
                         decision);
        }
        hot_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        hot_decisions += end - begin;
      }
      ++passes;
    } while (total == 0 && hot_seconds < opt.min_seconds * 0.5 && passes < 1000);
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
  std::vector<std::uint32_t> empty_timings;
  for (int i = 0; i < 10000; ++i) {
    auto t0 = Clock::now();
    auto t1 = Clock::now();
    empty_timings.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
  }
  double timer_ns = Percentile(empty_timings, 0.5);
  double rss_peak = ProcStatusMiB("VmHWM:");
  std::string peer = opt.peer_cmd.empty() ? "null" : RunPeer(opt.peer_cmd);
  std::printf(
      "{\"engine\":\"portcullis\",\"workload\":\"%s\",\"decisions\":%zu,\"agreement\":%.6f,"
      "\"disagreements\":%zu,\"explain\":%s,\"decisionsPerSecond\":%.0f,"
      "\"coldSweepDecisionsPerSecond\":%.0f,\"p50Us\":%.3f,"
      "\"p99Us\":%.3f,\"timerOverheadNs\":%.0f,\"policiesCompiled\":%zu,\"compileUsPerPolicy\":%."
      "2f,"
      "\"rssMiB\":{\"start\":%.1f,\"afterCompile\":%.1f,\"peak\":%.1f},\"peer\":%s}\n",
      loaded.name.c_str(), total,
      total == 0 ? 0.0 : static_cast<double>(agree) / static_cast<double>(total), total - agree,
      opt.explain ? "true" : "false",
      hot_seconds > 0 ? static_cast<double>(hot_decisions) / hot_seconds : 0.0,
      timed_seconds > 0 ? static_cast<double>(timed_decisions) / timed_seconds : 0.0,
      std::max(0.0, Percentile(latencies, 0.50) - timer_ns) / 1000.0,
      std::max(0.0, Percentile(latencies, 0.99) - timer_ns) / 1000.0, timer_ns, loaded.compiled,
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
