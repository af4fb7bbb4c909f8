// Fuzz entry point: the int8 model artifact reader of quantizer.int8
// (plugins/cnn, qmodel.json + int8/int32 tensors), fed a bundle of files
// (fuzz_support.hpp).
#include "fuzz_support.hpp"

#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/stage.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = flowrun::fuzz::fresh_scratch_dir();
  flowrun::fuzz::write_bundle(dir, {reinterpret_cast<const char*>(data), size});
  try {
    flowrun::cnn::read_qmodel(dir);
  } catch (const flowrun::StageError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), dir.string());
  }
  return 0;
}
