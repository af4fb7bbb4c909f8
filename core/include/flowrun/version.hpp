// flowrun version numbers shared by the engine and every plugin.
#pragma once

#define FLOWRUN_VERSION_STRING "0.1.0"

// Bumped whenever a public SDK type changes layout or meaning. The loader
// refuses a plugin built against another ABI version before calling into it.
// 2: StageSpec::resources; 3: Context::input_sha256 and Context::sha256
// (new virtual functions: the Context vtable changed).
#define FLOWRUN_ABI_VERSION 3u

// A tag naming the compiler family, its major version and the C++ standard
// library; C++ objects only cross the plugin boundary when the tags agree.
#define FLOWRUN_STRINGIFY_(x) #x
#define FLOWRUN_STRINGIFY(x) FLOWRUN_STRINGIFY_(x)
#if defined(__clang__)
#define FLOWRUN_COMPILER_FAMILY "clang-" FLOWRUN_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define FLOWRUN_COMPILER_FAMILY "gcc-" FLOWRUN_STRINGIFY(__GNUC__)
#else
#define FLOWRUN_COMPILER_FAMILY "unknown"
#endif
#if defined(_LIBCPP_VERSION)
#define FLOWRUN_STDLIB "libc++"
#elif defined(__GLIBCXX__)
#define FLOWRUN_STDLIB "libstdc++"
#else
#define FLOWRUN_STDLIB "unknown"
#endif
#define FLOWRUN_COMPILER_TAG FLOWRUN_COMPILER_FAMILY "/" FLOWRUN_STDLIB
