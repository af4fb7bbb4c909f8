// dataset.idx: IDX image/label files (MNIST, Fashion-MNIST, ...) -> the
// `images` artifact with train / val / test splits.
#include "data/rng.hpp"
#include "data/spec_params.hpp"

#include <flowrun_cnn/images.hpp>

#include <flowrun/sdk.hpp>

#include <algorithm>
#include <cmath>

namespace flowrun::cnn {
namespace {

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
constexpr const char* kFashionPackage = "dataset-fashion-mnist";

StageSpec make_spec() {
  const std::string dir = kFashionDir;
  StageSpec s;
  s.kind = "dataset.idx";
  s.version = "1";
  s.summary = "Labelled images from IDX files (Fashion-MNIST by default) split into train / val / test";
  s.doc =
      "Reads four IDX files (plain or .gz; unsigned bytes; images idx3 count x height x width for one\n"
      "channel or idx4 count x height x width x channels, labels idx1) and writes the `images` artifact\n"
      "(dataset.json + uncompressed IDX files; format flowrun.images/1, docs/cnn-training.md).\n"
      "The defaults are the Fashion-MNIST files of the Debian package dataset-fashion-mnist.\n"
      "Splits: train_subset takes the first N training images in file order (0: all); val_split holds\n"
      "out round(N * val_split) of those, chosen at random from `seed` (kept in file order); the rest\n"
      "is the train split, also in file order (the trainer shuffles). test_subset takes the first N\n"
      "test images in file order (0: all), so a small test set is the same prefix in every flow.\n"
      "Deterministic: same files and params, same bytes.";
  s.outputs.push_back({"dataset", "images", "images artifact folder (dataset.json + IDX files)", "dataset/"});
  s.params = {
      param("train_images", ParamType::Path, dir + "/train-images-idx3-ubyte.gz", "training images IDX file (.gz ok)"),
      param("train_labels", ParamType::Path, dir + "/train-labels-idx1-ubyte.gz", "training labels IDX file (.gz ok)"),
      param("test_images", ParamType::Path, dir + "/t10k-images-idx3-ubyte.gz", "test images IDX file (.gz ok)"),
      param("test_labels", ParamType::Path, dir + "/t10k-labels-idx1-ubyte.gz", "test labels IDX file (.gz ok)"),
      param("train_subset", ParamType::Int, 0, "use only the first N training images, in file order (0: all)", 0,
            std::nullopt),
      param("test_subset", ParamType::Int, 0, "use only the first N test images, in file order (0: all)", 0,
            std::nullopt),
      param("val_split", ParamType::Float, 0.1,
            "fraction of the (subset of) training images held out as the validation split", 0.0, 0.9),
      param("seed", ParamType::Int, 1, "seed of the random choice of validation images", 0, std::nullopt),
      param("class_names", ParamType::StringList,
            json::array({"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                         "Ankle boot"}),
            "one name per class, label order (the default: the ten Fashion-MNIST classes); labels must be "
            "smaller than their count"),
  };
  s.key_metrics = {"train_images", "val_images", "test_images"};
  return s;
}

// Reads one IDX param file; a missing default file names the package.
IdxArray read_param_file(const Context& ctx, const char* name) {
  const std::filesystem::path p = ctx.param<std::string>(name);
  if (p.empty()) throw StageError(std::string("dataset.idx: param ") + name + " is empty");
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) {
    std::string msg = std::string("dataset.idx: param ") + name + ": " + p.string() + ": no such file";
    if (p.parent_path() == kFashionDir)
      msg += "; install the Debian package " + std::string(kFashionPackage) + " (apt-get install " +
             kFashionPackage + ")";
    throw StageError(msg);
  }
  return read_idx(p);
}

// Image files: idx3 (count, h, w) or idx4 (count, h, w, c).
Shape image_shape(const IdxArray& a, const std::string& file) {
  if (a.dims.size() != 3 && a.dims.size() != 4) {
    std::string d;
    for (std::size_t i = 0; i < a.dims.size(); ++i) d += (i ? "x" : "") + std::to_string(a.dims[i]);
    throw StageError(file + ": images must be idx3 (count x height x width) or idx4 (count x height x width x "
                            "channels), got " + std::to_string(a.dims.size()) + " dimensions (" + d + ")");
  }
  Shape s{a.dims.size() == 4 ? a.dims[3] : 1, a.dims[1], a.dims[2]};
  if (s.size() == 0) throw StageError(file + ": images are empty (" + to_string(s) + ")");
  return s;
}

void check_labels(const IdxArray& labels, const IdxArray& images, const std::string& lfile,
                  const std::string& ifile, int classes) {
  if (labels.dims.size() != 1)
    throw StageError(lfile + ": labels must be idx1 (one dimension), got " + std::to_string(labels.dims.size()) +
                     " dimensions");
  if (labels.dims[0] != images.dims[0])
    throw StageError(lfile + ": " + std::to_string(labels.dims[0]) + " labels, but " + ifile + " has " +
                     std::to_string(images.dims[0]) + " images");
  for (std::size_t i = 0; i < labels.data.size(); ++i)
    if (labels.data[i] >= classes)
      throw StageError(lfile + ": byte " + std::to_string(8 + i) + ": label " + std::to_string(i) + " is " +
                       std::to_string(labels.data[i]) + ", expected < " + std::to_string(classes) +
                       " (the number of class_names)");
}

// Copies the listed images (in the given order) into a split.
ImageSplit take(const IdxArray& images, const IdxArray& labels, const std::vector<long>& which, long image_size) {
  ImageSplit s;
  s.count = static_cast<long>(which.size());
  s.pixels.resize(which.size() * image_size);
  s.labels.resize(which.size());
  for (std::size_t k = 0; k < which.size(); ++k) {
    std::copy_n(images.data.begin() + which[k] * image_size, image_size, s.pixels.begin() + k * image_size);
    s.labels[k] = labels.data[which[k]];
  }
  return s;
}

class DatasetIdx final : public Stage {
 public:
  const StageSpec& spec() const override {
    static const StageSpec s = make_spec();
    return s;
  }

  void run(Context& ctx) const override {
    const auto names = ctx.param<std::vector<std::string>>("class_names");
    if (names.empty() || names.size() > 256)
      throw StageError("dataset.idx: param class_names must list 1 to 256 names, got " +
                       std::to_string(names.size()));
    const int classes = static_cast<int>(names.size());
    const std::string ti = ctx.param<std::string>("train_images"), tl = ctx.param<std::string>("train_labels");
    const std::string vi = ctx.param<std::string>("test_images"), vl = ctx.param<std::string>("test_labels");

    ctx.progress(0.0, "reading IDX files");
    const IdxArray train_img = read_param_file(ctx, "train_images");
    const IdxArray train_lab = read_param_file(ctx, "train_labels");
    const IdxArray test_img = read_param_file(ctx, "test_images");
    const IdxArray test_lab = read_param_file(ctx, "test_labels");
    const Shape shape = image_shape(train_img, ti);
    const Shape test_shape = image_shape(test_img, vi);
    if (!(shape == test_shape))
      throw StageError("dataset.idx: training images " + ti + " are " + to_string(shape) + " (CxHxW) but test images " +
                       vi + " are " + to_string(test_shape) + "; both splits must have the same image size");
    check_labels(train_lab, train_img, tl, ti, classes);
    check_labels(test_lab, test_img, vl, vi, classes);

    long n = train_img.dims[0];
    const long train_subset = ctx.param<long>("train_subset");
    if (train_subset > n)
      throw StageError("dataset.idx: param train_subset is " + std::to_string(train_subset) + " but " + ti +
                       " holds only " + std::to_string(n) + " images");
    if (train_subset > 0) n = train_subset;
    long n_test = test_img.dims[0];
    const long test_subset = ctx.param<long>("test_subset");
    if (test_subset > n_test)
      throw StageError("dataset.idx: param test_subset is " + std::to_string(test_subset) + " but " + vi +
                       " holds only " + std::to_string(n_test) + " images");
    if (test_subset > 0) n_test = test_subset;

    const double val_split = ctx.param<double>("val_split");
    const long n_val = std::lround(static_cast<double>(n) * val_split);
    if (n - n_val < 1)
      throw StageError("dataset.idx: no training images left: " + std::to_string(n) + " images, val_split " +
                       std::to_string(val_split));
    // Validation images: a seeded random subset, each split kept in file
    // order so the artifact does not depend on how the choice was made.
    std::vector<long> order(n);
    for (long i = 0; i < n; ++i) order[i] = i;
    Rng rng(static_cast<std::uint64_t>(ctx.param<long>("seed")));
    rng.shuffle(order);
    std::vector<long> val(order.begin(), order.begin() + n_val);
    std::vector<long> train(order.begin() + n_val, order.end());
    std::sort(val.begin(), val.end());
    std::sort(train.begin(), train.end());
    std::vector<long> test(n_test);
    for (long i = 0; i < n_test; ++i) test[i] = i;

    ImageSet set;
    set.shape = shape;
    set.classes = classes;
    set.class_names = names;
    const long isz = shape.size();
    set.train = take(train_img, train_lab, train, isz);
    set.val = take(train_img, train_lab, val, isz);
    set.test = take(test_img, test_lab, test, isz);
    ctx.progress(0.6, "hashing inputs");
    // Provenance: file names and content hashes, never absolute paths.
    const auto src = [&](const std::string& f) {
      return json{{"file", std::filesystem::path(f).filename().string()}, {"sha256", ctx.sha256(f)}};
    };
    set.source = {{"stage", "dataset.idx/1"},
                  {"train_images", src(ti)},
                  {"train_labels", src(tl)},
                  {"test_images", src(vi)},
                  {"test_labels", src(vl)},
                  {"train_subset", train_subset},
                  {"test_subset", test_subset},
                  {"val_split", val_split},
                  {"seed", ctx.param<long>("seed")}};
    ctx.progress(0.8, "writing");
    write_images(set, ctx.output("dataset"));
    ctx.metric("train_images", set.train.count);
    ctx.metric("val_images", set.val.count);
    ctx.metric("test_images", set.test.count);
    ctx.info("images " + to_string(shape) + " (CxHxW), " + std::to_string(classes) + " classes: " +
             std::to_string(set.train.count) + " train, " + std::to_string(set.val.count) + " val, " +
             std::to_string(set.test.count) + " test");
  }
};

}  // namespace
}  // namespace flowrun::cnn

FLOWRUN_REGISTER_STAGE(flowrun::cnn::DatasetIdx)
