// Reading a user's own recording (frames x ROIs plus a label column) into
// the dataset artifact, with a contiguous train/eval split.
#pragma once

#include <flowrun_neuro/dataset.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::neuro {

struct RecordingOptions {
  std::string label_column = "label";
  // Rows with the same value here form one sequence (rows of a sequence
  // must be contiguous). Empty: the whole file is one sequence.
  std::string sequence_column;
  // The last eval_fraction of each sequence (rounded to whole frames)
  // becomes eval; the rest is train.
  double eval_fraction = 0.25;
  // Columns to use as ROIs, in this order. Empty: every column except the
  // label, sequence and ignored columns, in file order.
  std::vector<std::string> roi_columns;
  // Columns to skip (timestamps, frame numbers, notes).
  std::vector<std::string> ignore_columns;
};

struct Recording {
  Dataset data;  // train part of sequence k has id k; its eval part id n+k
  std::vector<std::string> roi_names;  // source column of roi_0, roi_1, ...
  int sequences = 0;
  std::vector<std::string> notes;  // things worth a log line
};

// Throws flowrun::StageError "FILE:LINE:COL: ..." for a bad file: empty
// file, no data rows, missing or duplicate columns, ragged rows,
// non-numeric or non-finite ROI cells, labels outside {0,1}, a sequence
// split over several places, or a split leaving no train or eval frames.
Recording read_recording(const std::filesystem::path& file, const RecordingOptions& options);

}  // namespace flowrun::neuro
