// An ordinary shared library: no flowrun plugin record at all.
extern "C" __attribute__((visibility("default"))) int flowrun_unrelated_function() { return 42; }
