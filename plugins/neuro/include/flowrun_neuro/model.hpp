// The `model` artifact of the decoder flow (model.json), written by
// trainer.logistic and read by quantizer.fixed_point:
//
//   {"format": "flowrun.logistic/1", "rois": R, "history": H,
//    "weights": [R*H doubles, index h*R + r; h = 0 is the current frame,
//                h = 1 the previous one, ...],
//    "bias": b, "decision_threshold_logit": 0,
//    "train_feature_min": [R per-ROI minima of raw train values],
//    "train_feature_max": [R per-ROI maxima],
//    "metrics": {...}, "source": {"dataset_sha256": "...", "l2": ...}}
//
// The weights apply to raw frames (standardization used in training is
// folded in). Predicted class: logit = bias + w.x >= threshold  =>  1.
#pragma once

#include <nlohmann/json.hpp>

#include <Eigen/Dense>

#include <filesystem>
#include <string>

namespace flowrun::neuro {

inline constexpr const char* kLogisticModelFormat = "flowrun.logistic/1";

struct LogisticModel {
  int rois = 0;
  int history = 0;
  Eigen::VectorXd weights;  // rois*history, index h*rois + r
  double bias = 0;
  double decision_threshold_logit = 0;
  Eigen::VectorXd train_feature_min;  // rois
  Eigen::VectorXd train_feature_max;  // rois
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json source = nlohmann::json::object();

  double weight(int h, int r) const { return weights[h * rois + r]; }
};

// Reads and validates model.json; throws flowrun::StageError naming the
// file and the offending field.
LogisticModel read_model(const std::filesystem::path& file);
void write_model(const LogisticModel& model, const std::filesystem::path& file);
nlohmann::json model_to_json(const LogisticModel& model);
// `what` names the source in error messages (usually the file name).
LogisticModel model_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace flowrun::neuro
