#include "qmodel.hpp"

#include "accumulator_bound.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>

namespace flowrun::decoder {

using nlohmann::json;

static json format_json(const QFormat& q) {
  return {{"bits", q.bits}, {"frac_bits", q.frac_bits}, {"q", q.name()}};
}

json qmodel_to_json(const QModel& m) {
  json acc = format_json(m.accumulator);
  acc["bound"] = m.acc_bound;
  acc["required_bits"] = m.acc_required_bits;
  acc["worst_case_bits"] = m.acc_worst_case_bits;
  return {
      {"format", kQModelFormat},
      {"rois", m.rois},
      {"history", m.history},
      {"feature", format_json(m.feature)},
      {"weight", format_json(m.weight)},
      {"accumulator", acc},
      {"rounding", to_string(m.rounding)},
      {"saturate", m.saturate},
      {"weights", m.weights},
      {"bias", m.bias},
      {"decision", "logit >= 0"},
      {"float_model",
       {{"weights", m.float_model.weights},
        {"bias", m.float_model.bias},
        {"decision_threshold_logit", m.float_model.threshold}}},
      {"metrics", m.metrics},
      {"provenance", m.provenance},
  };
}

namespace {

// Field access with messages that name the file and the JSON path.
struct Reader {
  std::string what;

  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    throw StageError(what + ": " + field + ": expected " + expected);
  }
  const json& at(const json& obj, const std::string& key, const std::string& path) const {
    if (!obj.is_object() || !obj.contains(key)) fail(path, "a field (missing)");
    return obj.at(key);
  }
  std::int64_t integer(const json& obj, const std::string& key, const std::string& path,
                       std::int64_t lo, std::int64_t hi) const {
    const json& v = at(obj, key, path);
    if (!v.is_number_integer()) fail(path, "an integer, got " + v.dump());
    const std::int64_t x = v.get<std::int64_t>();
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
      fail(path, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got " + v.dump());
    }
    if (x < lo || x > hi) {
      fail(path, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got " + v.dump());
    }
    return x;
  }
  double real(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = at(obj, key, path);
    if (!v.is_number()) fail(path, "a number, got " + v.dump());
    return v.get<double>();
  }
  QFormat format(const json& obj, const std::string& key, int min_bits, int max_bits) const {
    const json& f = at(obj, key, key);
    if (!f.is_object()) fail(key, "an object {\"bits\":..,\"frac_bits\":..}");
    QFormat q;
    q.bits = static_cast<int>(integer(f, "bits", key + ".bits", min_bits, max_bits));
    q.frac_bits = static_cast<int>(integer(f, "frac_bits", key + ".frac_bits", -128, 128));
    return q;
  }
};

}  // namespace

QModel qmodel_from_json(const json& j, const std::string& what) {
  Reader rd{what};
  if (!j.is_object()) rd.fail("top level", "a JSON object");
  const json& fmt = rd.at(j, "format", "format");
  if (fmt != kQModelFormat) {
    rd.fail("format", std::string("\"") + kQModelFormat + "\", got " + fmt.dump());
  }
  QModel m;
  m.rois = static_cast<int>(rd.integer(j, "rois", "rois", 1, 4096));
  m.history = static_cast<int>(rd.integer(j, "history", "history", 1, 4096));
  if (m.rois * m.history > 65536) rd.fail("rois*history", "at most 65536 terms");
  m.feature = rd.format(j, "feature", 2, 32);
  m.weight = rd.format(j, "weight", 2, 32);
  m.accumulator = rd.format(j, "accumulator", 2, 64);
  if (m.accumulator.frac_bits != m.feature.frac_bits + m.weight.frac_bits) {
    rd.fail("accumulator.frac_bits",
            "feature.frac_bits + weight.frac_bits = " +
                std::to_string(m.feature.frac_bits + m.weight.frac_bits) + ", got " +
                std::to_string(m.accumulator.frac_bits));
  }
  const json& rounding = rd.at(j, "rounding", "rounding");
  if (!rounding.is_string()) rd.fail("rounding", "\"nearest_even\" or \"truncate\"");
  try {
    m.rounding = parse_rounding(rounding.get<std::string>());
  } catch (const std::invalid_argument&) {
    rd.fail("rounding", "\"nearest_even\" or \"truncate\", got " + rounding.dump());
  }
  const json& sat = rd.at(j, "saturate", "saturate");
  if (!sat.is_boolean()) rd.fail("saturate", "true or false, got " + sat.dump());
  m.saturate = sat.get<bool>();

  const json& w = rd.at(j, "weights", "weights");
  if (!w.is_array() || w.size() != static_cast<std::size_t>(m.terms())) {
    rd.fail("weights", "an array of rois*history = " + std::to_string(m.terms()) + " integers");
  }
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string path = "weights[" + std::to_string(i) + "]";
    m.weights.push_back(rd.integer(json{{"w", w[i]}}, "w", path, m.weight.min_int(),
                                   m.weight.max_int()));
  }
  // Whether the bias fits acc_bits is part of the bound check below.
  m.bias = rd.integer(j, "bias", "bias", INT64_MIN + 1, INT64_MAX);
  if (m.accumulator.bits < std::max(m.feature.bits, m.weight.bits)) {
    rd.fail("accumulator.bits", "at least max(feature.bits, weight.bits) = " +
                                    std::to_string(std::max(m.feature.bits, m.weight.bits)));
  }

  // Re-derive the overflow bound instead of trusting the file: the RTL's
  // correctness depends on it.
  const AccumulatorBound b =
      accumulator_bound(m.weights, m.bias, m.feature.bits, m.weight.bits);
  check_accumulator(b, m.accumulator.bits, m.feature.bits, m.weight.bits, m.weights.size(),
                    what);
  m.acc_bound = static_cast<std::int64_t>(b.bound);
  m.acc_required_bits = b.required_bits;
  m.acc_worst_case_bits = b.worst_case_bits;

  const json& fm = rd.at(j, "float_model", "float_model");
  const json& fw = rd.at(fm, "weights", "float_model.weights");
  if (!fw.is_array() || fw.size() != static_cast<std::size_t>(m.terms())) {
    rd.fail("float_model.weights", "an array of " + std::to_string(m.terms()) + " numbers");
  }
  for (std::size_t i = 0; i < fw.size(); ++i) {
    if (!fw[i].is_number()) {
      rd.fail("float_model.weights[" + std::to_string(i) + "]", "a number, got " + fw[i].dump());
    }
    m.float_model.weights.push_back(fw[i].get<double>());
  }
  m.float_model.bias = rd.real(fm, "bias", "float_model.bias");
  m.float_model.threshold =
      rd.real(fm, "decision_threshold_logit", "float_model.decision_threshold_logit");
  if (j.contains("metrics")) m.metrics = j.at("metrics");
  if (j.contains("provenance")) m.provenance = j.at("provenance");
  if (!m.provenance.is_object()) rd.fail("provenance", "an object");
  return m;
}

QModel read_qmodel(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw StageError(file.string() + ": cannot open the qmodel file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw StageError(file.string() + ": not valid JSON (byte " + std::to_string(e.byte) +
                     "): expected a flowrun.qmodel/1 document");
  }
  return qmodel_from_json(j, file.string());
}

void write_qmodel(const QModel& m, const std::filesystem::path& file) {
  std::ofstream out(file);
  if (!out) throw StageError(file.string() + ": cannot write the qmodel file");
  out << qmodel_to_json(m).dump(2) << "\n";
  if (!out) throw StageError(file.string() + ": write failed");
}

}  // namespace flowrun::decoder
