// Islands, strategies, the error-bound schedule and the archive of
// feasible improvements.
#include "ga.hpp"

#include "substitute.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <thread>

namespace flowrun::approx {

double GaParams::eps_at(std::uint64_t generation) const {
  if (eps_tau <= 0) return eps_end;
  return eps_end + (eps_start - eps_end) * std::exp(-static_cast<double>(generation) / eps_tau);
}

Bounds GaParams::bounds_at(std::uint64_t generation) const {
  Bounds b = final_bounds();
  b.eps = eps_at(generation);
  return b;
}

Bounds GaParams::final_bounds() const {
  Bounds b;
  b.eps = eps_end;
  b.max_nmed = max_nmed;
  b.max_er = max_er;
  b.max_mre = max_mre;
  b.max_wmed = max_wmed;
  b.penalty = penalty;
  return b;
}

double default_substitute_rate(double eps_end) { return eps_end >= 0.01 ? 0.2 : 0.0; }

Genome crossover(const Genome& a, const Genome& b, Rng& rng) {
  Genome c;
  c.n_inputs = a.n_inputs;
  const std::uint32_t fg = a.first_gate();
  const auto na = static_cast<std::uint32_t>(a.gates.size());
  const auto nb = static_cast<std::uint32_t>(b.gates.size());
  const std::uint32_t ca = rng.below(na + 1);
  const std::uint32_t cb = na ? static_cast<std::uint32_t>((std::uint64_t{ca} * nb) / na) : 0;
  c.gates.assign(a.gates.begin(), a.gates.begin() + ca);
  for (auto& g : c.gates) g.modified = 0;
  // A signal of b, seen from the child: b's tail follows a's head; gates of
  // b's head map proportionally onto a's head.
  auto map_b = [&](std::uint32_t s) -> std::uint32_t {
    if (s < fg) return s;
    const std::uint32_t j = s - fg;
    if (j >= cb) return fg + ca + (j - cb);
    if (ca == 0) return 2 + rng.below(a.n_inputs);
    return fg + static_cast<std::uint32_t>((std::uint64_t{j} * ca) / std::max<std::uint32_t>(cb, 1));
  };
  for (std::uint32_t j = cb; j < nb; ++j) {
    Gate g = b.gates[j];
    for (int k = 0; k < g.arity; ++k) g.in[k] = map_b(g.in[k]);
    g.origin = -1;
    g.modified = 1;
    c.gates.push_back(g);
  }
  c.outputs.resize(b.outputs.size());
  for (std::size_t k = 0; k < b.outputs.size(); ++k) c.outputs[k] = map_b(b.outputs[k]);
  return c;
}

std::vector<int> migration_plan(const std::vector<double>& best, const std::vector<double>& worst,
                                Migration migration) {
  const auto n = static_cast<int>(best.size());
  std::vector<int> from(best.size(), -1);
  auto offer = [&](int src, int dst) {
    if (src != dst && best[static_cast<std::size_t>(src)] < worst[static_cast<std::size_t>(dst)]) {
      from[static_cast<std::size_t>(dst)] = src;
    }
  };
  if (migration == Migration::Broadcast) {
    const auto top = static_cast<int>(std::min_element(best.begin(), best.end()) - best.begin());  // first on ties
    for (int i = 0; i < n; ++i) offer(top, i);
  } else {
    for (int i = 0; i < n; ++i) offer((i + n - 1) % n, i);
  }
  return from;
}

namespace {

using Clock = std::chrono::steady_clock;

void prune_individual(Individual& ind) {
  const auto map = prune_inactive(ind.genome);
  std::vector<SharedWords> values(ind.genome.gates.size());
  for (std::size_t i = 0; i < map.size(); ++i) {
    if (map[i] >= 0) values[static_cast<std::size_t>(map[i])] = std::move(ind.values[i]);
  }
  ind.values.swap(values);
  ind.genome.make_parent();
  index_individual(ind);
}

struct Island {
  Island(const Problem& p, const std::vector<GateKind>& k) : cur(p, k), best(p, k) {}
  std::vector<Individual> pop;  // sorted by fitness (best first)
  Genome child, best_child;     // (1+lambda) offspring buffers, reused
  Evaluator cur, best;
  Rng rng;
  EvalCounters counters;
  SubstituteCache substitute_cache;
  std::uint64_t next_serial = 0;  // island index << 40 | count
  // The best member the last re-mapping started from or produced: the
  // same circuit would be re-mapped the same way again.
  std::uint64_t remapped_serial = ~std::uint64_t{0};
  std::uint64_t new_serial() { return ++next_serial; }
};

class Engine {
 public:
  Engine(const Problem& p, const std::vector<GateKind>& kinds, const std::vector<std::uint16_t>& allowed,
         const GaParams& params, std::size_t seed_gates)
      : p_(p), kinds_(kinds), params_(params), seed_gates_(seed_gates) {
    mut_.kinds = &kinds;
    mut_.allowed = allowed;
    mut_.weights = params.weights;
    mut_.max_gates = static_cast<std::uint32_t>(
        std::max<double>(16.0, params.max_gate_factor * static_cast<double>(std::max<std::size_t>(seed_gates, 8))));
    track_ = params.final_bounds().tracks_sums();
  }

  // Fitness of a member under this generation's bounds; computes exact
  // error stats when an upper bound no longer proves feasibility.
  void refresh(Evaluator& ev, Individual& ind, const Bounds& b) const {
    if (!ind.stats.wce_exact && ind.stats.wce_abs > b.wce_threshold(p_)) {
      ind.stats = ev.exact_stats(ind, track_);
    }
    ind.fitness = ind.cost() + b.penalty * bound_excess(p_, b, ind.stats);
  }

  // Copies parent into child (reusing child's storage) and mutates it.
  // A substitution needs the parent's values and gate indices, so it can
  // only be the first mutation.
  void make_offspring(const Individual& parent, Genome& child, Island& is) const {
    Rng& rng = is.rng;
    child = parent.genome;
    const std::uint32_t n = 1 + rng.below(std::max<std::uint32_t>(params_.max_mutations, 1));
    std::uint32_t m = 0;
    if (params_.substitute_rate > 0 && rng.uniform() < params_.substitute_rate &&
        substitute_similar(child, parent, p_, rng, is.substitute_cache)) {
      ++m;
    }
    for (; m < n; ++m) mut_.mutate(child, rng);
  }

  Genome offspring_genome(const Individual& parent, Island& is) const {
    Genome child;
    make_offspring(parent, child, is);
    return child;
  }

  // Inactive gates are the material of neutral drift (a rewire can bring
  // one back); only a large inactive share is pruned, to keep mutations
  // landing on active gates.
  void maybe_prune(Individual& ind) const {
    const std::size_t inactive = ind.genome.gates.size() - ind.active_gates;
    if (inactive > 8 + ind.active_gates / 4) prune_individual(ind);
  }

  void step_one_plus_lambda(Island& is, std::uint64_t gen) const {
    const Bounds b = params_.bounds_at(gen);
    Individual& parent = is.pop[0];
    refresh(is.cur, parent, b);
    Genome& best_child = is.best_child;
    Genome& child = is.child;
    Evaluation best_eval;
    bool have = false;
    for (std::uint32_t j = 0; j < params_.pop_size; ++j) {
      make_offspring(parent, child, is);
      const double limit = have ? best_eval.fitness : parent.fitness;
      const Evaluation e = is.cur.evaluate(child, parent, b, limit);
      is.counters.count(e);
      if (e.outcome != Outcome::Evaluated && e.outcome != Outcome::Skipped) continue;
      // Neutral drift: an offspring as good as the parent replaces it.
      if (have ? e.fitness < best_eval.fitness : e.fitness <= parent.fitness) {
        std::swap(best_child, child);  // both keep their storage for the next offspring
        best_eval = e;
        have = true;
        std::swap(is.cur, is.best);
      }
    }
    if (have) {
      Individual next = is.best.adopt(best_child, parent, best_eval);
      next.serial = is.new_serial();
      maybe_prune(next);
      parent = std::move(next);
    }
  }

  std::size_t tournament(Island& is) const {
    const auto n = static_cast<std::uint32_t>(is.pop.size());
    const std::size_t x = is.rng.below(n), y = is.rng.below(n);
    return std::min(x, y);  // the population is sorted, best first
  }

  void step_mu_plus_lambda(Island& is, std::uint64_t gen) const {
    const Bounds b = params_.bounds_at(gen);
    for (auto& ind : is.pop) refresh(is.cur, ind, b);
    std::stable_sort(is.pop.begin(), is.pop.end(),
                     [](const Individual& x, const Individual& y) { return x.fitness < y.fitness; });
    const std::size_t mu = is.pop.size();
    const std::size_t elites = std::min(mu, std::max<std::size_t>(1, static_cast<std::size_t>(
                                                                          std::lround(params_.elite_ratio * static_cast<double>(mu)))));
    const double worst = is.pop.back().fitness;
    std::vector<Individual> offspring;
    for (std::uint32_t j = 0; j < params_.pop_size; ++j) {
      const std::size_t pa = tournament(is);
      Genome child;
      if (params_.crossover > 0 && is.rng.uniform() < params_.crossover) {
        const std::size_t pb = tournament(is);
        child = crossover(is.pop[pa].genome, is.pop[pb].genome, is.rng);
        const std::uint32_t n = is.rng.below(std::max<std::uint32_t>(params_.max_mutations, 1) + 1);
        for (std::uint32_t m = 0; m < n; ++m) mut_.mutate(child, is.rng);
      } else {
        child = offspring_genome(is.pop[pa], is);
      }
      const Evaluation e = is.cur.evaluate(child, is.pop[pa], b, worst);
      is.counters.count(e);
      if (e.outcome != Outcome::Evaluated && e.outcome != Outcome::Skipped) continue;
      Individual ind = is.cur.adopt(std::move(child), is.pop[pa], e);
      ind.serial = is.new_serial();
      maybe_prune(ind);
      offspring.push_back(std::move(ind));
    }
    // Elites stay; the other places go to the best of the offspring and the
    // remaining members, offspring first on equal fitness.
    std::vector<Individual> rest;
    for (auto& o : offspring) rest.push_back(std::move(o));
    for (std::size_t i = elites; i < mu; ++i) rest.push_back(std::move(is.pop[i]));
    std::stable_sort(rest.begin(), rest.end(),
                     [](const Individual& x, const Individual& y) { return x.fitness < y.fitness; });
    is.pop.resize(elites);
    for (std::size_t i = 0; i < rest.size() && is.pop.size() < mu; ++i) is.pop.push_back(std::move(rest[i]));
  }

  enum class RemapOutcome { Unchanged, None, Wrong, Costlier, Adopted };

  // Offers the island's best to `remap` (unless it was offered or produced
  // by the last re-mapping); a result with the same outputs and no higher
  // cost replaces the island's worst member (in (1+lambda): the parent).
  RemapOutcome remap_island(Island& is, int index, std::uint64_t gen, const RemapFn& remap) const {
    const Individual& best = is.pop.front();
    if (best.serial == is.remapped_serial) return RemapOutcome::Unchanged;
    is.remapped_serial = best.serial;
    Genome g = best.genome;
    prune_inactive(g);
    std::optional<Genome> r = remap(g, index);
    if (!r) return RemapOutcome::None;
    Individual ind = is.cur.build(std::move(*r), params_.bounds_at(gen));
    if (!same_outputs(p_, ind, best)) return RemapOutcome::Wrong;
    if (ind.cost_units > best.cost_units) return RemapOutcome::Costlier;
    ind.serial = is.remapped_serial = is.new_serial();
    maybe_prune(ind);
    is.pop.back() = std::move(ind);
    return RemapOutcome::Adopted;
  }

  void run_epoch(Island& is, std::uint64_t from, std::uint64_t to) const {
    for (std::uint64_t g = from; g < to; ++g) {
      if (params_.strategy == Strategy::OnePlusLambda) step_one_plus_lambda(is, g);
      else step_mu_plus_lambda(is, g);
    }
  }

  const Problem& p_;
  const std::vector<GateKind>& kinds_;
  const GaParams& params_;
  std::size_t seed_gates_ = 0;
  Mutator mut_;
  bool track_ = false;
};

}  // namespace

GaResult run_ga(const Problem& problem, const std::vector<GateKind>& kinds,
                const std::vector<std::uint16_t>& allowed, const Genome& seed, const GaParams& params,
                const ProgressFn& progress, const RemapFn& remap) {
  const auto t0 = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  Engine engine(problem, kinds, allowed, params, seed.gates.size());
  const int n_islands = params.island_count();
  // Islands are dealt to threads round-robin; a thread runs its islands'
  // epochs one after the other, so results do not depend on the thread count.
  const int n_threads = params.thread_count();
  const Bounds final_b = params.final_bounds();
  const bool track = engine.track_;

  std::vector<std::unique_ptr<Island>> islands;
  {
    Evaluator ev(problem, kinds);
    Individual first = ev.build(seed, params.bounds_at(0));
    prune_individual(first);
    const std::size_t mu = params.strategy == Strategy::MuPlusLambda ? std::max<std::uint32_t>(params.pop_size, 1) : 1;
    for (int i = 0; i < n_islands; ++i) {
      auto is = std::make_unique<Island>(problem, kinds);
      is->rng = Rng(params.seed, static_cast<std::uint64_t>(i));
      is->next_serial = static_cast<std::uint64_t>(i) << 40;
      is->pop.assign(mu, first);
      islands.push_back(std::move(is));
    }
  }

  // Runs fn(island) for every island, each on the thread that owns it; an
  // exception (from a RemapFn) is rethrown here, the first island's first.
  auto for_each_island = [&](const std::function<void(int)>& fn) {
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n_islands));
    auto share = [&](int t) {
      for (int i = t; i < n_islands; i += n_threads) {
        try {
          fn(i);
        } catch (...) {
          errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
      }
    };
    std::vector<std::thread> workers;
    for (int t = 1; t < n_threads; ++t) workers.emplace_back(share, t);
    share(0);
    for (auto& w : workers) w.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  };

  GaResult res;
  Evaluator checker(problem, kinds);
  double best_feasible = std::numeric_limits<double>::infinity();
  // Adds an individual to the archive when it meets the final bounds and
  // is cheaper than everything archived so far.
  auto consider = [&](const Individual& ind) {
    if (ind.cost() >= best_feasible) return;
    const ErrorStats st = checker.exact_stats(ind, track);
    if (bound_excess(problem, final_b, st) > 0) return;
    best_feasible = ind.cost();
    Genome g = ind.genome;
    prune_inactive(g);
    res.improvements.push_back(g);
    res.best = std::move(g);
    res.best_cost = ind.cost();
    res.best_stats = st;
    res.found_feasible = true;
  };
  consider(islands[0]->pop[0]);

  std::uint64_t gen = 0;
  // Every island's best is offered to `remap`; adopted results join the
  // archive.
  auto remap_all = [&] {
    if (!remap) return;
    std::vector<Engine::RemapOutcome> outcome(islands.size());
    for_each_island([&](int i) {
      outcome[static_cast<std::size_t>(i)] = engine.remap_island(*islands[static_cast<std::size_t>(i)], i, gen, remap);
    });
    for (std::size_t i = 0; i < islands.size(); ++i) {
      if (outcome[i] == Engine::RemapOutcome::Unchanged) continue;
      ++res.remaps;
      if (outcome[i] == Engine::RemapOutcome::Wrong) ++res.remaps_wrong;
      if (outcome[i] == Engine::RemapOutcome::Adopted) {
        ++res.remaps_adopted;
        consider(islands[i]->pop.back());
      }
    }
  };

  const std::uint64_t epoch = std::max<std::uint64_t>(params.log_every, 1);
  bool cancelled = false;
  std::uint64_t last_total = 0;
  double last_t = elapsed();
  while (gen < params.generations) {
    const std::uint64_t to = std::min(params.generations, gen + epoch);
    for_each_island([&](int i) { engine.run_epoch(*islands[static_cast<std::size_t>(i)], gen, to); });
    gen = to;

    // Serial part: archive, migration, log, stopping.
    std::size_t best_island = 0;
    for (std::size_t i = 0; i < islands.size(); ++i) {
      for (const auto& ind : islands[i]->pop) consider(ind);
      if (islands[i]->pop[0].fitness < islands[best_island]->pop[0].fitness) best_island = i;
    }
    if (params.migrate_every > 0 && n_islands > 1 && gen % params.migrate_every < epoch && gen < params.generations) {
      std::vector<double> best, worst;
      for (const auto& is : islands) {
        best.push_back(is->pop.front().fitness);
        worst.push_back(is->pop.back().fitness);
      }
      const std::vector<int> from = migration_plan(best, worst, params.migration);
      // Copies first: in a ring an island both sends and receives.
      std::vector<Individual> sent;
      for (const int src : from) {
        if (src >= 0) sent.push_back(islands[static_cast<std::size_t>(src)]->pop.front());
      }
      for (std::size_t i = 0, k = 0; i < islands.size(); ++i) {
        if (from[i] >= 0) islands[i]->pop.back() = std::move(sent[k++]);
      }
    }
    if (params.remap_every > 0 && gen % params.remap_every < epoch && gen < params.generations) remap_all();
    EvalCounters total;
    for (const auto& is : islands) total.add(is->counters);
    const double now = elapsed();
    GaProgress pr;
    pr.generation = gen;
    pr.seconds = now;
    const Individual& bi = islands[best_island]->pop[0];
    pr.best_cost = bi.cost();
    pr.best_wce = static_cast<double>(checker.exact_stats(bi, false).wce_abs) / problem.normalizer;
    pr.eps = params.eps_at(gen);
    pr.gates = bi.active_gates;
    pr.evaluations_per_second = now > last_t ? static_cast<double>(total.total() - last_total) / (now - last_t) : 0;
    pr.best_feasible_cost = best_feasible;
    for (const auto& is : islands) {
      const Individual& ib = is->pop[0];
      pr.island_cost.push_back(ib.cost());
      pr.island_wce.push_back(&ib == &bi ? pr.best_wce
                                          : static_cast<double>(checker.exact_stats(ib, false).wce_abs) /
                                                problem.normalizer);
    }
    last_total = total.total();
    last_t = now;
    res.log.push_back(pr);
    const bool go_on = progress ? progress(pr) : true;
    if (!go_on) {
      cancelled = true;
      break;
    }
    if (params.time_budget_s > 0 && now >= params.time_budget_s) break;
  }
  // A last re-mapping of where every island ended (the search is over, so
  // only the archive gains).
  if (params.remap_every > 0 && !cancelled) remap_all();
  for (const auto& is : islands) res.counters.add(is->counters);
  res.generations = gen;
  res.seconds = elapsed();
  return res;
}

}  // namespace flowrun::approx
