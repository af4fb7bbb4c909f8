// The neuro plugin: data sets and the float logistic decoder of the
// closed-loop neural decoder flow (flows/decoder.yaml).
#include <flowrun/plugin.hpp>

FLOWRUN_PLUGIN("neuro")
