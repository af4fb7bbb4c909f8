// approx.ga: evolves an approximate multiplier netlist from an exact seed
// (or a random circuit) under error bounds, minimizing transistors or area.
#include "abc_remap.hpp"
#include "evolution_plot.hpp"
#include "ga.hpp"
#include "lut.hpp"
#include "netlist_bridge.hpp"

#include <flowrun/sdk.hpp>
#include <flowrun_gates/error_metrics.hpp>
#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace flowrun::approx {
namespace {

// counts.csv of a folder (profile.operands' operand_counts) or the file itself.
fs::path weights_file(const fs::path& in) { return fs::is_directory(in) ? in / "counts.csv" : in; }

// The operand distribution: 2^a_width lines of 2^b_width comma-separated
// numbers >= 0 (row = a's bit pattern, as lut.csv), in assignment order.
// A counts.json next to it must describe the same signedness.
std::vector<double> read_weight_table(const fs::path& in, int aw, int bw, bool is_signed) {
  const fs::path file = weights_file(in);
  if (fs::is_directory(in) && fs::exists(in / "counts.json")) {
    std::ifstream js(in / "counts.json");
    json meta;
    try {
      meta = json::parse(js);
    } catch (const json::parse_error& e) {
      throw StageError((in / "counts.json").string() + ": not valid JSON (" + e.what() + ")");
    }
    const std::string mapping = meta.value("mapping", "");
    if ((mapping == "signed" && !is_signed) || (mapping == "sign_magnitude" && is_signed)) {
      throw StageError((in / "counts.json").string() + ": operand counts of mapping '" + mapping +
                       "' do not index a " + (is_signed ? "signed" : "unsigned") +
                       " multiplier (signed: true pairs with mapping signed, false with sign_magnitude)");
    }
  }
  std::ifstream f(file);
  if (!f) throw StageError(file.string() + ": cannot open the operand weights (a counts.csv file or its folder)");
  const std::size_t rows = std::size_t{1} << aw, cols = std::size_t{1} << bw;
  std::vector<double> t;
  t.reserve(rows * cols);
  std::string line;
  std::size_t r = 0;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() && f.peek() == EOF) break;
    ++r;
    if (r > rows) throw StageError(file.string() + ":" + std::to_string(r) + ": more than " + std::to_string(rows) + " rows");
    std::size_t c = 0, pos = 0;
    while (true) {
      const std::size_t end = std::min(line.find(',', pos), line.size());
      const std::string cell = line.substr(pos, end - pos);
      char* stop = nullptr;
      const double v = std::strtod(cell.c_str(), &stop);
      if (cell.empty() || *stop != '\0' || !std::isfinite(v) || v < 0)
        throw StageError(file.string() + ":" + std::to_string(r) + ":" + std::to_string(pos + 1) +
                         ": expected a count >= 0, got '" + cell + "'");
      t.push_back(v);
      ++c;
      if (end == line.size()) break;
      pos = end + 1;
    }
    if (c != cols)
      throw StageError(file.string() + ":" + std::to_string(r) + ": " + std::to_string(c) + " columns, expected " +
                       std::to_string(cols) + " (one per bit pattern of operand b)");
  }
  if (r != rows)
    throw StageError(file.string() + ": " + std::to_string(r) + " rows, expected " + std::to_string(rows) +
                     " (one per bit pattern of operand a)");
  return t;
}

ParamSpec p_int(std::string name, long def, double lo, double hi, std::string doc) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Int;
  p.default_value = def;
  p.min = lo;
  p.max = hi;
  p.doc = std::move(doc);
  return p;
}
ParamSpec p_float(std::string name, double def, double lo, double hi, std::string doc) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Float;
  p.default_value = def;
  p.min = lo;
  p.max = hi;
  p.doc = std::move(doc);
  return p;
}
ParamSpec p_choice(std::string name, std::string def, std::vector<std::string> choices, std::string doc) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::String;
  p.default_value = def;
  p.choices = std::move(choices);
  p.doc = std::move(doc);
  return p;
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

class ApproxGaStage : public Stage {
 public:
  ApproxGaStage() {
    spec_.kind = "approx.ga";
    // 2: costs summed in fixed point (cost: area results may differ in
    // the last bits from version 1, so old cache entries are not reused).
    // 3: islands apart from threads; the netlist header names the migration.
    // 4: substitute_rate (the netlist header lists it).
    // 5: remap_every (re-mapping with Yosys and ABC).
    // 6: any port and module names (a_port, b_port, y_port, module), cost
    //    auto, cost/seed_cost/cost_ratio metrics; operand weights and
    //    max_wmed.
    // 7: plots (GA evolution per island for report.html).
    spec_.version = "8";  // 8: no timings in evolution.csv and metrics.json
    spec_.summary = "Evolve an approximate multiplier netlist under error bounds (CGP-style (1+lambda) ES or (mu+lambda) GA)";
    spec_.doc =
        "Starts from an exact multiplier netlist over a Liberty cell library (input\n"
        "`netlist`: two operand inputs and one product output, found by their widths or\n"
        "named by a_port/b_port/y_port) or from a random circuit (init: random) and\n"
        "evolves it: gates are added, deleted, retyped, rewired and merged (and, with\n"
        "substitute_rate, a gate's readers moved to the signal closest to it), and every\n"
        "candidate is checked exhaustively on all input pairs (bit-parallel, only the\n"
        "changed cone re-simulated, abandoned as soon as it is certain to lose).\n"
        "Fitness = cost (transistors or area of the active gates; cost: auto takes\n"
        "transistors when the library gives flowrun_transistors, else area) while the relative\n"
        "worst-case error (WCE / largest exact product) is within eps(g) =\n"
        "eps_end + (eps_start - eps_end) * exp(-g / eps_tau); cost + penalty * excess\n"
        "otherwise. The emitted netlist always meets WCE <= eps_end and the optional\n"
        "max_nmed / max_er / max_mre bounds and, with the `weights` input (how often each\n"
        "operand pair is multiplied, e.g. profile.operands of the CNN flow), max_wmed on the\n"
        "distribution-weighted mean error (checked again with flowrun_gates'\n"
        "simulator and metrics); when nothing better is found it is the seed.\n"
        "Every remap_every generations each island's best circuit is re-mapped with\n"
        "Yosys and ABC onto the same cells (area = cost) and, when the result computes\n"
        "the same function for no more cost, the island goes on from it.\n"
        "Independent islands (default one per thread) exchange their best every\n"
        "migrate_every generations; the same seed, island count and generation count\n"
        "give byte-identical outputs whatever the thread count\n"
        "(time_budget_s stops at a machine-dependent generation). See docs/approx-ga.md.";
    spec_.inputs = {{.name = "netlist", .type = "netlist",
                     .doc = "exact seed multiplier: structural Verilog over the Liberty cells (two operand inputs, "
                            "one product output; any names, see a_port)",
                     .optional = true},
                    {.name = "weights", .type = "operand_counts",
                     .doc = "operand distribution for wmed/max_wmed: a folder with counts.csv (profile.operands) or a "
                            "CSV file, 2^a_width rows x 2^b_width columns of counts >= 0 in lut.csv order",
                     .optional = true}};
    spec_.outputs = {
        {.name = "netlist", .type = "netlist", .doc = "evolved multiplier, structural Verilog on the same cells",
         .file = "netlist.v"},
        {.name = "evolution", .type = "report", .doc = "best cost and WCE per logged generation",
         .file = "evolution.csv"},
        {.name = "lut", .type = "lut", .doc = "lut.csv (rows a, columns b) and lut.bin (int16 LE) of the products",
         .file = "lut/"},
        {.name = "metrics", .type = "report", .doc = "error metrics, cost and search statistics",
         .file = "metrics.json"},
        {.name = "plots", .type = "plot", .doc = "best cost and WCE per logged generation and island, for report.html",
         .file = "plots/"},
    };
    auto& ps = spec_.params;
    {
      ParamSpec p;
      p.name = "liberty";
      p.type = ParamType::Path;
      p.default_value = "${site.cell_library}";
      p.doc = "Liberty cell library of the netlist (costs come from its area and flowrun_transistors)";
      ps.push_back(p);
    }
    {
      auto p_str = [](const char* name, const char* doc) {
        ParamSpec p;
        p.name = name;
        p.type = ParamType::String;
        p.default_value = "";
        p.doc = doc;
        return p;
      };
      ps.push_back(p_str("a_port", "the seed's operand-a input port; empty: found (ports a and b when the module has them, "
                                   "else the input a_width bits wide, else the first declared input)"));
      ps.push_back(p_str("b_port", "the seed's operand-b input port; empty: the other input"));
      ps.push_back(p_str("y_port", "the seed's product output port (a_width + b_width bits); empty: the one output"));
      ps.push_back(p_str("module", "module name of the evolved netlist; empty: the seed's (init: random: mult_approx)"));
    }
    ps.push_back(p_choice("init", "netlist", {"netlist", "random"},
                          "start from the `netlist` input, or from a random circuit of random_gates gates"));
    ps.push_back(p_int("random_gates", 600, 1, 100000, "gates of the random initial circuit (init: random)"));
    ps.push_back(p_int("a_width", 8, 1, 10, "bits of operand a"));
    ps.push_back(p_int("b_width", 8, 1, 10, "bits of operand b"));
    {
      ParamSpec p;
      p.name = "signed";
      p.type = ParamType::Bool;
      p.default_value = true;
      p.doc = "operands and product are two's complement";
      ps.push_back(p);
    }
    {
      ParamSpec p;
      p.name = "gates";
      p.type = ParamType::StringList;
      p.default_value = json::array();
      p.doc = "cells the GA may use; empty: the cells of the seed netlist (init: random: every 1-2 input cell)";
      ps.push_back(p);
    }
    ps.push_back(p_choice("strategy", "one_plus_lambda", {"one_plus_lambda", "mu_plus_lambda"},
                          "(1+lambda) ES with neutral drift, or (mu+lambda) GA with elitism"));
    ps.push_back(p_int("generations", 200000, 0, 1e12,
                       "generations per island (the cap when time_budget_s is set); 0: no cap, time_budget_s decides"));
    ps.push_back(p_float("time_budget_s", 0, 0, 1e7, "stop after this many seconds (checked every log_every generations); 0: off"));
    ps.push_back(p_int("pop_size", 4, 1, 10000, "lambda (one_plus_lambda) or the population size (mu_plus_lambda)"));
    ps.push_back(p_float("elite_ratio", 0.1, 0, 1, "mu_plus_lambda: fraction of the population kept unconditionally"));
    ps.push_back(p_float("crossover", 0, 0, 1, "mu_plus_lambda: probability that an offspring comes from one-point crossover"));
    ps.push_back(p_int("max_mutations", 2, 1, 100, "mutations per offspring, uniform in 1..max_mutations"));
    ps.push_back(p_float("substitute_rate", -1, -1, 1,
                         "probability that an offspring's first mutation is a signal substitution (a gate's readers "
                         "moved to the signal closest to it on sampled inputs); -1: by the bound, 0.2 when eps_end >= "
                         "0.01 and 0 below (measured in docs/approx-ga.md)"));
    ps.push_back(p_float("w_add", 0.5, 0, 1e6, "weight of the add-a-gate mutation"));
    ps.push_back(p_float("w_delete", 1, 0, 1e6, "weight of the delete-a-gate mutation (readers bypass to one of its inputs)"));
    ps.push_back(p_float("w_change_type", 3, 0, 1e6, "weight of the change-gate-type mutation"));
    ps.push_back(p_float("w_rewire_input", 5, 0, 1e6, "weight of the rewire-a-gate-input mutation"));
    ps.push_back(p_float("w_rewire_output", 1, 0, 1e6, "weight of the rewire-an-output-bit mutation"));
    ps.push_back(p_float("w_merge", 0.5, 0, 1e6, "weight of the merge-structurally-equivalent-gates mutation"));
    ps.push_back(p_float("eps_start", 0, 0, 1e3, "relative WCE bound at generation 0"));
    ps.push_back(p_float("eps_end", 0.005, 0, 1e3, "relative WCE bound the result must meet (WCE / largest exact |product|)"));
    ps.push_back(p_float("eps_tau", 200, 0, 1e12, "time constant of the bound schedule, in generations (0: eps_end at once)"));
    ps.push_back(p_float("penalty", 1e6, 0, 1e15, "fitness penalty per unit of relative excess over a bound"));
    ps.push_back(p_float("max_nmed", 0, -1, 1e3, "bound on the normalized mean error distance; <= 0: off"));
    ps.push_back(p_float("max_er", 0, -1, 1, "bound on the error rate; <= 0: off"));
    ps.push_back(p_float("max_mre", 0, -1, 1e6, "bound on the mean relative error; <= 0: off"));
    ps.push_back(p_float("max_wmed", 0, -1, 1e3,
                         "bound on the operand-weighted mean error distance sum w|e| / (sum w * largest exact "
                         "|product|), weights from the `weights` input (needs it); <= 0: off"));
    ps.push_back(p_choice("cost", "auto", {"auto", "transistors", "area"},
                          "what the GA minimizes: Liberty flowrun_transistors or area; auto: transistors when every "
                          "cell the GA may use has flowrun_transistors, else area (metrics cost, seed_cost, cost_ratio "
                          "report the one minimized)"));
    ps.push_back(p_int("seed", 1, 0, 9.2e18, "random seed"));
    ps.push_back(p_int("threads", 0, 0, 1024, "worker threads the islands are spread over; 0: the stage's thread share"));
    ps.push_back(p_int("islands", 0, 0, 1024,
                       "independent searches (the result depends on it, not on threads); 0: one per thread"));
    ps.push_back(p_int("log_every", 1000, 1, 1e9, "generations between progress reports, evolution.csv rows and island syncs"));
    ps.push_back(p_int("migrate_every", 20000, 0, 1e12, "generations between migrations of island bests; 0: never"));
    ps.push_back(p_choice("migration", "broadcast", {"broadcast", "ring"},
                          "the best island's best goes to every other island, or each island's best to the next"));
    ps.push_back(p_int("remap_every", 2000000, 0, 1e12,
                       "generations between re-mappings of each island's best circuit with Yosys and ABC "
                       "(needs yosys); 0: never"));
    spec_.key_metrics = {"cost_ratio", "cost", "transistors", "wce", "nmed", "generations"};
  }

  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const fs::path lib_path = ctx.param<std::string>("liberty");
    if (lib_path.empty()) throw StageError("approx.ga: param liberty is empty and the site gives no cell_library");
    liberty::Library lib;
    try {
      lib = liberty::read_liberty(lib_path);
    } catch (const liberty::LibertyError& e) {
      throw StageError(e.what());
    }
    const int aw = static_cast<int>(ctx.param<long>("a_width"));
    const int bw = static_cast<int>(ctx.param<long>("b_width"));
    const bool is_signed = ctx.param<bool>("signed");
    if (aw + bw > 20) throw StageError("approx.ga: a_width + b_width must be at most 20, got " + std::to_string(aw + bw));
    const bool random_init = ctx.param<std::string>("init") == "random";
    auto wanted = ctx.param<std::vector<std::string>>("gates");

    gates::Netlist seed_nl;
    MultPorts ports;  // the seed's operand and product ports (a, b, y for init: random)
    std::string seed_desc;
    std::string seed_hash = "none";
    if (!random_init) {
      if (!ctx.has_input("netlist")) throw StageError("approx.ga: input `netlist` is required unless init: random");
      const fs::path in = ctx.input("netlist");
      seed_nl = gates::read_netlist(in, lib);
      ports = find_mult_ports(seed_nl, aw, bw,
                              {ctx.param<std::string>("a_port"), ctx.param<std::string>("b_port"),
                               ctx.param<std::string>("y_port")},
                              in.string());
      seed_desc = in.filename().string();
      seed_hash = ctx.input_sha256("netlist");
      if (wanted.empty()) {
        for (const auto& g : seed_nl.gates) {
          if (std::find(wanted.begin(), wanted.end(), g.cell) == wanted.end()) wanted.push_back(g.cell);
        }
        std::sort(wanted.begin(), wanted.end());
      }
    } else {
      seed_nl = template_netlist("mult_approx", aw, bw, cells_of_library(lib));
      seed_desc = "a random circuit";
    }
    if (const std::string module = ctx.param<std::string>("module"); !module.empty()) {
      if (gates::sanitize_identifier(module) != module)
        throw StageError("approx.ga: param module: '" + module + "' is not a plain Verilog identifier");
      seed_nl.module = module;
    }

    // cost: auto minimizes transistors when the library counts them for every
    // cell the GA may use (flowrun's cells), else area (a foundry PDK).
    auto has_transistors = [&](const std::string& cell) {
      const liberty::LibCell* lc = lib.find(cell);
      return lc && lc->transistors >= 0;
    };
    CostModel cost_model = CostModel::Transistors;
    const std::string cost_param = ctx.param<std::string>("cost");
    if (cost_param == "area") {
      cost_model = CostModel::Area;
    } else if (cost_param == "auto") {
      std::vector<std::string> usable = wanted;
      if (usable.empty()) {
        for (const auto& [name, cell] : seed_nl.cells) {
          if (!cell.inputs.empty() && cell.inputs.size() <= 2) usable.push_back(name);
        }
      }
      if (usable.empty() || !std::all_of(usable.begin(), usable.end(), has_transistors)) cost_model = CostModel::Area;
      ctx.info(std::string("cost: auto -> ") + (cost_model == CostModel::Area
                                                    ? "area (the library gives no flowrun_transistors for every cell)"
                                                    : "transistors (flowrun_transistors of the library)"));
    }

    std::vector<GateKind> kinds;
    try {
      kinds = kinds_from_cells(seed_nl, cost_model, &lib, wanted);
    } catch (const std::runtime_error& e) {
      throw StageError(e.what());
    }
    std::vector<std::uint16_t> allowed;
    for (const auto& name : wanted) {
      const int k = kind_index(kinds, name);
      if (k < 0) {
        throw StageError(lib_path.string() + ": cell '" + name +
                         "' (param gates) is not a combinational one-output cell with 1 or 2 inputs in this library");
      }
      allowed.push_back(static_cast<std::uint16_t>(k));
    }
    if (random_init && allowed.empty()) {
      for (std::size_t k = 0; k < kinds.size(); ++k) allowed.push_back(static_cast<std::uint16_t>(k));
    }
    if (allowed.empty()) throw StageError(lib_path.string() + ": no usable cells (1 or 2 inputs, one output)");

    GaParams gp;
    gp.strategy = ctx.param<std::string>("strategy") == "mu_plus_lambda" ? Strategy::MuPlusLambda : Strategy::OnePlusLambda;
    const auto generations = static_cast<std::uint64_t>(ctx.param<long>("generations"));
    gp.time_budget_s = ctx.param<double>("time_budget_s");
    if (generations == 0 && gp.time_budget_s <= 0)
      throw StageError("approx.ga: generations 0 (no cap) needs a time_budget_s > 0 to stop");
    gp.generations = generations == 0 ? std::numeric_limits<std::uint64_t>::max() : generations;
    gp.pop_size = static_cast<std::uint32_t>(ctx.param<long>("pop_size"));
    gp.elite_ratio = ctx.param<double>("elite_ratio");
    gp.crossover = ctx.param<double>("crossover");
    gp.max_mutations = static_cast<std::uint32_t>(ctx.param<long>("max_mutations"));
    const char* wnames[] = {"w_add", "w_delete", "w_change_type", "w_rewire_input", "w_rewire_output", "w_merge"};
    double wsum = 0;
    for (int i = 0; i < 6; ++i) wsum += gp.weights.w[i] = ctx.param<double>(wnames[i]);
    if (wsum <= 0) throw StageError("approx.ga: every mutation weight is 0; give at least one a positive weight");
    gp.eps_start = ctx.param<double>("eps_start");
    gp.eps_end = ctx.param<double>("eps_end");
    const double substitute_rate = ctx.param<double>("substitute_rate");
    gp.substitute_rate = substitute_rate >= 0 ? substitute_rate : default_substitute_rate(gp.eps_end);
    gp.eps_tau = ctx.param<double>("eps_tau");
    gp.penalty = ctx.param<double>("penalty");
    gp.max_nmed = ctx.param<double>("max_nmed");
    gp.max_er = ctx.param<double>("max_er");
    gp.max_mre = ctx.param<double>("max_mre");
    gp.max_wmed = ctx.param<double>("max_wmed");
    if (gp.max_wmed > 0 && !ctx.has_input("weights"))
      throw StageError("approx.ga: max_wmed needs the `weights` input (the operand distribution, e.g. profile.operands' "
                       "counts)");
    gp.seed = static_cast<std::uint64_t>(ctx.param<long>("seed"));
    const long threads = ctx.param<long>("threads");
    gp.threads = threads > 0 ? static_cast<int>(threads) : std::max(1, ctx.threads());
    gp.log_every = static_cast<std::uint64_t>(ctx.param<long>("log_every"));
    gp.migrate_every = static_cast<std::uint64_t>(ctx.param<long>("migrate_every"));
    gp.islands = static_cast<int>(ctx.param<long>("islands"));
    gp.migration = ctx.param<std::string>("migration") == "ring" ? Migration::Ring : Migration::Broadcast;
    gp.remap_every = static_cast<std::uint64_t>(ctx.param<long>("remap_every"));

    std::vector<int> kbit;
    Genome seed;
    if (!random_init) {
      seed = genome_from_netlist(seed_nl, kinds, seed_desc, kbit, ports);
    } else {
      Rng rng(gp.seed, 0xFFFFFFFFull);
      seed = random_genome(static_cast<std::uint32_t>(aw + bw), static_cast<std::uint32_t>(aw + bw),
                           static_cast<std::uint32_t>(ctx.param<long>("random_gates")), kinds, allowed, rng);
    }
    Problem problem = make_problem(aw, bw, is_signed, kbit);
    if (ctx.has_input("weights")) {
      try {
        set_weights(problem, read_weight_table(ctx.input("weights"), aw, bw, is_signed));
      } catch (const std::invalid_argument& e) {
        throw StageError(ctx.input("weights").string() + ": " + e.what());
      }
    }

    std::vector<std::uint8_t> act;
    mark_active(seed, act);
    double seed_transistors = 0, seed_area = 0;
    std::size_t seed_cells = 0;
    for (std::size_t i = 0; i < seed.gates.size(); ++i) {
      if (!act[i]) continue;
      seed_transistors += kinds[seed.gates[i].kind].transistors;
      seed_area += kinds[seed.gates[i].kind].area;
      ++seed_cells;
    }
    ctx.info("seed: " + seed_desc + " (module " + seed_nl.module + ", operands " + ports.a + ", " + ports.b +
             ", product " + ports.y + "), " + std::to_string(seed_cells) + " active cells, " +
             (cost_model == CostModel::Transistors ? fmt(seed_transistors) + " transistors, " : std::string()) +
             "area " + fmt(seed_area) + "; " + std::to_string(gp.island_count()) + " island(s) on " +
             std::to_string(gp.thread_count()) + " thread(s), strategy " +
             ctx.param<std::string>("strategy") + ", substitute_rate " + fmt(gp.substitute_rate));

    std::optional<AbcRemap> abc_remap;
    RemapFn remap;
    if (gp.remap_every > 0) {
      abc_remap.emplace(ctx, kinds, allowed, seed_nl, problem.input_kbit, ctx.work_dir() / "remap", ports);
      remap = [&](const Genome& best, int island) { return (*abc_remap)(best, island); };
    }

    // evolution.csv is a result (same seed and generations, same file);
    // the search speed along the way goes to the log.
    std::ofstream evo(ctx.output("evolution"));
    evo << "generation,best_cost,best_wce,eps,gates\n";
    const GaResult res = run_ga(problem, kinds, allowed, seed, gp, [&](const GaProgress& p) {
      evo << p.generation << ',' << fmt(p.best_cost) << ',' << fmt(p.best_wce) << ',' << fmt(p.eps) << ','
          << p.gates << '\n';
      ctx.log(LogLevel::Debug, "generation " + std::to_string(p.generation) + " at " + fmt(p.seconds) + " s, " +
                fmt(std::round(p.evaluations_per_second)) + " evaluations/s");
      double frac = generations ? static_cast<double>(p.generation) / static_cast<double>(gp.generations) : 0.0;
      if (gp.time_budget_s > 0) frac = std::max(frac, p.seconds / gp.time_budget_s);
      ctx.progress(std::min(1.0, frac), "generation " + std::to_string(p.generation) + ", best cost " +
                                            fmt(p.best_cost) + ", WCE " + fmt(p.best_wce) + ", eps " + fmt(p.eps) +
                                            ", best feasible " + fmt(p.best_feasible_cost));
      return !ctx.cancelled();
    }, remap);
    evo.close();
    if (ctx.cancelled()) throw StageError("approx.ga: cancelled");
    // A timed run that the generation cap ended early is almost always a
    // forgotten `generations: 0`; say so rather than quietly use 1% of it.
    if (gp.time_budget_s > 0 && res.generations >= gp.generations && res.seconds < 0.9 * gp.time_budget_s) {
      ctx.warn("stopped at the generation cap (" + std::to_string(gp.generations) + ") after " + fmt(res.seconds) +
               " s of the " + fmt(gp.time_budget_s) + " s time_budget_s; set generations: 0 to run for the whole budget");
    }

    // Independent check with flowrun_gates' simulator and metrics, newest
    // improvement first; the emitted netlist must meet every bound.
    gates::Netlist out;
    ProductTable table;
    gates::ErrorMetrics em;
    double wmed = 0;
    bool ok = false;
    std::size_t fallbacks = 0;
    for (auto it = res.improvements.rbegin(); it != res.improvements.rend() && !ok; ++it) {
      out = netlist_from_genome(*it, kinds, seed_nl);
      table = product_table(out, aw, bw, is_signed, ports.a, ports.y);
      em = table_metrics(table);
      wmed = weighted_med(problem, table.values);
      ok = em.wce <= gp.eps_end && (gp.max_nmed <= 0 || em.nmed <= gp.max_nmed) &&
           (gp.max_er <= 0 || em.er <= gp.max_er) && (gp.max_mre <= 0 || em.mre <= gp.max_mre) &&
           (gp.max_wmed <= 0 || wmed <= gp.max_wmed);
      if (!ok) {
        ++fallbacks;
        ctx.warn("candidate with " + std::to_string(out.gates.size()) + " cells fails the independent error check (wce " +
                 fmt(em.wce) + "); falling back to an earlier one");
      }
    }
    if (!ok) {
      throw StageError("approx.ga: no circuit meeting the error bounds was found" +
                       std::string(random_init ? " (the random initial circuit never reached them; raise generations or "
                                                 "time_budget_s, or start from a netlist)"
                                               : " (the seed netlist itself does not meet them: is it an exact " +
                                                     std::to_string(aw) + "x" + std::to_string(bw) + " multiplier?)"));
    }

    double transistors = 0;
    for (const auto& g : out.gates) transistors += out.cell(g.cell).transistors;
    const double area = out.total_area();
    // Transistor counts are reported only when the library gives them for
    // every cell of the seed and the result (a PDK library usually does not;
    // a 0 would read as a free circuit).
    bool counts_known = true;
    for (const auto& g : out.gates) counts_known = counts_known && has_transistors(g.cell);
    for (std::size_t i = 0; i < seed.gates.size(); ++i) {
      if (act[i]) counts_known = counts_known && has_transistors(kinds[seed.gates[i].kind].name);
    }
    const bool by_area = cost_model == CostModel::Area;
    const double cost = by_area ? area : transistors;
    const double seed_cost = by_area ? seed_area : seed_transistors;
    const double cost_ratio = seed_cost > 0 ? cost / seed_cost : 0;
    const double eps_per_s = res.seconds > 0 ? static_cast<double>(res.counters.total()) / res.seconds : 0;

    json metrics = gates::to_json(em);
    if (problem.weighted()) metrics["wmed"] = wmed;
    metrics["cost_model"] = by_area ? "area" : "transistors";
    metrics["cost"] = cost;
    metrics["seed_cost"] = seed_cost;
    metrics["cost_ratio"] = cost_ratio;
    if (counts_known) metrics["transistors"] = transistors;
    metrics["cells"] = out.gates.size();
    metrics["area"] = area;
    if (counts_known) metrics["seed_transistors"] = seed_transistors;
    metrics["seed_cells"] = seed_cells;
    metrics["seed_area"] = seed_area;
    if (counts_known) metrics["transistor_ratio"] = seed_transistors > 0 ? transistors / seed_transistors : 0;
    metrics["area_ratio"] = seed_area > 0 ? area / seed_area : 0;
    metrics["generations"] = res.generations;
    metrics["evaluations"] = res.counters.total();
    metrics["evaluations_full"] = res.counters.full;
    metrics["evaluations_incremental"] = res.counters.incremental;
    metrics["evaluations_early_rejected"] = res.counters.early_rejected;
    metrics["evaluations_skipped_inactive"] = res.counters.skipped_inactive;
    metrics["evaluations_cost_rejected"] = res.counters.cost_rejected;
    metrics["islands"] = gp.island_count();
    metrics["substitute_rate"] = gp.substitute_rate;
    metrics["remaps"] = res.remaps;
    metrics["remaps_adopted"] = res.remaps_adopted;
    metrics["remaps_wrong"] = res.remaps_wrong;
    metrics["independent_check_fallbacks"] = fallbacks;
    for (auto it = metrics.begin(); it != metrics.end(); ++it) ctx.metric(it.key(), it.value());
    // Times are stage metrics only (report.json, the manifest), never in
    // the metrics.json artifact: reruns must give identical files.
    ctx.metric("seconds", res.seconds);
    ctx.metric("evaluations_per_second", eps_per_s);
    {
      std::ofstream mf(ctx.output("metrics"));
      mf << metrics.dump(2) << '\n';
      if (!mf) throw StageError("cannot write " + ctx.output("metrics").string());
    }

    // Provenance header: deterministic content only (no timings), so the
    // same seed, thread count and generation count give the same file.
    std::ostringstream h;
    h << "Approximate " << aw << "x" << bw << (is_signed ? " signed" : " unsigned")
      << " multiplier evolved by flowrun approx.ga (version " << spec_.version << ")\n";
    const std::string unit = by_area ? " area" : " transistors";
    h << "seed: " << seed_desc << " (sha256 " << seed_hash << "), " << seed_cells << " cells, " << fmt(seed_cost)
      << unit << "\n";
    h << "cell library: " << lib.name << " (" << lib_path.filename().string() << ")\n";
    h << "params:";
    for (const auto& name : {"strategy", "generations", "pop_size", "elite_ratio", "crossover", "max_mutations",
                             "substitute_rate", "w_add", "w_delete", "w_change_type", "w_rewire_input",
                             "w_rewire_output", "w_merge", "eps_start", "eps_end", "eps_tau", "penalty", "max_nmed",
                             "max_er", "max_mre", "max_wmed", "cost", "seed", "migrate_every", "migration", "remap_every"}) {
      h << ' ' << name << '=' << ctx.params().at(name).dump();
    }
    h << " islands=" << gp.island_count() << " substitute_rate_used=" << fmt(gp.substitute_rate) << "\n";
    h << "result: " << out.gates.size() << " cells, " << fmt(cost) << unit << " (" << fmt(cost_ratio)
      << " of the seed)";
    if (!by_area) h << ", area " << fmt(area);
    if (by_area && counts_known) h << ", " << fmt(transistors) << " transistors";
    h << ", after " << res.generations << " generations\n";
    h << "errors over all " << em.vectors << " input pairs (normalizer " << fmt(em.normalizer) << "): wce_abs=" << em.wce_abs
      << " wce=" << fmt(em.wce) << " nmed=" << fmt(em.nmed) << " med=" << fmt(em.med) << " er=" << fmt(em.er)
      << " mre=" << fmt(em.mre);
    if (problem.weighted())
      h << " wmed=" << fmt(wmed) << " (weights " << ctx.input("weights").filename().string() << ", sha256 "
        << ctx.sha256(weights_file(ctx.input("weights"))) << ")";
    h << "\n";
    h << ports.y << " = " << ports.a << " * " << ports.b << " approximately; " << ports.y << " is "
      << (is_signed ? "two's complement" : "unsigned") << ", " << (aw + bw) << " bits";
    gates::write_netlist_file(out, ctx.output("netlist"), h.str());
    write_lut_folder(table, ctx.output("lut"));
    write_evolution_plots(res.log, by_area ? "area" : "transistors", ctx.output("plots"));

    ctx.info("result: " + fmt(cost) + unit + " (" + fmt(cost_ratio) + " of the seed), wce " + fmt(em.wce) + ", " + std::to_string(res.generations) + " generations, " +
             fmt(std::round(eps_per_s)) + " candidates/s");
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::approx

FLOWRUN_REGISTER_STAGE(flowrun::approx::ApproxGaStage)
