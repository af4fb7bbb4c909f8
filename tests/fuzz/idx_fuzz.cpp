// Fuzz entry point: the IDX reader of dataset.idx (plugins/cnn), plain and
// gzip-compressed: an input starting with the gzip magic is read as .gz.
#include "fuzz_support.hpp"

#include <flowrun_cnn/images.hpp>

#include <flowrun/stage.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const auto file = flowrun::fuzz::write_file(flowrun::fuzz::fresh_scratch_dir(), gz ? "images.idx.gz" : "images.idx",
                                              {reinterpret_cast<const char*>(data), size});
  try {
    flowrun::cnn::read_idx(file);
  } catch (const flowrun::StageError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), file.string());
  }
  return 0;
}
