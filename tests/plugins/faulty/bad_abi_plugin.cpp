// A plugin record claiming another ABI version: the loader must refuse it
// before calling any of its C++ code.
#include <flowrun/plugin.hpp>

extern "C" BOOST_SYMBOL_EXPORT const flowrun_plugin_info_t flowrun_plugin_info = {
    FLOWRUN_ABI_VERSION + 41, "9.9.9", FLOWRUN_COMPILER_TAG, "bad_abi"};
