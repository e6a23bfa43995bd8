// Loading iam-bench-workload/1 workloads (../shared/bench/README.md) for the
// benchmark programs: every policy compiled once, every principal's policy set
// once, requests read in chunks from a plain or .xz JSON Lines file.
// Not thread-safe; benchmark code only.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/evaluator.h"
#include "policy/json.h"

namespace portcullis::bench {

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

// Reads lines from a plain file, or through `xz -dc` for a .xz file.
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool ok() const { return file_ != nullptr; }

  bool Next(std::string& line);
  std::string ReadAll();

 private:
  FILE* file_ = nullptr;
  FILE* pipe_ = nullptr;
};

struct Workload {
  std::unordered_map<std::string, std::shared_ptr<const eval::CompiledPolicy>> policies;
  std::unordered_map<std::string, std::shared_ptr<const eval::CompiledPolicy>> resource_policies;
  std::unordered_map<std::string, Principal> principals;
  std::size_t compiled = 0;
  double compile_seconds = 0;
  std::string name;
  std::string account;
  std::string requests_file;  // as named in the workload, relative to it
};

// Loads and compiles `path` (.json or .json.xz). Prints the reason to stderr and
// returns false on failure.
bool LoadWorkload(const std::string& path, Workload& out);

// The requests file beside `workload_path` (plain if present, else .xz).
std::string RequestsPathFor(const std::string& workload_path, const Workload& workload);

// Reads up to `max` requests into `jobs` (cleared first). Returns false on a bad line.
bool ReadChunk(LineReader& reader, const Workload& workload, std::size_t max,
               std::vector<Job>& jobs);

}  // namespace portcullis::bench
