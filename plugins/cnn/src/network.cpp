// Parsing, shape inference and the JSON form of the network description.
#include <flowrun_cnn/network.hpp>

#include <flowrun/stage.hpp>

#include <charconv>
#include <map>
#include <sstream>

namespace flowrun::cnn {

std::string to_string(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

const char* to_string(LayerType t) {
  switch (t) {
    case LayerType::Conv2d: return "conv2d";
    case LayerType::Relu: return "relu";
    case LayerType::MaxPool: return "maxpool";
    case LayerType::Flatten: return "flatten";
    case LayerType::Dense: return "dense";
  }
  return "?";
}

long Layer::reduction() const {
  if (type == LayerType::Conv2d) return static_cast<long>(kernel) * kernel * in.channels;
  if (type == LayerType::Dense) return in.size();
  return 0;
}

long Layer::weight_count() const { return has_weights() ? reduction() * out_channels : 0; }

long Network::macs() const {
  long n = 0;
  for (const auto& l : layers) n += l.macs();
  return n;
}

long Network::weight_count() const {
  long n = 0;
  for (const auto& l : layers) n += l.weight_count();
  return n;
}

const Layer* Network::find(const std::string& name) const {
  for (const auto& l : layers)
    if (l.name == name) return &l;
  return nullptr;
}

namespace {

// Limits that keep a mistyped flow from asking for absurd memories.
constexpr int kMaxDim = 1 << 16;

struct LayerError {
  std::string prefix;
  [[noreturn]] void operator()(const std::string& msg) const { throw StageError(prefix + msg); }
};

int parse_int(const std::string& token, const std::string& what, const LayerError& fail) {
  int v = 0;
  const char* b = token.data();
  const char* e = b + token.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e) fail(what + " must be an integer, got '" + token + "'");
  if (v < 0 || v > kMaxDim) fail(what + " must be in [0, " + std::to_string(kMaxDim) + "], got " + token);
  return v;
}

// Splits "conv2d 16 kernel=3 stride=2" into the type, positional values and
// key=value options.
struct Tokens {
  std::string type;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
};

Tokens tokenize(const std::string& text, const LayerError& fail) {
  Tokens t;
  std::istringstream in(text);
  std::string tok;
  while (in >> tok) {
    if (t.type.empty()) {
      t.type = tok;
      continue;
    }
    const auto eq = tok.find('=');
    if (eq == std::string::npos) {
      if (!t.options.empty()) fail("positional value '" + tok + "' after key=value options");
      t.positional.push_back(tok);
    } else {
      const auto key = tok.substr(0, eq);
      if (t.options.count(key)) fail("option '" + key + "' given twice");
      t.options[key] = tok.substr(eq + 1);
    }
  }
  if (t.type.empty()) fail("empty layer");
  return t;
}

void allow_only(const Tokens& t, std::size_t positional, std::initializer_list<const char*> keys,
                const std::string& usage, const LayerError& fail) {
  if (t.positional.size() != positional) fail("expected '" + usage + "'");
  for (const auto& [k, v] : t.options) {
    bool ok = false;
    for (const char* a : keys) ok = ok || k == a;
    if (!ok) fail("unknown option '" + k + "' (expected '" + usage + "')");
  }
}

int option(const Tokens& t, const char* key, int fallback, const LayerError& fail) {
  auto it = t.options.find(key);
  return it == t.options.end() ? fallback : parse_int(it->second, key, fail);
}

}  // namespace

Network parse_network(const std::vector<std::string>& texts, const Shape& input,
                      const std::string& where) {
  const std::string base = where.empty() ? std::string() : where + ": ";
  if (input.channels <= 0 || input.height <= 0 || input.width <= 0)
    throw StageError(base + "input shape " + to_string(input) + " is empty");
  if (texts.empty()) throw StageError(base + "the network has no layers");
  Network net;
  net.input = input;
  std::map<std::string, int> counts;
  Shape cur = input;
  bool flat = false;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const LayerError fail{base + "layer " + std::to_string(i + 1) + " '" + texts[i] + "': "};
    const Tokens t = tokenize(texts[i], fail);
    Layer l;
    l.text = texts[i];
    l.in = cur;
    const LayerType* prev = net.layers.empty() ? nullptr : &net.layers.back().type;
    if (t.type == "conv2d") {
      allow_only(t, 1, {"kernel", "stride", "padding"}, "conv2d OUT kernel=K [stride=S] [padding=P]", fail);
      l.type = LayerType::Conv2d;
      l.out_channels = parse_int(t.positional[0], "output channels", fail);
      if (!t.options.count("kernel")) fail("kernel=K is required");
      l.kernel = option(t, "kernel", 0, fail);
      l.stride = option(t, "stride", 1, fail);
      l.padding = option(t, "padding", 0, fail);
      if (l.out_channels < 1 || l.kernel < 1 || l.stride < 1) fail("channels, kernel and stride must be >= 1");
      if (flat) fail("conv2d after flatten: expects a C×H×W input, got " + to_string(cur));
      if (l.padding >= l.kernel) fail("padding must be smaller than the kernel");
      const int h = cur.height + 2 * l.padding - l.kernel;
      const int w = cur.width + 2 * l.padding - l.kernel;
      if (h < 0 || w < 0)
        fail("kernel " + std::to_string(l.kernel) + " does not fit the input " + to_string(cur));
      l.out = {l.out_channels, h / l.stride + 1, w / l.stride + 1};
    } else if (t.type == "relu") {
      allow_only(t, 0, {}, "relu", fail);
      l.type = LayerType::Relu;
      if (!prev || (*prev != LayerType::Conv2d && *prev != LayerType::Dense))
        fail("relu must directly follow conv2d or dense (it is fused into their output)");
      l.out = cur;
    } else if (t.type == "maxpool") {
      allow_only(t, 1, {"stride"}, "maxpool K [stride=S]", fail);
      l.type = LayerType::MaxPool;
      l.kernel = parse_int(t.positional[0], "window", fail);
      l.stride = option(t, "stride", l.kernel, fail);
      if (l.kernel < 1 || l.stride < 1) fail("window and stride must be >= 1");
      if (!prev || (*prev != LayerType::Conv2d && *prev != LayerType::Relu) || flat)
        fail("maxpool must follow conv2d or relu");
      if (cur.height < l.kernel || cur.width < l.kernel)
        fail("window " + std::to_string(l.kernel) + " does not fit the input " + to_string(cur));
      l.out = {cur.channels, (cur.height - l.kernel) / l.stride + 1,
               (cur.width - l.kernel) / l.stride + 1};
    } else if (t.type == "flatten") {
      allow_only(t, 0, {}, "flatten", fail);
      l.type = LayerType::Flatten;
      if (flat) fail("the input is already flat");
      flat = true;
      l.out = {static_cast<int>(cur.size()), 1, 1};
      if (cur.size() > kMaxDim * 64L) fail("flattened size " + std::to_string(cur.size()) + " is too large");
    } else if (t.type == "dense") {
      allow_only(t, 1, {}, "dense OUT", fail);
      l.type = LayerType::Dense;
      l.out_channels = parse_int(t.positional[0], "output units", fail);
      if (l.out_channels < 1) fail("output units must be >= 1");
      if (!flat) fail("expects a flattened input, got " + to_string(cur) + " (add 'flatten')");
      l.out = {l.out_channels, 1, 1};
    } else {
      fail("unknown layer type '" + t.type + "' (expected conv2d, relu, maxpool, flatten or dense)");
    }
    if (l.out.size() <= 0) fail("output shape " + to_string(l.out) + " is empty");
    l.name = l.type == LayerType::MaxPool  ? std::string("pool")
             : l.type == LayerType::Conv2d ? std::string("conv")
                                           : std::string(to_string(l.type));
    if (l.type != LayerType::Flatten) l.name += std::to_string(++counts[l.name]);
    cur = l.out;
    net.layers.push_back(std::move(l));
  }
  if (net.layers.back().type != LayerType::Dense)
    throw StageError(base + "the last layer must be dense (its outputs are the logits), got '" +
                     net.layers.back().text + "'");
  return net;
}

std::vector<std::string> network_text(const Network& net) {
  std::vector<std::string> out;
  for (const auto& l : net.layers) {
    switch (l.type) {
      case LayerType::Conv2d:
        out.push_back("conv2d " + std::to_string(l.out_channels) + " kernel=" +
                      std::to_string(l.kernel) + " stride=" + std::to_string(l.stride) +
                      " padding=" + std::to_string(l.padding));
        break;
      case LayerType::MaxPool:
        out.push_back("maxpool " + std::to_string(l.kernel) + " stride=" + std::to_string(l.stride));
        break;
      case LayerType::Dense: out.push_back("dense " + std::to_string(l.out_channels)); break;
      default: out.push_back(to_string(l.type));
    }
  }
  return out;
}

nlohmann::json network_to_json(const Network& net) {
  nlohmann::json shapes = nlohmann::json::array();
  for (const auto& l : net.layers) {
    shapes.push_back({{"name", l.name},
                      {"type", to_string(l.type)},
                      {"in", {l.in.channels, l.in.height, l.in.width}},
                      {"out", {l.out.channels, l.out.height, l.out.width}}});
  }
  return {{"input", {net.input.channels, net.input.height, net.input.width}},
          {"layers", network_text(net)},
          {"shapes", shapes}};
}

Network network_from_json(const nlohmann::json& j, const std::string& what) {
  const auto bad = [&](const std::string& m) { throw StageError(what + ": " + m); };
  if (!j.is_object()) bad("expected an object {\"input\": [C, H, W], \"layers\": [...]}");
  const auto in = j.find("input");
  if (in == j.end() || !in->is_array() || in->size() != 3) bad("\"input\" must be [C, H, W]");
  for (const auto& v : *in)
    if (!v.is_number_integer() || v.get<long>() < 1 || v.get<long>() > kMaxDim)
      bad("\"input\" must hold three positive integers");
  const auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) bad("\"layers\" must be a list of strings");
  std::vector<std::string> texts;
  for (const auto& l : *layers) {
    if (!l.is_string()) bad("\"layers\" must be a list of strings");
    texts.push_back(l.get<std::string>());
  }
  return parse_network(texts, {(*in)[0].get<int>(), (*in)[1].get<int>(), (*in)[2].get<int>()},
                       what + ": layers");
}

}  // namespace flowrun::cnn
