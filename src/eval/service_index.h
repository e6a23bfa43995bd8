// ServiceIndex: from an action's service prefix ("s3") to the statements that may
// match an action of that service, in evaluation order.
//
// A statement naming `s3:Get*` is listed under "s3" only; one that may match any
// service (`"*"`, NotAction, a wildcard in the service part) is listed under every
// service and in the fallback list used for services no statement names. Each entry
// carries the statement's action names for that service, so matching needs no
// second lookup. Lookups take the service's precomputed hash (HashKeyIgnoreCase of
// the lowercase prefix), so one request hashes its service once for every index.
// Immutable after Build(); safe to read from many threads. Entries point into
// policies that the owner of the index keeps alive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"

namespace portcullis::eval {

class CompiledPolicy;
struct CompiledStatement;
struct ServiceActions;

struct Candidate {
  const CompiledPolicy* policy = nullptr;
  const CompiledStatement* statement = nullptr;
  // The statement's names for this service, or null when it names none.
  const ServiceActions* actions = nullptr;
  std::uint32_t policy_index = 0;  // position of `policy` in its list
};

class ServiceIndex {
 public:
  // Adds the statements of `policy` (policy_index is its position in its list).
  // Call for every policy, in order, then Build().
  void Add(const CompiledPolicy& policy, std::uint32_t policy_index);
  void Build();

  const std::vector<Candidate>& Lookup(std::string_view service, std::uint64_t hash) const {
    if (!slots_.empty()) {
      std::size_t mask = slots_.size() - 1;
      for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& s = slots_[i];
        if (s.entry < 0) {
          break;
        }
        if (s.hash == hash &&
            ShortEquals(entries_[static_cast<std::size_t>(s.entry)].service, service)) {
          return entries_[static_cast<std::size_t>(s.entry)].candidates;
        }
      }
    }
    return global_;
  }

  bool empty() const { return entries_.empty() && global_.empty(); }

 private:
  struct Entry {
    std::string service;
    std::uint64_t hash = 0;
    std::vector<Candidate> candidates;
  };

  struct Slot {
    std::uint64_t hash = 0;
    std::int32_t entry = -1;
  };

  struct Pending {
    Candidate candidate;
    std::string service;  // empty for global
    std::uint64_t order = 0;
  };

  std::vector<Pending> pending_;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  std::vector<Candidate> global_;
  std::uint64_t next_order_ = 0;
};

}  // namespace portcullis::eval
