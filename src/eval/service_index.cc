#include "eval/service_index.h"

#include <algorithm>
#include <map>

#include "eval/compiled_policy.h"
#include "eval/request.h"

namespace portcullis::eval {

void ServiceIndex::Add(const CompiledPolicy& policy, std::uint32_t policy_index) {
  for (const CompiledStatement& st : policy.statements()) {
    std::uint64_t order = next_order_++;
    Candidate base{&policy, &st, nullptr, policy_index};
    if (st.not_action || st.any_action || !st.full_action_globs.empty()) {
      pending_.push_back(Pending{base, std::string(), order});
    }
    if (st.any_action && !st.not_action) {
      continue;  // matches every action: listed under every service already
    }
    for (const auto& [service, actions] : st.by_service) {
      Candidate c = base;
      c.actions = &actions;
      pending_.push_back(Pending{c, service, order});
    }
  }
}

void ServiceIndex::Build() {
  std::map<std::string, std::vector<const Pending*>> by_service;
  std::vector<const Pending*> global;
  for (const Pending& p : pending_) {
    if (p.service.empty()) {
      global.push_back(&p);
    } else {
      by_service[p.service].push_back(&p);
    }
  }
  for (const Pending* g : global) {
    global_.push_back(g->candidate);
  }
  for (auto& [service, list] : by_service) {
    Entry e;
    e.service = service;
    e.hash = HashKeyIgnoreCase(service);
    std::vector<const Pending*> merged = list;
    merged.insert(merged.end(), global.begin(), global.end());
    std::stable_sort(merged.begin(), merged.end(),
                     [](const Pending* a, const Pending* b) { return a->order < b->order; });
    for (std::size_t i = 0; i < merged.size(); ++i) {
      // A statement both global and named for this service appears once, with
      // its names for the service (MatchesAction also tries its full globs).
      if (i + 1 < merged.size() && merged[i + 1]->order == merged[i]->order) {
        const Pending* named = merged[i]->service.empty() ? merged[i + 1] : merged[i];
        e.candidates.push_back(named->candidate);
        ++i;
        continue;
      }
      e.candidates.push_back(merged[i]->candidate);
    }
    entries_.push_back(std::move(e));
  }
  pending_.clear();
  pending_.shrink_to_fit();
  std::size_t size = 4;
  while (size < entries_.size() * 2) {
    size *= 2;
  }
  slots_.assign(size, Slot{});
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t mask = size - 1;
    std::size_t i = entries_[e].hash & mask;
    while (slots_[i].entry >= 0) {
      i = (i + 1) & mask;
    }
    slots_[i] = Slot{entries_[e].hash, static_cast<std::int32_t>(e)};
  }
}

}  // namespace portcullis::eval
