// A correct plugin record but no stage factory.
#include <flowrun/plugin.hpp>

extern "C" BOOST_SYMBOL_EXPORT const flowrun_plugin_info_t flowrun_plugin_info = {
    FLOWRUN_ABI_VERSION, FLOWRUN_VERSION_STRING, FLOWRUN_COMPILER_TAG, "no_factory"};
