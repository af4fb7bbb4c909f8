// Reading, writing and checking the model artifact (model.json, format in
// include/flowrun_neuro/model.hpp).
#include <flowrun_neuro/model.hpp>

#include <flowrun/stage.hpp>

#include <cmath>
#include <fstream>

namespace flowrun::neuro {

using nlohmann::json;

namespace {

json vec_to_json(const Eigen::VectorXd& v) {
  json a = json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(v[i]);
  return a;
}

const json& field(const json& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end()) throw StageError(what + ": missing field '" + key + "'");
  return *it;
}

double finite_number(const json& v, const std::string& what, const std::string& key) {
  if (!v.is_number()) throw StageError(what + ": field '" + key + "' must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw StageError(what + ": field '" + key + "' must be finite");
  return d;
}

Eigen::VectorXd number_array(const json& j, const char* key, std::size_t size, const std::string& what) {
  const json& a = field(j, key, what);
  if (!a.is_array() || a.size() != size)
    throw StageError(what + ": field '" + key + "' must be an array of " + std::to_string(size) + " numbers");
  Eigen::VectorXd v(static_cast<Eigen::Index>(size));
  for (std::size_t i = 0; i < size; ++i)
    v[static_cast<Eigen::Index>(i)] = finite_number(a[i], what, std::string(key) + "[" + std::to_string(i) + "]");
  return v;
}

int positive_int(const json& j, const char* key, const std::string& what) {
  const json& v = field(j, key, what);
  if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 1000000)
    throw StageError(what + ": field '" + key + "' must be a positive integer");
  return v.get<int>();
}

}  // namespace

json model_to_json(const LogisticModel& m) {
  json j;
  j["format"] = kLogisticModelFormat;
  j["rois"] = m.rois;
  j["history"] = m.history;
  j["weights"] = vec_to_json(m.weights);
  j["bias"] = m.bias;
  j["decision_threshold_logit"] = m.decision_threshold_logit;
  j["train_feature_min"] = vec_to_json(m.train_feature_min);
  j["train_feature_max"] = vec_to_json(m.train_feature_max);
  j["metrics"] = m.metrics;
  j["source"] = m.source;
  return j;
}

LogisticModel model_from_json(const json& j, const std::string& what) {
  if (!j.is_object()) throw StageError(what + ": expected a JSON object");
  const json& fmt = field(j, "format", what);
  if (!fmt.is_string() || fmt.get<std::string>() != kLogisticModelFormat)
    throw StageError(what + ": field 'format' must be \"" + kLogisticModelFormat + "\", got " + fmt.dump());
  LogisticModel m;
  m.rois = positive_int(j, "rois", what);
  m.history = positive_int(j, "history", what);
  m.weights = number_array(j, "weights", static_cast<std::size_t>(m.rois) * m.history, what);
  m.bias = finite_number(field(j, "bias", what), what, "bias");
  if (j.contains("decision_threshold_logit"))
    m.decision_threshold_logit = finite_number(j["decision_threshold_logit"], what, "decision_threshold_logit");
  m.train_feature_min = number_array(j, "train_feature_min", m.rois, what);
  m.train_feature_max = number_array(j, "train_feature_max", m.rois, what);
  for (int r = 0; r < m.rois; ++r)
    if (m.train_feature_min[r] > m.train_feature_max[r])
      throw StageError(what + ": train_feature_min[" + std::to_string(r) + "] exceeds train_feature_max");
  if (j.contains("metrics")) m.metrics = j["metrics"];
  if (j.contains("source")) m.source = j["source"];
  return m;
}

LogisticModel read_model(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StageError(file.string() + ": cannot open model file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw StageError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
  return model_from_json(j, file.string());
}

void write_model(const LogisticModel& m, const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw StageError(file.string() + ": cannot open for writing");
  // dump() prints doubles with max_digits10, so the weights round-trip.
  out << model_to_json(m).dump(2) << "\n";
  out.flush();
  if (!out) throw StageError(file.string() + ": write failed");
}

}  // namespace flowrun::neuro
