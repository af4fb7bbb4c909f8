#include "calcium_model.hpp"

#include "prng.hpp"

#include <flowrun/stage.hpp>

#include <cmath>

namespace flowrun::neuro {

void check_params(const CalciumParams& p) {
  if (!(p.rise_s < p.decay_s))
    throw StageError("param rise_s (" + std::to_string(p.rise_s) + ") must be smaller than decay_s (" +
                     std::to_string(p.decay_s) + ")");
  if (!(p.rate_low_hz <= p.rate_high_hz))
    throw StageError("param rate_low_hz must not exceed rate_high_hz");
  if (p.dwell_s * p.frame_rate_hz < 1.0)
    throw StageError("param dwell_s must be at least one frame (dwell_s * frame_rate_hz >= 1)");
}

std::vector<RoiTuning> draw_tuning(const CalciumParams& p) {
  Prng rng(mix_seed(p.seed, 0));
  const int informative = static_cast<int>(std::lround(p.informative_fraction * p.rois));
  const double mean_rate = 0.5 * (p.rate_high_hz + p.rate_low_hz);
  std::vector<RoiTuning> tuning(p.rois);
  for (int r = 0; r < p.rois; ++r) {
    // A per-ROI gain keeps ROIs from being identical copies of each other.
    const double gain = 1.0 + p.tuning_spread * (2.0 * rng.uniform() - 1.0);
    RoiTuning& t = tuning[r];
    if (r < informative) {
      t.preferred = (r % 2 == 0) ? 1 : 0;
      const double hi = p.rate_high_hz * gain;
      const double lo = p.rate_low_hz * gain;
      t.rate_state1_hz = t.preferred == 1 ? hi : lo;
      t.rate_state0_hz = t.preferred == 1 ? lo : hi;
    } else {
      t.preferred = -1;
      t.rate_state0_hz = t.rate_state1_hz = mean_rate * gain;
    }
  }
  return tuning;
}

Sequence simulate_sequence(const CalciumParams& p, const std::vector<RoiTuning>& tuning, int id,
                           std::uint64_t stream) {
  Prng rng(mix_seed(p.seed, stream));
  const double dt = 1.0 / p.frame_rate_hz;
  // Two-state Markov chain: leaving a state has probability 1/dwell per
  // frame, so dwell times are geometric with mean dwell_s.
  const double p_switch = 1.0 / (p.dwell_s * p.frame_rate_hz);
  // Double-exponential indicator kernel (decay minus rise), scaled so one
  // spike peaks at spike_amplitude; each term is a first-order filter.
  const double a_decay = std::exp(-dt / p.decay_s);
  const double a_rise = std::exp(-dt / p.rise_s);
  const double t_peak = p.decay_s * p.rise_s / (p.decay_s - p.rise_s) * std::log(p.decay_s / p.rise_s);
  const double peak = std::exp(-t_peak / p.decay_s) - std::exp(-t_peak / p.rise_s);
  const double scale = p.spike_amplitude / peak;
  // Spikes fall on average mid-frame, so a spike already shows in the
  // frame it happens in (each term has decayed for half a frame).
  const double in_frame_decay = std::exp(-0.5 * dt / p.decay_s);
  const double in_frame_rise = std::exp(-0.5 * dt / p.rise_s);
  // Ornstein-Uhlenbeck baseline with std `drift` and time constant drift_s.
  const double a_drift = std::exp(-dt / p.drift_s);
  const double drift_kick = p.drift * std::sqrt(1.0 - a_drift * a_drift);

  Sequence s;
  s.id = id;
  s.frames.resize(p.frames, p.rois);
  s.labels.resize(p.frames);
  std::vector<double> slow(p.rois, 0.0), fast(p.rois, 0.0), base(p.rois);
  for (int r = 0; r < p.rois; ++r) base[r] = p.drift * rng.normal();
  // The state chain runs `lead` frames ahead of the labels: activity at
  // frame t reflects the state the label reaches at frame t + lead
  // (preparatory activity precedes behaviour).
  const int lead = static_cast<int>(std::lround(p.lead_s * p.frame_rate_hz));
  std::vector<int> chain(static_cast<std::size_t>(p.frames + lead));
  int state = rng.bernoulli(0.5) ? 1 : 0;
  for (std::size_t t = 0; t < chain.size(); ++t) {
    if (t > 0 && rng.bernoulli(p_switch)) state = 1 - state;
    chain[t] = state;
  }
  for (int t = 0; t < p.frames; ++t) {
    s.labels[t] = chain[t];
    const int active = chain[t + lead];
    for (int r = 0; r < p.rois; ++r) {
      const double rate = active ? tuning[r].rate_state1_hz : tuning[r].rate_state0_hz;
      const int spikes = rng.poisson(rate * dt);
      slow[r] = a_decay * slow[r] + in_frame_decay * spikes;
      fast[r] = a_rise * fast[r] + in_frame_rise * spikes;
      base[r] = a_drift * base[r] + drift_kick * rng.normal();
      s.frames(t, r) = scale * (slow[r] - fast[r]) + base[r] + p.noise * rng.normal();
    }
  }
  return s;
}

Dataset simulate_dataset(const CalciumParams& p) {
  check_params(p);
  const auto tuning = draw_tuning(p);
  Dataset d;
  d.rois = p.rois;
  // Stream 0 is the tuning; train sequence k uses stream 1+k and eval
  // sequence k uses stream 1'000'000+k, independent of the counts.
  for (int k = 0; k < p.train_sequences; ++k)
    d.train.push_back(simulate_sequence(p, tuning, k, 1 + static_cast<std::uint64_t>(k)));
  for (int k = 0; k < p.eval_sequences; ++k)
    d.eval.push_back(simulate_sequence(p, tuning, p.train_sequences + k, 1000000 + static_cast<std::uint64_t>(k)));
  return d;
}

}  // namespace flowrun::neuro
