// The approx plugin library: evolution of approximate arithmetic circuits.
#include <flowrun/plugin.hpp>

FLOWRUN_PLUGIN("approx")
