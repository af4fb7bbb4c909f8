// The `qmodel` artifact (qmodel.json): a logistic decoder in fixed point,
// written by quantizer.fixed_point and read by rtl.decoder and
// testbench.decoder. Format "flowrun.qmodel/1", documented in
// docs/decoder-rtl.md:
//
//   {"format": "flowrun.qmodel/1", "rois": R, "history": H,
//    "feature":     {"bits": 16, "frac_bits": 12, "q": "Q4.12"},
//    "weight":      {"bits": 16, "frac_bits": 14, "q": "Q2.14"},
//    "accumulator": {"bits": 48, "frac_bits": 26, "q": "Q22.26",
//                    "bound": 123456, "required_bits": 26,
//                    "worst_case_bits": 37},
//    "rounding": "nearest_even", "saturate": true,
//    "weights": [R*H integers in the weight format, index h*R + r],
//    "bias": integer in the accumulator format (threshold folded in),
//    "decision": "logit >= 0",
//    "float_model": {"weights": [...], "bias": b,
//                    "decision_threshold_logit": t},
//    "metrics": {...}, "provenance": {...}}
#pragma once

#include "fixed_point.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::decoder {

inline constexpr const char* kQModelFormat = "flowrun.qmodel/1";

// The float decoder the fixed-point one approximates (kept so testbenches
// can report agreement with it without the original model file).
struct FloatDecoder {
  std::vector<double> weights;  // index h*rois + r
  double bias = 0;
  double threshold = 0;  // class 1 when logit >= threshold
};

struct QModel {
  int rois = 0;
  int history = 0;
  QFormat feature;
  QFormat weight;
  QFormat accumulator;  // frac_bits == feature.frac_bits + weight.frac_bits
  Rounding rounding = Rounding::NearestEven;
  bool saturate = true;
  std::vector<std::int64_t> weights;  // index h*rois + r
  // bias - threshold, in the accumulator format: decision = (acc >= 0).
  std::int64_t bias = 0;
  std::int64_t acc_bound = 0;  // see accumulator_bound.hpp
  int acc_required_bits = 0;
  int acc_worst_case_bits = 0;
  FloatDecoder float_model;
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json provenance = nlohmann::json::object();

  int terms() const { return rois * history; }
  std::int64_t weight_at(int h, int r) const { return weights[h * rois + r]; }
};

nlohmann::json qmodel_to_json(const QModel& m);
// Validates everything the hardware generators rely on (sizes, ranges,
// formats, and that the accumulator bound fits); throws flowrun::StageError
// "<what>: <field>: expected ..." on violation.
QModel qmodel_from_json(const nlohmann::json& j, const std::string& what);

QModel read_qmodel(const std::filesystem::path& file);
void write_qmodel(const QModel& m, const std::filesystem::path& file);

}  // namespace flowrun::decoder
