// The float model artifact: model.json + raw little-endian float32 tensors.
#include <flowrun_cnn/model.hpp>

#include <flowrun/stage.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

namespace flowrun::cnn {
namespace {

std::vector<long> weight_shape(const Layer& l) {
  if (l.type == LayerType::Conv2d) return {l.out_channels, l.kernel, l.kernel, l.in.channels};
  return {l.out_channels, l.in.size()};
}

std::string shape_text(const std::vector<long>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

// Little-endian on every host (the file format is, whatever the CPU is).
void put_floats(const std::vector<float>& v, const std::filesystem::path& file) {
  std::string bytes(v.size() * 4, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t u;
    std::memcpy(&u, &v[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>(u >> (8 * b));
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw StageError(file.string() + ": cannot open for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw StageError(file.string() + ": write failed (disk full?)");
}

std::vector<float> get_floats(const std::filesystem::path& file, long count, const std::string& tensor) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw StageError(file.string() + ": tensor " + tensor + ": cannot read the file (" + ec.message() + ")");
  if (size != static_cast<std::uintmax_t>(count) * 4)
    throw StageError(file.string() + ": tensor " + tensor + ": " + std::to_string(size) + " bytes, expected " +
                     std::to_string(count) + " float32 values = " + std::to_string(count * 4) + " bytes");
  std::ifstream in(file, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    throw StageError(file.string() + ": tensor " + tensor + ": read failed");
  std::vector<float> v(count);
  for (long i = 0; i < count; ++i) {
    std::uint32_t u = 0;
    for (int b = 0; b < 4; ++b) u |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
    std::memcpy(&v[i], &u, 4);
    if (!std::isfinite(v[i]))
      throw StageError(file.string() + ": tensor " + tensor + ": value " + std::to_string(i) + " (byte " +
                       std::to_string(i * 4) + ") is not finite");
  }
  return v;
}

}  // namespace

void write_model(const CnnModel& model, const std::filesystem::path& dir) {
  const Network& net = model.net;
  // Validate before writing anything.
  if (model.params.size() != net.layers.size())
    throw StageError(dir.string() + ": model has " + std::to_string(model.params.size()) + " parameter sets for " +
                     std::to_string(net.layers.size()) + " layers");
  if (!std::isfinite(model.input_scale) || model.input_scale <= 0)
    throw StageError(dir.string() + ": input_scale must be a positive number");
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const auto& p = model.params[i];
    const long w = l.weight_count(), b = l.has_weights() ? l.out_channels : 0;
    if (static_cast<long>(p.weight.size()) != w || static_cast<long>(p.bias.size()) != b)
      throw StageError(dir.string() + ": layer " + l.name + " has " + std::to_string(p.weight.size()) +
                       " weights and " + std::to_string(p.bias.size()) + " biases, expected " + std::to_string(w) +
                       " and " + std::to_string(b));
    for (const auto* t : {&p.weight, &p.bias})
      for (float x : *t)
        if (!std::isfinite(x)) throw StageError(dir.string() + ": layer " + l.name + " has a non-finite parameter");
  }
  std::filesystem::create_directories(dir);
  nlohmann::json tensors = nlohmann::json::object();
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.has_weights()) continue;
    const std::string w = l.name + ".weight", b = l.name + ".bias";
    tensors[w] = {{"file", w + ".f32"}, {"shape", weight_shape(l)}};
    tensors[b] = {{"file", b + ".f32"}, {"shape", {l.out_channels}}};
    put_floats(model.params[i].weight, dir / (w + ".f32"));
    put_floats(model.params[i].bias, dir / (b + ".f32"));
  }
  const nlohmann::json doc = {{"format", kModelFormat},
                              {"network", network_to_json(net)},
                              {"tensors", tensors},
                              {"input_scale", model.input_scale},
                              {"metrics", model.metrics},
                              {"source", model.source}};
  std::ofstream out(dir / "model.json", std::ios::trunc);
  out << doc.dump(2) << "\n";
  if (!out.flush()) throw StageError((dir / "model.json").string() + ": write failed");
}

CnnModel read_model(const std::filesystem::path& dir) {
  const auto json_path = dir / "model.json";
  const std::string where = json_path.string();
  std::ifstream in(json_path);
  if (!in) throw StageError(where + ": cannot open (expected a model folder written by trainer.cnn)");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw StageError(where + ": invalid JSON: " + e.what());
  }
  if (!doc.is_object()) throw StageError(where + ": expected a JSON object");
  if (doc.value("format", std::string()) != kModelFormat)
    throw StageError(where + ": \"format\" is " + (doc.contains("format") ? doc["format"].dump() : "missing") +
                     ", expected \"" + kModelFormat + "\"");
  if (!doc.contains("network")) throw StageError(where + ": missing \"network\"");
  CnnModel m;
  m.net = network_from_json(doc["network"], where + ": network");
  const auto scale = doc.find("input_scale");
  if (scale == doc.end() || !scale->is_number() || !std::isfinite(scale->get<double>()) || scale->get<double>() <= 0)
    throw StageError(where + ": \"input_scale\" must be a positive number");
  m.input_scale = scale->get<double>();
  if (doc.contains("metrics")) m.metrics = doc["metrics"];
  if (doc.contains("source")) m.source = doc["source"];
  const auto tensors = doc.find("tensors");
  if (tensors == doc.end() || !tensors->is_object()) throw StageError(where + ": \"tensors\" must be an object");
  std::set<std::string> used;
  m.params.resize(m.net.layers.size());
  for (std::size_t i = 0; i < m.net.layers.size(); ++i) {
    const Layer& l = m.net.layers[i];
    if (!l.has_weights()) continue;
    for (const bool is_weight : {true, false}) {
      const std::string name = l.name + (is_weight ? ".weight" : ".bias");
      const std::string w = where + ": tensors." + name;
      const auto t = tensors->find(name);
      if (t == tensors->end()) throw StageError(w + ": missing (layer '" + l.text + "')");
      if (!t->is_object()) throw StageError(w + ": expected {\"file\": ..., \"shape\": [...]}");
      const auto want = is_weight ? weight_shape(l) : std::vector<long>{l.out_channels};
      std::vector<long> shape;
      try {
        shape = t->at("shape").get<std::vector<long>>();
      } catch (const nlohmann::json::exception&) {
        throw StageError(w + ": \"shape\" must be a list of integers");
      }
      if (shape != want)
        throw StageError(w + ": shape " + shape_text(shape) + ", expected " + shape_text(want) + " for layer '" +
                         l.text + "' with input " + to_string(l.in));
      const auto file = t->find("file");
      if (file == t->end() || !file->is_string()) throw StageError(w + ": \"file\" must be a file name");
      const std::string f = file->get<std::string>();
      if (f.empty() || f.find('/') != std::string::npos || f == "." || f == "..")
        throw StageError(w + ": file '" + f + "' must be a plain file name inside the model folder");
      const long count = is_weight ? l.weight_count() : l.out_channels;
      (is_weight ? m.params[i].weight : m.params[i].bias) = get_floats(dir / f, count, name);
      used.insert(name);
    }
  }
  for (auto it = tensors->begin(); it != tensors->end(); ++it)
    if (!used.count(it.key()))
      throw StageError(where + ": tensors." + it.key() + ": no layer of the network has this tensor");
  return m;
}

}  // namespace flowrun::cnn
