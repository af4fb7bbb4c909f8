// dataset.calcium: a synthetic calcium-imaging recording with a hidden
// behavioural state to decode (model in calcium_model.hpp).
#include "calcium_model.hpp"
#include "spec_helpers.hpp"

#include <flowrun/sdk.hpp>

#include <numeric>

namespace flowrun::neuro {
namespace {

StageSpec make_spec() {
  const CalciumParams d;
  StageSpec s;
  s.kind = "dataset.calcium";
  s.version = "1";
  s.summary = "Synthetic calcium-imaging recording of ROIs tuned to a hidden binary behavioural state";
  s.doc =
      "Simulates a miniscope recording for a streaming decode task. A two-state Markov chain\n"
      "(mean dwell time dwell_s) is the behavioural state and the label. Each ROI fires Poisson\n"
      "spikes per frame at a rate set by the state: informative ROIs alternate between\n"
      "preferring state 1 and state 0 (rate_high_hz in the preferred state, rate_low_hz in the\n"
      "other, each ROI scaled by a random gain of +-tuning_spread); the remaining ROIs fire at the\n"
      "mean rate in both states. Activity leads the label by lead_s (preparatory activity).\n"
      "Spikes are convolved with a double-exponential indicator kernel (rise_s, decay_s; peak\n"
      "spike_amplitude dF/F), and each ROI gets a slow Ornstein-Uhlenbeck baseline drift (std\n"
      "drift, time constant drift_s) and Gaussian noise (std noise) per frame.\n"
      "Train and eval are separate sequences (no history window straddles the split).\n"
      "Deterministic for a seed on every platform: std::mt19937_64 with flowrun's own normal and\n"
      "Poisson sampling; each sequence has its own random stream, so adding eval sequences\n"
      "leaves the train sequences unchanged. Defaults are calibrated so a 4-frame logistic\n"
      "decoder reaches about 0.98 eval accuracy and a current-frame decoder about 0.955\n"
      "(docs/decoder-flow.md).";
  s.outputs.push_back({"dataset", "dataset", "split,sequence,frame,roi_*,label CSV (docs/decoder-flow.md)",
                       "dataset.csv"});
  s.params = {
      int_param("rois", d.rois, 1, 4096, "number of ROIs (columns roi_0..roi_{rois-1})"),
      int_param("frames", d.frames, 1, 10000000, "frames per sequence"),
      int_param("train_sequences", d.train_sequences, 1, 100000, "number of train sequences"),
      int_param("eval_sequences", d.eval_sequences, 1, 100000, "number of eval sequences"),
      float_param("frame_rate_hz", d.frame_rate_hz, 0.1, 10000, "imaging frame rate"),
      float_param("dwell_s", d.dwell_s, 0.001, 1e6, "mean time the behavioural state stays put"),
      float_param("lead_s", d.lead_s, 0, 1e3, "neural activity leads the behavioural label by this"),
      float_param("rate_high_hz", d.rate_high_hz, 0, 1e4, "spike rate of an informative ROI in its preferred state"),
      float_param("rate_low_hz", d.rate_low_hz, 0, 1e4, "spike rate of an informative ROI in its other state"),
      float_param("tuning_spread", d.tuning_spread, 0, 0.99, "per-ROI random rate gain in [1-spread, 1+spread]"),
      float_param("informative_fraction", d.informative_fraction, 0, 1,
                  "fraction of ROIs (rounded) tuned to the state; the rest are uninformative"),
      float_param("spike_amplitude", d.spike_amplitude, 0, 1e3, "peak dF/F of one spike's calcium transient"),
      float_param("rise_s", d.rise_s, 1e-4, 1e3, "indicator rise time constant (must be < decay_s)"),
      float_param("decay_s", d.decay_s, 1e-4, 1e3, "indicator decay time constant"),
      float_param("noise", d.noise, 0, 1e3, "standard deviation of per-frame Gaussian noise, dF/F"),
      float_param("drift", d.drift, 0, 1e3, "standard deviation of the slow baseline drift, dF/F"),
      float_param("drift_s", d.drift_s, 1e-3, 1e9, "time constant of the baseline drift"),
      int_param("seed", static_cast<long long>(d.seed), 0, 9.2e18, "random seed"),
  };
  s.key_metrics = {"train_frames", "eval_frames", "eval_fraction_state1"};
  return s;
}

class DatasetCalcium : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    CalciumParams p;
    p.rois = static_cast<int>(ctx.param<long long>("rois"));
    p.frames = static_cast<int>(ctx.param<long long>("frames"));
    p.train_sequences = static_cast<int>(ctx.param<long long>("train_sequences"));
    p.eval_sequences = static_cast<int>(ctx.param<long long>("eval_sequences"));
    p.frame_rate_hz = ctx.param<double>("frame_rate_hz");
    p.dwell_s = ctx.param<double>("dwell_s");
    p.lead_s = ctx.param<double>("lead_s");
    p.rate_high_hz = ctx.param<double>("rate_high_hz");
    p.rate_low_hz = ctx.param<double>("rate_low_hz");
    p.tuning_spread = ctx.param<double>("tuning_spread");
    p.informative_fraction = ctx.param<double>("informative_fraction");
    p.spike_amplitude = ctx.param<double>("spike_amplitude");
    p.rise_s = ctx.param<double>("rise_s");
    p.decay_s = ctx.param<double>("decay_s");
    p.noise = ctx.param<double>("noise");
    p.drift = ctx.param<double>("drift");
    p.drift_s = ctx.param<double>("drift_s");
    p.seed = static_cast<std::uint64_t>(ctx.param<long long>("seed"));
    const double total = static_cast<double>(p.frames) * (p.train_sequences + p.eval_sequences) * p.rois;
    if (total > 5e8)
      throw StageError("dataset.calcium: frames * sequences * rois = " + std::to_string(total) +
                       " values is too large (limit 5e8)");
    check_params(p);

    ctx.progress(0.1, "simulating");
    const auto tuning = draw_tuning(p);
    int informative = 0;
    for (const auto& t : tuning) informative += t.preferred >= 0 ? 1 : 0;
    const Dataset data = simulate_dataset(p);
    ctx.progress(0.7, "writing dataset.csv");
    write_dataset(data, ctx.output("dataset"));

    auto fraction_state1 = [](const std::vector<Sequence>& seqs) {
      double ones = 0, n = 0;
      for (const auto& s : seqs) {
        ones += std::accumulate(s.labels.begin(), s.labels.end(), 0.0);
        n += s.length();
      }
      return n > 0 ? ones / n : 0.0;
    };
    auto transitions = [](const std::vector<Sequence>& seqs) {
      long long n = 0;
      for (const auto& s : seqs)
        for (int t = 1; t < s.length(); ++t) n += s.labels[t] != s.labels[t - 1];
      return n;
    };
    ctx.metric("rois", p.rois);
    ctx.metric("informative_rois", informative);
    ctx.metric("train_frames", data.train_frames());
    ctx.metric("eval_frames", data.eval_frames());
    ctx.metric("frames", data.train_frames() + data.eval_frames());
    ctx.metric("train_fraction_state1", fraction_state1(data.train));
    ctx.metric("eval_fraction_state1", fraction_state1(data.eval));
    ctx.metric("train_transitions", transitions(data.train));
    ctx.metric("eval_transitions", transitions(data.eval));
    ctx.info("wrote " + std::to_string(data.train_frames()) + " train and " + std::to_string(data.eval_frames()) +
             " eval frames of " + std::to_string(p.rois) + " ROIs (" + std::to_string(informative) +
             " informative)");
  }
};

}  // namespace
}  // namespace flowrun::neuro

FLOWRUN_REGISTER_STAGE(flowrun::neuro::DatasetCalcium)
