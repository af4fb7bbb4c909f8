// The `dataset` artifact of the decoder flow: one CSV file shared by
// dataset.calcium, dataset.csv (writers) and trainer.logistic,
// quantizer.fixed_point, testbench.decoder (readers).
//
// File format (docs/decoder-flow.md):
//
//   split,sequence,frame,roi_0,...,roi_{R-1},label
//   train,0,0,0.0123,...,-0.004,1
//   ...
//
// * rows are ordered by split (every `train` row, then every `eval` row),
//   then by sequence, then by frame;
// * `frame` is 0-based and contiguous within a sequence;
// * sequence ids are unique across the whole file (a sequence belongs to
//   exactly one split);
// * ROI values are raw fluorescence (dF/F) as finite decimal floats
//   (writers print the shortest text that round-trips the double);
// * `label` is 0 or 1 (the behavioural state at that frame).
//
// History semantics (shared with the integer model and the hardware shift
// register, which reset clears at every sequence start): the features of
// frame t are frames t, t-1, ..., t-history+1 of the same sequence; frames
// before the sequence start are all-zero frames. Every frame is a sample.
#pragma once

#include <Eigen/Dense>

#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::neuro {

struct Sequence {
  int id = 0;
  Eigen::MatrixXd frames;   // frames x rois, raw dF/F
  std::vector<int> labels;  // one 0/1 label per frame
  int length() const { return static_cast<int>(frames.rows()); }
};

struct Dataset {
  int rois = 0;
  std::vector<Sequence> train;
  std::vector<Sequence> eval;

  int train_frames() const;
  int eval_frames() const;
};

// Reads and validates a dataset file. Throws flowrun::StageError with a
// "FILE:LINE:COL: message" text for anything that breaks the format above
// (bad header, non-numeric or non-finite cell, ragged row, label outside
// {0,1}, split/sequence/frame order, empty file, no train or no eval rows).
Dataset read_dataset(const std::filesystem::path& file);

// Writes a dataset in the format above. Values are printed as the shortest
// decimal text that reads back as the identical double (std::to_chars), so
// every reader sees bit-identical values. Throws flowrun::StageError if the dataset is inconsistent.
void write_dataset(const Dataset& data, const std::filesystem::path& file);

// Checks the in-memory invariants (rois > 0, sizes agree, labels 0/1,
// finite values, unique ids, non-empty splits); throws flowrun::StageError
// naming `what` on violation.
void check_dataset(const Dataset& data, const std::string& what);

// History features of one sequence: a (frames x rois*history) matrix whose
// column h*rois + r holds ROI r of frame t-h (zero when t-h < 0).
Eigen::MatrixXd history_features(const Sequence& seq, int history);

// Stacks history_features and labels over several sequences, in order.
void stack_samples(const std::vector<Sequence>& seqs, int history,
                   Eigen::MatrixXd& features, Eigen::VectorXd& labels);

}  // namespace flowrun::neuro
