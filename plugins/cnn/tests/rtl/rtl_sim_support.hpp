// Compile -> testbench -> Icarus or Verilator, shared by the simulation
// tests of the exact and of the approximate-multiplier accelerator.
#pragma once

#include "rtl/accel.hpp"
#include "rtl/testbench_gen.hpp"
#include "rtl_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flowrun::cnn::rtl::test {

// flowrun's cell models: a design with a multiplier netlist instantiates them.
inline std::string cell_models() { return std::string(CNN_SOURCE_DIR) + "/../../cells/flowrun_cells.v"; }

struct SimResult {
  bool ran = false;
  nlohmann::json result;
  std::string log;
};

struct SimSetup {
  int ready_percent = 100;
  std::string plusargs;
  // Expected values from the integer model with these products (an
  // approximate multiplier's effective table); null: exact products.
  const ProductTable* products = nullptr;
};

// Compiles `q`, writes design + testbench for `count` random images and runs
// `sim` ("iverilog" or "verilator"). A design with a MAC multiplier netlist
// is simulated with the cell models.
inline SimResult simulate(const QModel& q, const CompileOptions& o, long count, const std::string& sim,
                          const std::string& name, const SimSetup& setup) {
  SimResult r;
  if (!have(sim)) return r;
  r.ran = true;
  const auto dir = fresh_dir(name);
  const Design d = compile(q, o, name);
  write_design(d, (dir / "verilog").string(), (dir / "macros").string());
  const Design checked = check_design(q, dir / "verilog");
  const auto images = random_images(count, q.net.input.size(), 7);
  std::vector<std::uint8_t> labels(static_cast<std::size_t>(count), 0);
  TestbenchOptions to;
  to.out_ready_percent = setup.ready_percent;
  to.products = setup.products;
  const auto tbdir = dir / "tb";
  const TestbenchInfo info = write_testbench(q, checked, dir / "verilog", images.data(),
                                             labels.data(), count, to, tbdir);
  std::string files = " '" + (tbdir / (info.top + ".v")).string() + "'";
  for (const auto& f : d.verilog) files += " '" + (dir / "verilog" / f.name).string() + "'";
  files += " '" + (dir / "macros" / "sram_models.v").string() + "'";
  if (o.multiplier) files += " '" + cell_models() + "'";
  const std::string def = "-DFLOWRUN_TBDIR='\"" + tbdir.string() + "/\"'";
  const auto log = dir / "sim.log";
  int rc;
  if (sim == "iverilog") {
    rc = run("iverilog -g2005 -s " + info.top + " " + def + " -o '" + (dir / "sim.vvp").string() + "'" + files +
                 " && cd '" + dir.string() + "' && vvp -n sim.vvp " + setup.plusargs,
             log);
  } else {
    rc = run("cd '" + dir.string() + "' && verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style " +
                 "--x-assign 0 --x-initial 0 --Mdir obj -MAKEFLAGS 'OPT_FAST=-O1' --top-module " + info.top + " " +
                 def + files + " && obj/V" + info.top + " " + setup.plusargs,
             log);
  }
  r.log = read_file(log);
  EXPECT_EQ(rc, 0) << r.log;
  const auto at = r.log.find("FLOWRUN_RESULT ");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no FLOWRUN_RESULT line:\n" << r.log;
    return r;
  }
  r.result = nlohmann::json::parse(r.log.substr(at + 15, r.log.find('\n', at) - at - 15));
  EXPECT_EQ(r.log.find("FLOWRUN_RESULT ", at + 1), std::string::npos) << "two result lines";
  EXPECT_EQ(r.result["expected_cycles_per_image"], d.schedule.latency_cycles);
  return r;
}

inline SimResult simulate(const QModel& q, const CompileOptions& o, long count, const std::string& sim,
                          const std::string& name, int ready_percent = 100, const std::string& plusargs = "") {
  return simulate(q, o, count, sim, name, SimSetup{ready_percent, plusargs, nullptr});
}

inline void expect_pass(const SimResult& r, long vectors) {
  if (!r.ran) GTEST_SKIP() << "simulator not installed";
  EXPECT_EQ(r.result["status"], "PASS") << r.log;
  EXPECT_EQ(r.result["vectors"], vectors);
  EXPECT_EQ(r.result["mismatches"], 0) << r.log;
  EXPECT_EQ(r.result["cycles_per_image"], r.result["expected_cycles_per_image"]);
}

}  // namespace flowrun::cnn::rtl::test
