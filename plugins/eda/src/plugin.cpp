// The eda plugin: sim.iverilog, synth.yosys, sta.opensta, verify.equiv.
#include <flowrun/plugin.hpp>

FLOWRUN_PLUGIN("eda")
