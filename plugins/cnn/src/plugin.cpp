// The cnn plugin: dataset.idx, trainer.cnn, quantizer.int8, rtl.cnn and
// testbench.cnn. Each stage registers itself in its own file.
#include <flowrun/plugin.hpp>

FLOWRUN_PLUGIN("cnn")
