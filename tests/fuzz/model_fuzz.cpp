// Fuzz entry point: the float model artifact reader of trainer.cnn
// (plugins/cnn, model.json + float32 tensors), fed a bundle of files
// (fuzz_support.hpp).
#include "fuzz_support.hpp"

#include <flowrun_cnn/model.hpp>

#include <flowrun/stage.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = flowrun::fuzz::fresh_scratch_dir();
  flowrun::fuzz::write_bundle(dir, {reinterpret_cast<const char*>(data), size});
  try {
    flowrun::cnn::read_model(dir);
  } catch (const flowrun::StageError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), dir.string());
  }
  return 0;
}
