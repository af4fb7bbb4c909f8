// The generative model behind dataset.calcium: a hidden two-state
// behavioural variable, ROIs whose spike rates depend on it, and the
// calcium-imaging measurement of those spikes (indicator kernel, drift,
// noise). docs/decoder-flow.md explains the model and its calibration.
#pragma once

#include <flowrun_neuro/dataset.hpp>

#include <cstdint>
#include <vector>

namespace flowrun::neuro {

struct CalciumParams {
  int rois = 8;
  int frames = 1000;            // per sequence
  int train_sequences = 6;
  int eval_sequences = 3;
  double frame_rate_hz = 20;    // miniscope frame rate
  double dwell_s = 4.0;         // mean time the state stays put
  double lead_s = 0.1;          // neural activity leads the label by this
  double rate_high_hz = 18.0;   // spike rate of an ROI in its preferred state
  double rate_low_hz = 1.0;     // ... in its other state
  double tuning_spread = 0.3;   // per-ROI random factor on the rates, +-spread
  double informative_fraction = 0.75;
  double spike_amplitude = 0.1; // dF/F peak of one spike
  double rise_s = 0.05;         // indicator rise time constant
  double decay_s = 0.4;         // indicator decay time constant
  double noise = 0.15;          // std of per-frame Gaussian noise, dF/F
  double drift = 0.05;          // std of the slow baseline, dF/F
  double drift_s = 30.0;        // time constant of the baseline
  std::uint64_t seed = 1;
};

// How one ROI responds to the state.
struct RoiTuning {
  double rate_state0_hz = 0;
  double rate_state1_hz = 0;
  int preferred = -1;  // 0, 1, or -1 for an uninformative ROI
};

// Per-ROI tuning drawn from the seed: informative ROIs alternate their
// preferred state (ROI 0 prefers state 1, the next informative prefers 0,
// ...); the rest fire at the mean rate in both states.
std::vector<RoiTuning> draw_tuning(const CalciumParams& p);

// One sequence of frames. `stream` selects the sequence's own random
// stream, so adding eval sequences never changes the train sequences.
Sequence simulate_sequence(const CalciumParams& p, const std::vector<RoiTuning>& tuning,
                           int id, std::uint64_t stream);

// Train sequences get ids 0..train-1, eval sequences the following ids.
Dataset simulate_dataset(const CalciumParams& p);

// Checks ranges that the stage spec cannot express (rise < decay, ...);
// throws flowrun::StageError naming the param.
void check_params(const CalciumParams& p);

}  // namespace flowrun::neuro
