// Fuzz entry point: the CSV recording reader of dataset.csv
// (plugins/neuro): tokenizer, header, numeric cells, labels, sequences.
#include "fuzz_support.hpp"

#include "recording_csv.hpp"

#include <flowrun/stage.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = flowrun::fuzz::write_file(flowrun::fuzz::fresh_scratch_dir(), "recording.csv",
                                              {reinterpret_cast<const char*>(data), size});
  // The first byte picks a layout so both the default and the sequence /
  // ignore options are exercised.
  flowrun::neuro::RecordingOptions opt;
  if (size > 0 && (data[0] & 1)) {
    opt.sequence_column = "trial";
    opt.ignore_columns = {"time"};
    opt.eval_fraction = 0.5;
  }
  try {
    flowrun::neuro::read_recording(file, opt);
  } catch (const flowrun::StageError& e) {
    flowrun::fuzz::expect_clear_error(e.what(), file.string());
  }
  return 0;
}
