// The plot plugin: stages that only draw for report.html what other stages
// computed (plot.sweep), so a flow gets a plot without a stage of its own.
#include <flowrun/sdk.hpp>

FLOWRUN_PLUGIN("plot")
