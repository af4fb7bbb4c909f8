// Small synthetic decoders and data sets for the decoder tests, plus a
// helper to run external programs (iverilog, vvp, verilator).
#pragma once

#include "qmodel.hpp"

#include <flowrun_neuro/dataset.hpp>
#include <flowrun_neuro/model.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace flowrun::decoder::test {

namespace fs = std::filesystem;

// A fresh scratch folder for one test.
inline fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(DECODER_TEST_TMP) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Sequences of smooth random activity with a label that depends on the
// first ROIs, so a linear decoder over the history has something to find.
inline std::vector<neuro::Sequence> make_sequences(int rois, int count, int length, int first_id,
                                                   unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.3);
  std::vector<neuro::Sequence> out;
  for (int s = 0; s < count; ++s) {
    neuro::Sequence seq;
    seq.id = first_id + s;
    seq.frames = Eigen::MatrixXd::Zero(length, rois);
    seq.labels.assign(length, 0);
    Eigen::RowVectorXd state = Eigen::RowVectorXd::Zero(rois);
    for (int t = 0; t < length; ++t) {
      for (int r = 0; r < rois; ++r) state[r] = 0.8 * state[r] + noise(rng);
      seq.frames.row(t) = state;
      seq.labels[t] = state[0] - 0.5 * state[rois > 1 ? 1 : 0] > 0.05 ? 1 : 0;
    }
    out.push_back(std::move(seq));
  }
  return out;
}

inline neuro::Dataset make_dataset(int rois, unsigned seed, int train_seqs = 6, int eval_seqs = 4,
                                   int length = 50) {
  neuro::Dataset d;
  d.rois = rois;
  d.train = make_sequences(rois, train_seqs, length, 0, seed);
  d.eval = make_sequences(rois, eval_seqs, length, train_seqs, seed + 1000);
  return d;
}

// A float decoder close to the rule that generated the labels, with small
// random weights on the other terms (so every weight is non-zero).
inline neuro::LogisticModel make_model(int rois, int history, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> small(-0.4, 0.4);
  neuro::LogisticModel m;
  m.rois = rois;
  m.history = history;
  m.weights = Eigen::VectorXd(rois * history);
  for (int i = 0; i < rois * history; ++i) m.weights[i] = small(rng);
  m.weights[0] = 3.1;
  if (rois > 1) m.weights[1] = -1.6;
  m.bias = -0.17;
  m.decision_threshold_logit = 0;
  m.train_feature_min = Eigen::VectorXd::Constant(rois, -2.0);
  m.train_feature_max = Eigen::VectorXd::Constant(rois, 2.0);
  return m;
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

inline bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

struct RunResult {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command line in `dir`, capturing stdout and stderr.
inline RunResult run_in(const fs::path& dir, const std::string& command) {
  const fs::path log = dir / "command.log";
  const std::string line = "cd '" + dir.string() + "' && " + command + " > '" + log.string() +
                           "' 2>&1";
  RunResult r;
  const int status = std::system(line.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.output = read_text(log);
  return r;
}

}  // namespace flowrun::decoder::test
