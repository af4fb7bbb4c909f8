// The decoder plugin: quantizer.fixed_point, rtl.decoder, testbench.decoder
// (stages 4-6 of the decoder flow).
#include <flowrun/plugin.hpp>

FLOWRUN_PLUGIN("decoder")
