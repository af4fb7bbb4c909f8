// The `images` artifact folder: dataset.json + uncompressed IDX files.
#include <flowrun_cnn/images.hpp>

#include <flowrun/stage.hpp>

#include <fstream>
#include <limits>
#include <sstream>

namespace flowrun::cnn {
namespace {

constexpr const char* kSplitNames[] = {"train", "val", "test"};
constexpr int kMaxSide = 1 << 16;

const ImageSplit& split_of(const ImageSet& s, int i) { return i == 0 ? s.train : i == 1 ? s.val : s.test; }
ImageSplit& split_of(ImageSet& s, int i) { return i == 0 ? s.train : i == 1 ? s.val : s.test; }

std::string dims_text(const std::vector<int>& d) {
  std::string s;
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? "x" : "") + std::to_string(d[i]);
  return s;
}

// The dims the images IDX of a split must have: idx3 for one channel,
// idx4 (count, height, width, channels) otherwise.
std::vector<int> image_dims(const Shape& shape, long count) {
  std::vector<int> d = {static_cast<int>(count), shape.height, shape.width};
  if (shape.channels != 1) d.push_back(shape.channels);
  return d;
}

// Checks what write_images and read_images both rely on; `where` prefixes
// messages.
void check_split(const ImageSet& set, int which, const std::string& where) {
  const ImageSplit& s = split_of(set, which);
  const std::string name = kSplitNames[which];
  if (s.count < 0) throw StageError(where + ": split " + name + " has a negative count");
  if (s.pixels.size() != static_cast<std::size_t>(s.count * set.image_size()))
    throw StageError(where + ": split " + name + " has " + std::to_string(s.pixels.size()) + " pixel bytes, expected " +
                     std::to_string(s.count) + " images x " + std::to_string(set.image_size()));
  if (s.labels.size() != static_cast<std::size_t>(s.count))
    throw StageError(where + ": split " + name + " has " + std::to_string(s.labels.size()) + " labels for " +
                     std::to_string(s.count) + " images");
  for (long i = 0; i < s.count; ++i)
    if (s.labels[i] >= set.classes)
      throw StageError(where + ": split " + name + ": label of image " + std::to_string(i) + " is " +
                       std::to_string(s.labels[i]) + ", expected < " + std::to_string(set.classes) + " (classes)");
}

void check_set(const ImageSet& set, const std::string& where) {
  const Shape& sh = set.shape;
  if (sh.channels < 1 || sh.height < 1 || sh.width < 1 || sh.channels > kMaxSide || sh.height > kMaxSide ||
      sh.width > kMaxSide)
    throw StageError(where + ": image shape " + to_string(sh) + " is not positive / too large");
  if (set.classes < 1 || set.classes > 256)
    throw StageError(where + ": classes is " + std::to_string(set.classes) + ", expected 1..256 (labels are bytes)");
  if (set.class_names.size() != static_cast<std::size_t>(set.classes))
    throw StageError(where + ": " + std::to_string(set.class_names.size()) + " class names for " +
                     std::to_string(set.classes) + " classes");
  for (int i = 0; i < 3; ++i) check_split(set, i, where);
}

// A file name from dataset.json must stay inside the artifact folder.
std::string plain_name(const nlohmann::json& v, const std::string& where) {
  if (!v.is_string()) throw StageError(where + ": expected a file name string");
  const std::string s = v.get<std::string>();
  if (s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos || s.find('\\') != std::string::npos)
    throw StageError(where + ": '" + s + "' must be a plain file name inside the artifact folder");
  return s;
}

long get_int(const nlohmann::json& j, const char* key, long lo, long hi, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end()) throw StageError(where + ": missing \"" + key + "\"");
  if (!it->is_number_integer())
    throw StageError(where + ": \"" + key + "\" must be an integer, got " + it->dump());
  const long v = it->get<long>();
  if (v < lo || v > hi)
    throw StageError(where + ": \"" + key + "\" is " + std::to_string(v) + ", expected " + std::to_string(lo) +
                     ".." + std::to_string(hi));
  return v;
}

}  // namespace

void write_images(const ImageSet& set, const std::filesystem::path& dir) {
  // Validate everything before the first byte is written.
  check_set(set, dir.string());
  std::filesystem::create_directories(dir);
  nlohmann::json splits = nlohmann::json::object();
  for (int i = 0; i < 3; ++i) {
    const ImageSplit& s = split_of(set, i);
    const std::string name = kSplitNames[i];
    nlohmann::json j = {{"count", s.count}};
    if (s.count > 0) {
      j["images"] = name + "-images.idx";
      j["labels"] = name + "-labels.idx";
      write_idx({image_dims(set.shape, s.count), s.pixels}, dir / j["images"].get<std::string>());
      write_idx({{static_cast<int>(s.count)}, s.labels}, dir / j["labels"].get<std::string>());
    }
    splits[name] = j;
  }
  const nlohmann::json doc = {{"format", kImagesFormat},
                              {"channels", set.shape.channels},
                              {"height", set.shape.height},
                              {"width", set.shape.width},
                              {"classes", set.classes},
                              {"class_names", set.class_names},
                              {"splits", splits},
                              {"source", set.source}};
  std::ofstream out(dir / "dataset.json", std::ios::trunc);
  out << doc.dump(2) << "\n";
  if (!out.flush()) throw StageError((dir / "dataset.json").string() + ": write failed");
}

ImageSet read_images(const std::filesystem::path& dir) {
  const auto json_path = dir / "dataset.json";
  const std::string where = json_path.string();
  std::ifstream in(json_path);
  if (!in)
    throw StageError(where + ": cannot open (expected an images artifact folder written by dataset.idx)");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw StageError(where + ": invalid JSON: " + e.what());
  }
  if (!doc.is_object()) throw StageError(where + ": expected a JSON object");
  if (doc.value("format", std::string()) != kImagesFormat)
    throw StageError(where + ": \"format\" is " + (doc.contains("format") ? doc["format"].dump() : "missing") +
                     ", expected \"" + kImagesFormat + "\"");
  ImageSet set;
  set.shape.channels = static_cast<int>(get_int(doc, "channels", 1, kMaxSide, where));
  set.shape.height = static_cast<int>(get_int(doc, "height", 1, kMaxSide, where));
  set.shape.width = static_cast<int>(get_int(doc, "width", 1, kMaxSide, where));
  set.classes = static_cast<int>(get_int(doc, "classes", 1, 256, where));
  const auto names = doc.find("class_names");
  if (names == doc.end() || !names->is_array() || names->size() != static_cast<std::size_t>(set.classes))
    throw StageError(where + ": \"class_names\" must be a list of " + std::to_string(set.classes) + " strings");
  for (const auto& n : *names) {
    if (!n.is_string()) throw StageError(where + ": \"class_names\" must hold strings, got " + n.dump());
    set.class_names.push_back(n.get<std::string>());
  }
  if (doc.contains("source")) set.source = doc["source"];
  const auto splits = doc.find("splits");
  if (splits == doc.end() || !splits->is_object())
    throw StageError(where + ": \"splits\" must be an object with train, val and test");
  for (int i = 0; i < 3; ++i) {
    const std::string name = kSplitNames[i];
    const std::string w = where + ": splits." + name;
    const auto sj = splits->find(name);
    if (sj == splits->end() || !sj->is_object()) throw StageError(w + ": missing (expected {\"count\": N, ...})");
    ImageSplit& s = split_of(set, i);
    s.count = get_int(*sj, "count", 0, std::numeric_limits<int>::max(), w);
    if (s.count == 0) continue;
    const auto img_file = dir / plain_name(sj->value("images", nlohmann::json()), w + ".images");
    const auto lab_file = dir / plain_name(sj->value("labels", nlohmann::json()), w + ".labels");
    IdxArray img = read_idx(img_file);
    const auto want = image_dims(set.shape, s.count);
    auto want_alt = want;  // one channel may also be stored as idx4 (..., 1)
    if (set.shape.channels == 1) want_alt.push_back(1);
    if (img.dims != want && img.dims != want_alt)
      throw StageError(img_file.string() + ": dimensions " + dims_text(img.dims) + ", expected " + dims_text(want) +
                       " (count, height, width" + (set.shape.channels == 1 ? "" : ", channels") + " from " +
                       json_path.filename().string() + ")");
    IdxArray lab = read_idx(lab_file);
    if (lab.dims != std::vector<int>{static_cast<int>(s.count)})
      throw StageError(lab_file.string() + ": dimensions " + dims_text(lab.dims) + ", expected " +
                       std::to_string(s.count) + " labels (count from " + json_path.filename().string() + ")");
    for (std::size_t k = 0; k < lab.data.size(); ++k)
      if (lab.data[k] >= set.classes)
        throw StageError(lab_file.string() + ": label " + std::to_string(k) + " (byte " + std::to_string(8 + k) +
                         ") is " + std::to_string(lab.data[k]) + ", expected < " + std::to_string(set.classes) +
                         " (classes)");
    s.pixels = std::move(img.data);
    s.labels = std::move(lab.data);
  }
  check_set(set, where);
  return set;
}

}  // namespace flowrun::cnn
