// The qmodel artifact (qmodel.json + raw int8 weights and int32 biases) and
// its validation. read_qmodel re-checks everything the integer model and
// the hardware rely on instead of trusting the writer: the RTL compiler
// sizes its datapaths from these numbers.
#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/stage.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>

namespace flowrun::cnn {

using nlohmann::json;
namespace fs = std::filesystem;

const char* to_string(Rounding r) { return r == Rounding::Nearest ? "nearest" : "floor"; }
const char* to_string(Saturation s) { return s == Saturation::Saturate ? "saturate" : "wrap"; }

namespace {

constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

std::string shape_text(const std::vector<long>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Tensor shapes of network.hpp: conv [out][ky][kx][in], dense [out][in].
std::vector<long> weight_shape(const Layer& l) {
  if (l.type == LayerType::Conv2d) return {l.out_channels, l.kernel, l.kernel, l.in.channels};
  return {l.out_channels, l.in.size()};
}

bool is_last_weighted(const Network& net, std::size_t i) { return i + 1 == net.layers.size(); }

}  // namespace

std::int64_t accumulator_bound(const QLayer& l, long reduction) {
  std::int64_t worst = 0;
  const std::size_t outs = l.bias.size();
  for (std::size_t o = 0; o < outs; ++o) {
    std::int64_t sum = 0;
    const std::size_t base = o * static_cast<std::size_t>(reduction);
    for (long k = 0; k < reduction && base + k < l.weight.size(); ++k)
      sum += std::abs(static_cast<int>(l.weight[base + k]));
    worst = std::max<std::int64_t>(worst, std::abs(static_cast<std::int64_t>(l.bias[o])) + 128 * sum);
  }
  return worst;
}

void check_qmodel(const QModel& q, const std::string& what) {
  const auto fail = [&](const std::string& field, const std::string& msg) {
    throw StageError(what + ": " + field + ": " + msg);
  };
  if (q.layers.size() != q.net.layers.size())
    fail("layers", "expected " + std::to_string(q.net.layers.size()) + " entries (one per network layer), got " +
                       std::to_string(q.layers.size()));
  if (q.input_shift < 1 || q.input_shift > 7)
    fail("input_shift", "expected an integer in [1, 7] (pixel >> input_shift must fit int8), got " +
                            std::to_string(q.input_shift));
  if (!(q.input_scale > 0) || !std::isfinite(q.input_scale))
    fail("input_scale", "expected a positive number");
  if (q.multiplier_bits < 2 || q.multiplier_bits > 32)
    fail("multiplier_bits", "expected an integer in [2, 32], got " + std::to_string(q.multiplier_bits));
  if (q.granularity != "per_tensor" && q.granularity != "per_channel")
    fail("granularity", "expected \"per_tensor\" or \"per_channel\", got \"" + q.granularity + "\"");
  const std::int64_t max_m = (std::int64_t{1} << (q.multiplier_bits - 1)) - 1;
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    const Layer& l = q.net.layers[i];
    const QLayer& ql = q.layers[i];
    const std::string f = "layers." + l.name;
    if (!l.has_weights()) {
      if (!ql.weight.empty() || !ql.bias.empty() || !ql.multiplier.empty() || !ql.shift.empty())
        fail(f, std::string("a ") + to_string(l.type) + " layer has no weights, biases or multipliers");
      continue;
    }
    const std::size_t outs = static_cast<std::size_t>(l.out_channels);
    if (ql.weight.size() != static_cast<std::size_t>(l.weight_count()))
      fail(f + ".weight", "expected " + std::to_string(l.weight_count()) + " values (shape " +
                              shape_text(weight_shape(l)) + "), got " + std::to_string(ql.weight.size()));
    for (std::size_t k = 0; k < ql.weight.size(); ++k)
      if (ql.weight[k] < -127)
        fail(f + ".weight[" + std::to_string(k) + "]",
             "expected a value in [-127, 127] (symmetric int8), got " + std::to_string(ql.weight[k]));
    if (ql.bias.size() != outs)
      fail(f + ".bias", "expected " + std::to_string(outs) + " values, got " + std::to_string(ql.bias.size()));
    if (ql.weight_scale.size() != outs)
      fail(f + ".weight_scale", "expected " + std::to_string(outs) + " values, got " +
                                    std::to_string(ql.weight_scale.size()));
    for (std::size_t o = 0; o < outs; ++o)
      if (!(ql.weight_scale[o] > 0) || !std::isfinite(ql.weight_scale[o]))
        fail(f + ".weight_scale[" + std::to_string(o) + "]", "expected a positive number");
    if (!(ql.input_scale > 0) || !std::isfinite(ql.input_scale))
      fail(f + ".input_scale", "expected a positive number");
    const bool last = is_last_weighted(q.net, i);
    if (last) {
      if (!ql.multiplier.empty() || !ql.shift.empty())
        fail(f + ".multiplier", "the last layer outputs int32 logits: expected no multiplier and shift");
      if (ql.output_scale != 0) fail(f + ".output_scale", "expected null for the last layer (logits)");
    } else {
      if (!(ql.output_scale > 0) || !std::isfinite(ql.output_scale))
        fail(f + ".output_scale", "expected a positive number");
      if (ql.multiplier.size() != outs)
        fail(f + ".multiplier", "expected " + std::to_string(outs) + " values, got " +
                                    std::to_string(ql.multiplier.size()));
      if (ql.shift.size() != outs)
        fail(f + ".shift", "expected " + std::to_string(outs) + " values, got " + std::to_string(ql.shift.size()));
      for (std::size_t o = 0; o < outs; ++o) {
        if (ql.multiplier[o] < 1 || ql.multiplier[o] > max_m)
          fail(f + ".multiplier[" + std::to_string(o) + "]",
               "expected an integer in [1, " + std::to_string(max_m) + "] (multiplier_bits " +
                   std::to_string(q.multiplier_bits) + "), got " + std::to_string(ql.multiplier[o]));
        if (ql.shift[o] < 0 || ql.shift[o] > 62)
          fail(f + ".shift[" + std::to_string(o) + "]",
               "expected an integer in [0, 62], got " + std::to_string(ql.shift[o]));
        if (q.granularity == "per_tensor" && (ql.multiplier[o] != ql.multiplier[0] || ql.shift[o] != ql.shift[0]))
          fail(f + ".multiplier[" + std::to_string(o) + "]",
               "granularity per_tensor: expected every channel to repeat multiplier " +
                   std::to_string(ql.multiplier[0]) + " and shift " + std::to_string(ql.shift[0]));
      }
    }
    const std::int64_t bound = accumulator_bound(ql, l.reduction());
    if (bound > kInt32Max)
      fail(f, "the int32 accumulator can overflow: |bias| + 128 * sum|w| reaches " + std::to_string(bound) +
                  " > 2147483647");
  }
}

// ---------------------------------------------------------------------------
// Writing

namespace {

void write_bytes(const fs::path& file, const void* data, std::size_t bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw StageError(file.string() + ": cannot open for writing");
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) throw StageError(file.string() + ": write failed");
}

}  // namespace

void write_qmodel(const QModel& q, const fs::path& dir) {
  check_qmodel(q, (dir / "qmodel.json").string());
  fs::create_directories(dir);
  json layers = json::object();
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    const Layer& l = q.net.layers[i];
    if (!l.has_weights()) continue;
    const QLayer& ql = q.layers[i];
    const std::string wfile = l.name + ".weight.i8";
    const std::string bfile = l.name + ".bias.i32";
    write_bytes(dir / wfile, ql.weight.data(), ql.weight.size());
    // Little-endian on disk whatever the host is.
    std::vector<std::uint8_t> b(ql.bias.size() * 4);
    for (std::size_t o = 0; o < ql.bias.size(); ++o) {
      const auto u = static_cast<std::uint32_t>(ql.bias[o]);
      for (int k = 0; k < 4; ++k) b[o * 4 + k] = static_cast<std::uint8_t>(u >> (8 * k));
    }
    write_bytes(dir / bfile, b.data(), b.size());
    const bool last = is_last_weighted(q.net, i);
    layers[l.name] = {
        {"weight", {{"file", wfile}, {"shape", weight_shape(l)}}},
        {"bias", {{"file", bfile}, {"shape", {l.out_channels}}}},
        {"weight_scale", ql.weight_scale},
        {"input_scale", ql.input_scale},
        {"output_scale", last ? json(nullptr) : json(ql.output_scale)},
        {"multiplier", ql.multiplier},
        {"shift", ql.shift},
        {"accumulator_bound", accumulator_bound(ql, l.reduction())},
    };
  }
  const json j = {
      {"format", kQModelFormat},
      {"network", network_to_json(q.net)},
      {"input_scale", q.input_scale},
      {"input_shift", q.input_shift},
      {"rounding", to_string(q.rounding)},
      {"saturation", to_string(q.saturation)},
      {"granularity", q.granularity},
      {"multiplier_bits", q.multiplier_bits},
      {"layers", layers},
      {"metrics", q.metrics},
      {"source", q.source},
  };
  std::ofstream out(dir / "qmodel.json", std::ios::trunc);
  if (!out) throw StageError((dir / "qmodel.json").string() + ": cannot open for writing");
  out << j.dump(2) << "\n";
  if (!out) throw StageError((dir / "qmodel.json").string() + ": write failed");
}

// ---------------------------------------------------------------------------
// Reading

namespace {

// Field access whose messages name the file and the JSON path.
struct Fields {
  std::string file;

  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    throw StageError(file + ": " + field + ": expected " + expected);
  }
  const json& at(const json& obj, const std::string& key, const std::string& path) const {
    if (!obj.is_object() || !obj.contains(key)) fail(path, "a field (missing)");
    return obj.at(key);
  }
  std::int64_t integer(const json& v, const std::string& path, std::int64_t lo, std::int64_t hi) const {
    const std::string range = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got ";
    if (!v.is_number_integer()) fail(path, range + v.dump());
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) fail(path, range + v.dump());
    const auto x = v.get<std::int64_t>();
    if (x < lo || x > hi) fail(path, range + v.dump());
    return x;
  }
  double positive(const json& v, const std::string& path) const {
    if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
      fail(path, "a positive number, got " + v.dump());
    return v.get<double>();
  }
  std::string choice(const json& obj, const std::string& key, std::initializer_list<const char*> options) const {
    const json& v = at(obj, key, key);
    std::string list;
    for (const char* o : options) {
      if (v.is_string() && v.get<std::string>() == o) return o;
      list += (list.empty() ? "\"" : " or \"") + std::string(o) + "\"";
    }
    fail(key, list + ", got " + v.dump());
  }
  // An array of exactly n elements.
  const json& array(const json& obj, const std::string& key, const std::string& path, std::size_t n) const {
    const json& v = at(obj, key, path);
    if (!v.is_array() || v.size() != n)
      fail(path, "an array of " + std::to_string(n) + " values, got " +
                     (v.is_array() ? std::to_string(v.size()) + " values" : v.dump()));
    return v;
  }
};

// Reads the tensor file named by entry {"file", "shape"}; returns raw bytes
// after checking the shape and the exact file size.
std::vector<char> read_tensor(const fs::path& dir, const json& entry, const std::string& path,
                              const std::vector<long>& shape, std::size_t elem_bytes, const Fields& fd) {
  const json& file = fd.at(entry, "file", path + ".file");
  if (!file.is_string() || file.get<std::string>().empty())
    fd.fail(path + ".file", "a file name, got " + file.dump());
  const std::string name = file.get<std::string>();
  // Plain names only: an artifact never points outside its folder.
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "." || name == "..")
    fd.fail(path + ".file", "a plain file name inside the qmodel folder, got " + file.dump());
  const json& sh = fd.at(entry, "shape", path + ".shape");
  bool same = sh.is_array() && sh.size() == shape.size();
  for (std::size_t k = 0; same && k < shape.size(); ++k)
    same = sh[k].is_number_integer() && sh[k].get<long>() == shape[k];
  if (!same) fd.fail(path + ".shape", shape_text(shape) + " (from the network), got " + sh.dump());
  long count = 1;
  for (long d : shape) count *= d;
  const std::uint64_t want = static_cast<std::uint64_t>(count) * elem_bytes;
  const fs::path p = dir / name;
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) throw StageError(p.string() + ": cannot read (" + path + ".file): " + ec.message());
  if (size != want)
    throw StageError(p.string() + ": expected " + std::to_string(want) + " bytes (" + path + ", shape " +
                     shape_text(shape) + ", " + std::to_string(elem_bytes) + " byte(s) each), got " +
                     std::to_string(size));
  std::vector<char> bytes(want);
  std::ifstream in(p, std::ios::binary);
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(want)))
    throw StageError(p.string() + ": read failed");
  return bytes;
}

}  // namespace

QModel read_qmodel(const fs::path& dir) {
  const fs::path jfile = dir / "qmodel.json";
  const Fields fd{jfile.string()};
  std::ifstream in(jfile);
  if (!in) throw StageError(jfile.string() + ": cannot open (is " + dir.string() + " a qmodel artifact?)");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw StageError(jfile.string() + ": byte " + std::to_string(e.byte) + ": not valid JSON");
  }
  if (!j.is_object()) fd.fail("top level", "a JSON object");
  const json& fmt = fd.at(j, "format", "format");
  if (fmt != kQModelFormat) fd.fail("format", std::string("\"") + kQModelFormat + "\", got " + fmt.dump());

  QModel q;
  q.net = network_from_json(fd.at(j, "network", "network"), jfile.string() + ": network");
  q.input_scale = fd.positive(fd.at(j, "input_scale", "input_scale"), "input_scale");
  q.input_shift = static_cast<int>(fd.integer(fd.at(j, "input_shift", "input_shift"), "input_shift", 1, 7));
  q.rounding = fd.choice(j, "rounding", {"nearest", "floor"}) == "nearest" ? Rounding::Nearest : Rounding::Floor;
  q.saturation =
      fd.choice(j, "saturation", {"saturate", "wrap"}) == "saturate" ? Saturation::Saturate : Saturation::Wrap;
  q.granularity = fd.choice(j, "granularity", {"per_tensor", "per_channel"});
  q.multiplier_bits =
      static_cast<int>(fd.integer(fd.at(j, "multiplier_bits", "multiplier_bits"), "multiplier_bits", 2, 32));
  const std::int64_t max_m = (std::int64_t{1} << (q.multiplier_bits - 1)) - 1;

  const json& layers = fd.at(j, "layers", "layers");
  if (!layers.is_object()) fd.fail("layers", "an object keyed by layer name");
  for (auto it = layers.begin(); it != layers.end(); ++it) {
    const Layer* l = q.net.find(it.key());
    if (!l || !l->has_weights())
      fd.fail("layers." + it.key(), "only conv2d and dense layers of the network, got an unknown or weightless layer");
  }
  q.layers.resize(q.net.layers.size());
  for (std::size_t i = 0; i < q.net.layers.size(); ++i) {
    const Layer& l = q.net.layers[i];
    if (!l.has_weights()) continue;
    const std::string f = "layers." + l.name;
    const json& e = fd.at(layers, l.name, f);
    if (!e.is_object()) fd.fail(f, "an object");
    QLayer& ql = q.layers[i];
    const std::size_t outs = static_cast<std::size_t>(l.out_channels);

    const auto wbytes = read_tensor(dir, fd.at(e, "weight", f + ".weight"), f + ".weight", weight_shape(l), 1, fd);
    ql.weight.resize(wbytes.size());
    for (std::size_t k = 0; k < wbytes.size(); ++k) {
      ql.weight[k] = static_cast<std::int8_t>(wbytes[k]);
      if (ql.weight[k] == -128)
        throw StageError((dir / e["weight"]["file"].get<std::string>()).string() + ": byte " + std::to_string(k) +
                         ": expected a weight in [-127, 127] (symmetric int8), got -128");
    }
    const auto bbytes = read_tensor(dir, fd.at(e, "bias", f + ".bias"), f + ".bias", {l.out_channels}, 4, fd);
    ql.bias.resize(outs);
    for (std::size_t o = 0; o < outs; ++o) {
      std::uint32_t u = 0;
      for (int k = 0; k < 4; ++k) u |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(bbytes[o * 4 + k])) << (8 * k);
      ql.bias[o] = static_cast<std::int32_t>(u);
    }

    const json& ws = fd.array(e, "weight_scale", f + ".weight_scale", outs);
    for (std::size_t o = 0; o < outs; ++o)
      ql.weight_scale.push_back(fd.positive(ws[o], f + ".weight_scale[" + std::to_string(o) + "]"));
    ql.input_scale = fd.positive(fd.at(e, "input_scale", f + ".input_scale"), f + ".input_scale");
    const bool last = is_last_weighted(q.net, i);
    const json& os = fd.at(e, "output_scale", f + ".output_scale");
    if (last) {
      if (!os.is_null()) fd.fail(f + ".output_scale", "null for the last layer (its outputs are int32 logits), got " + os.dump());
      for (const char* k : {"multiplier", "shift"})
        if (e.contains(k) && !(e[k].is_array() && e[k].empty()))
          fd.fail(f + "." + k, "[] for the last layer (no requantization), got " + e[k].dump());
      continue;
    }
    ql.output_scale = fd.positive(os, f + ".output_scale");
    const json& m = fd.array(e, "multiplier", f + ".multiplier", outs);
    const json& s = fd.array(e, "shift", f + ".shift", outs);
    for (std::size_t o = 0; o < outs; ++o) {
      ql.multiplier.push_back(fd.integer(m[o], f + ".multiplier[" + std::to_string(o) + "]", 1, max_m));
      ql.shift.push_back(static_cast<int>(fd.integer(s[o], f + ".shift[" + std::to_string(o) + "]", 0, 62)));
    }
  }
  if (j.contains("metrics")) q.metrics = j["metrics"];
  if (j.contains("source")) q.source = j["source"];
  // Everything that spans fields: per-tensor repetition and the accumulator bound.
  check_qmodel(q, jfile.string());
  return q;
}

}  // namespace flowrun::cnn
