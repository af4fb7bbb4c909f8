// The demo test plugin: the library's single FLOWRUN_PLUGIN declaration.
// Its stages register themselves in their own files.
#include <flowrun/sdk.hpp>

FLOWRUN_PLUGIN("demo")
