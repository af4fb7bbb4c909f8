// The arith plugin: exact multiplier RTL, the exhaustive goldenbrick
// testbench for combinational arithmetic, LUT verification of evolved
// approximate multipliers and the Pareto table of a sweep. Each stage
// registers itself in its own file.
#include <flowrun/sdk.hpp>

FLOWRUN_PLUGIN("arith")
