// Speed of flowrun_gates on a real netlist: reading (parse, checks,
// topological order), exhaustive simulation, error metrics and writing.
//   flowrun_gates_bench NETLIST.v [LIBERTY.lib] [REPEATS]
// Prints one line per step with the time per run.
#include <flowrun_gates/error_metrics.hpp>
#include <flowrun_gates/netlist.hpp>
#include <flowrun_liberty/liberty.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>

namespace fg = flowrun::gates;

namespace {

template <class F>
double seconds_per_run(int repeats, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NETLIST.v [LIBERTY.lib] [REPEATS]\n", argv[0]);
    return 2;
  }
  try {
    const std::string lib_path = argc > 2 ? argv[2] : FLOWRUN_CELLS_DIR "/flowrun_cells.lib";
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 20;
    const auto lib = flowrun::liberty::read_liberty(lib_path);
    fg::Netlist nl;
    const double t_read = seconds_per_run(repeats, [&] { nl = fg::read_netlist(argv[1], lib); });
    fg::SimTable sim;
    const double t_sim = seconds_per_run(repeats, [&] { sim = fg::simulate(nl); });
    const auto& out = nl.ports.back();
    std::vector<std::int64_t> y;
    const double t_values = seconds_per_run(repeats, [&] { y = fg::port_values(nl, sim, out.name, true); });
    std::printf("netlist %s: %zu cells, %d input bits, %zu vectors\n", nl.module.c_str(), nl.gates.size(),
                nl.num_input_bits(), sim.num_vectors);
    std::printf("read_netlist   %9.3f ms\n", t_read * 1e3);
    std::printf("simulate       %9.3f ms  (%.1f M gate-vectors/s)\n", t_sim * 1e3,
                static_cast<double>(nl.gates.size()) * static_cast<double>(sim.num_vectors) / t_sim / 1e6);
    std::printf("port_values    %9.3f ms\n", t_values * 1e3);
    if (nl.ports.size() == 3 && nl.ports[0].is_input && nl.ports[1].is_input) {
      const int aw = static_cast<int>(nl.ports[0].bits.size()), bw = static_cast<int>(nl.ports[1].bits.size());
      const auto exact = fg::exact_products(aw, bw, true);
      fg::ErrorMetrics m;
      const double t_metrics = seconds_per_run(repeats, [&] {
        m = fg::compute_error_metrics(exact, y, fg::product_normalizer(aw, bw, true));
      });
      std::printf("error metrics  %9.3f ms  (wce %.6g vs signed products)\n", t_metrics * 1e3, m.wce);
    }
    std::ostringstream os;
    const double t_write = seconds_per_run(repeats, [&] {
      os.str("");
      fg::write_netlist(nl, os, "bench");
    });
    std::printf("write_netlist  %9.3f ms  (%zu bytes)\n", t_write * 1e3, os.str().size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
