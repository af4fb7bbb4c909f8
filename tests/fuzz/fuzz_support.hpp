// Shared by the fuzz entry points: a private scratch folder for readers
// that take paths, the "bundle" input format of folder artifacts, and the
// check that a rejected input got a clear error.
//
// Every entry point defines LLVMFuzzerTestOneInput. Built with clang and
// -fsanitize=fuzzer (scripts/fuzz.sh) it is a libFuzzer target; built
// normally it is linked with replay_main.cpp and ctest feeds it every
// corpus and regression file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun::fuzz {

namespace fs = std::filesystem;

// An empty private folder for this input (created once per process, emptied
// on every call, removed at exit).
const fs::path& fresh_scratch_dir();

// Writes bytes to dir/name and returns the path.
fs::path write_file(const fs::path& dir, const std::string& name, std::string_view bytes);

// A bundle is several files in one input, for readers of artifact folders:
//   === model.json
//   {...}
//   === conv1.weight.f32
//   <bytes>
// Each "=== NAME" line starts a file that runs to the next such line (its
// final newline belongs to the marker). Names other than plain file names
// ([A-Za-z0-9._-], not "." or "..") are skipped. Returns the files written.
std::vector<fs::path> write_bundle(const fs::path& dir, std::string_view bytes);

// A reader rejected the input: the message must name the file it read
// (what users need to find the problem). Anything else aborts the process,
// which both libFuzzer and the replay test report as a failure.
// FLOWRUN_FUZZ_SHOW=1 in the environment prints every rejection.
void expect_clear_error(std::string_view message, const std::string& file_name);

}  // namespace flowrun::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
