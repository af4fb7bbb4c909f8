#include "calcium_model.hpp"
#include "prng.hpp"
#include "classifier_metrics.hpp"
#include "logistic_fit.hpp"

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>

using namespace flowrun::neuro;

namespace {

struct Scores {
  double eval_accuracy, eval_auroc;
};

Scores decode(const Dataset& d, int history) {
  Eigen::MatrixXd x, xe;
  Eigen::VectorXd y, ye;
  stack_samples(d.train, history, x, y);
  stack_samples(d.eval, history, xe, ye);
  const auto fit = fit_logistic(x, y, {});
  const Eigen::VectorXd z = (xe * fit.weights).array() + fit.bias;
  return {accuracy(z, ye), auroc(z, ye)};
}

}  // namespace

TEST(CalciumModel, ShapesAndIds) {
  CalciumParams p;
  p.rois = 5;
  p.frames = 50;
  p.train_sequences = 3;
  p.eval_sequences = 2;
  const auto d = simulate_dataset(p);
  EXPECT_EQ(d.rois, 5);
  ASSERT_EQ(d.train.size(), 3u);
  ASSERT_EQ(d.eval.size(), 2u);
  EXPECT_EQ(d.train[2].id, 2);
  EXPECT_EQ(d.eval[0].id, 3);
  EXPECT_EQ(d.eval[1].id, 4);
  EXPECT_EQ(d.eval[1].frames.rows(), 50);
  EXPECT_EQ(d.eval[1].frames.cols(), 5);
  EXPECT_NO_THROW(check_dataset(d, "simulated"));
}

TEST(CalciumModel, DeterministicForASeedAndStreamsIndependentOfCounts) {
  CalciumParams p;
  p.frames = 200;
  p.train_sequences = 2;
  p.eval_sequences = 1;
  const auto a = simulate_dataset(p);
  const auto b = simulate_dataset(p);
  EXPECT_EQ(a.train[1].frames, b.train[1].frames);
  EXPECT_EQ(a.eval[0].labels, b.eval[0].labels);
  // More eval sequences leave the train sequences and first eval sequence alone.
  p.eval_sequences = 3;
  const auto c = simulate_dataset(p);
  EXPECT_EQ(a.train[0].frames, c.train[0].frames);
  EXPECT_EQ(a.eval[0].frames, c.eval[0].frames);
  p.seed = 2;
  const auto e = simulate_dataset(p);
  EXPECT_NE(a.train[0].frames, e.train[0].frames);
}

TEST(CalciumModel, SameNumbersOnEveryPlatform) {
  // Pins the generator (mt19937_64 + flowrun's own sampling): a change here
  // changes every synthetic data set and must be deliberate. Labels depend
  // only on integer random bits; values go through exp/log, so allow for
  // last-bit differences between math libraries.
  std::mt19937_64 standard;
  standard.discard(9999);
  EXPECT_EQ(standard(), 9981545732273789042ull);  // fixed by the C++ standard
  EXPECT_EQ(mix_seed(1, 0), 10451216379200822465ull);
  CalciumParams p;
  p.rois = 2;
  p.frames = 6;
  p.train_sequences = 1;
  p.eval_sequences = 1;
  const auto d = simulate_dataset(p);
  const double want[] = {-0.28900275734596959, 0.442464699118432,    0.19970511342329383,
                         0.23903976219568862,  -0.01976457645097815, -0.022159820542168002};
  for (int t = 0; t < 6; ++t) EXPECT_NEAR(d.train[0].frames(t, 0), want[t], 1e-12) << t;
  p.frames = 400;
  const auto longer = simulate_dataset(p);
  int ones = 0, transitions = 0;
  const auto& l = longer.train[0].labels;
  for (int t = 0; t < 400; ++t) {
    ones += l[t];
    if (t > 0) transitions += l[t] != l[t - 1];
  }
  EXPECT_EQ(ones, 191);
  EXPECT_EQ(transitions, 3);
}

TEST(CalciumModel, TuningAlternatesPreferenceAndLeavesTheRestUninformative) {
  CalciumParams p;
  p.rois = 8;
  p.informative_fraction = 0.75;
  const auto t = draw_tuning(p);
  ASSERT_EQ(t.size(), 8u);
  int informative = 0;
  for (int r = 0; r < 8; ++r) {
    if (r < 6) {
      EXPECT_EQ(t[r].preferred, r % 2 == 0 ? 1 : 0);
      const double pref = t[r].preferred ? t[r].rate_state1_hz : t[r].rate_state0_hz;
      const double other = t[r].preferred ? t[r].rate_state0_hz : t[r].rate_state1_hz;
      EXPECT_NEAR(pref / other, p.rate_high_hz / p.rate_low_hz, 1e-9);
      ++informative;
    } else {
      EXPECT_EQ(t[r].preferred, -1);
      EXPECT_EQ(t[r].rate_state0_hz, t[r].rate_state1_hz);
    }
  }
  EXPECT_EQ(informative, 6);
}

TEST(CalciumModel, InformativeRoisAreBrighterInTheirPreferredState) {
  CalciumParams p;
  p.frames = 2000;
  p.train_sequences = 1;
  p.eval_sequences = 1;
  const auto d = simulate_dataset(p);
  const auto t = draw_tuning(p);
  const auto& s = d.train[0];
  for (int r = 0; r < p.rois; ++r) {
    double sum[2] = {0, 0}, n[2] = {0, 0};
    for (int f = 0; f < s.length(); ++f) {
      sum[s.labels[f]] += s.frames(f, r);
      n[s.labels[f]] += 1;
    }
    ASSERT_GT(n[0], 100);
    ASSERT_GT(n[1], 100);
    const double diff = sum[1] / n[1] - sum[0] / n[0];
    if (t[r].preferred == 1) EXPECT_GT(diff, 0.05) << "roi " << r;
    if (t[r].preferred == 0) EXPECT_LT(diff, -0.05) << "roi " << r;
    if (t[r].preferred == -1) EXPECT_LT(std::abs(diff), 0.05) << "roi " << r;
  }
}

TEST(CalciumModel, StateDwellTimeMatchesParam) {
  CalciumParams p;
  p.frames = 20000;
  p.train_sequences = 1;
  p.eval_sequences = 1;
  p.rois = 1;
  const auto d = simulate_dataset(p);
  int switches = 0;
  const auto& l = d.train[0].labels;
  for (std::size_t t = 1; t < l.size(); ++t) switches += l[t] != l[t - 1];
  const double mean_dwell_frames = static_cast<double>(l.size()) / (switches + 1);
  EXPECT_NEAR(mean_dwell_frames, p.dwell_s * p.frame_rate_hz, 0.2 * p.dwell_s * p.frame_rate_hz);
}

TEST(CalciumModel, DefaultsAreCalibratedRealisticNotTrivial) {
  // The calibration promised in docs/decoder-flow.md: with default params
  // a 4-frame decoder reaches >= 0.97 eval accuracy and >= 0.99 AUROC but
  // stays below 0.995, and a current-frame decoder is >= 2 points worse.
  const auto d = simulate_dataset(CalciumParams{});
  EXPECT_GE(d.eval_frames(), 2000);
  const Scores h4 = decode(d, 4);
  const Scores h1 = decode(d, 1);
  EXPECT_GE(h4.eval_accuracy, 0.97);
  EXPECT_LT(h4.eval_accuracy, 0.995);
  EXPECT_GE(h4.eval_auroc, 0.99);
  EXPECT_LE(h1.eval_accuracy, h4.eval_accuracy - 0.02);
  RecordProperty("eval_accuracy_history4", std::to_string(h4.eval_accuracy));
  RecordProperty("eval_accuracy_history1", std::to_string(h1.eval_accuracy));
}

TEST(CalciumModel, RejectsInconsistentParams) {
  CalciumParams p;
  p.rise_s = 0.5;
  p.decay_s = 0.4;
  EXPECT_THROW(check_params(p), flowrun::StageError);
  p = CalciumParams{};
  p.rate_low_hz = 30;
  EXPECT_THROW(check_params(p), flowrun::StageError);
  p = CalciumParams{};
  p.dwell_s = 0.01;
  EXPECT_THROW(check_params(p), flowrun::StageError);
}

TEST(Prng, NormalAndPoissonMoments) {
  Prng rng(7);
  const int n = 200000;
  double s = 0, s2 = 0, ps = 0, ps2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    s += x;
    s2 += x * x;
    const double k = rng.poisson(0.9);
    ps += k;
    ps2 += k * k;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.015);
  EXPECT_NEAR(ps / n, 0.9, 0.01);
  EXPECT_NEAR(ps2 / n - (ps / n) * (ps / n), 0.9, 0.02);
  for (int i = 0; i < 1000; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}
