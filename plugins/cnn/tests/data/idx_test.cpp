// IDX reading (plain and gzip, every corruption a user can hit), the images
// artifact round trip and the dataset.idx stage.
#include "fake_context.hpp"
#include "test_util.hpp"

#include <flowrun_cnn/images.hpp>

#include <flowrun/plugin.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

using namespace flowrun;
using namespace flowrun::cnn;
using flowrun::cnn::test::FakeContext;
using flowrun::cnn::test::read_bytes;
using flowrun::cnn::test::temp_dir;
using flowrun::cnn::test::write_bytes;

namespace {

std::string idx_bytes(const std::vector<int>& dims, const std::string& data, unsigned char type = 0x08) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (int d : dims)
    for (int sh : {24, 16, 8, 0}) s += static_cast<char>((static_cast<unsigned>(d) >> sh) & 0xff);
  return s + data;
}

std::string gzip(const std::string& raw) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, raw.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string error_of(const std::filesystem::path& f) {
  try {
    read_idx(f);
  } catch (const StageError& e) {
    return e.what();
  }
  return "no error";
}

const Stage& stage(const std::string& kind) {
  for (const auto& s : detail::plugin_registry())
    if (s->spec().kind == kind) return *s;
  throw std::runtime_error("stage " + kind + " not registered");
}

// Small synthetic IDX set: image i has pixel value (i * 7 + k) % 256 at k.
void write_set(const std::filesystem::path& dir, const std::string& prefix, int count, int h, int w,
               int classes) {
  std::string img, lab;
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < h * w; ++k) img += static_cast<char>((i * 7 + k) % 256);
    lab += static_cast<char>(i % classes);
  }
  write_bytes(dir / (prefix + "-images.idx.gz"), gzip(idx_bytes({count, h, w}, img)));
  write_bytes(dir / (prefix + "-labels.idx"), idx_bytes({count}, lab));
}

json set_params(const std::filesystem::path& dir) {
  return {{"train_images", (dir / "train-images.idx.gz").string()},
          {"train_labels", (dir / "train-labels.idx").string()},
          {"test_images", (dir / "test-images.idx.gz").string()},
          {"test_labels", (dir / "test-labels.idx").string()},
          {"class_names", {"a", "b", "c"}}};
}

std::string stage_error(const std::filesystem::path& out, json params) {
  FakeContext ctx(stage("dataset.idx").spec(), out, std::move(params));
  try {
    stage("dataset.idx").run(ctx);
  } catch (const StageError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Idx, ReadsPlainAndGzipIdentically) {
  const auto dir = temp_dir();
  const std::string data = "\x01\x02\x03\x04\x05\x06";
  write_bytes(dir / "a.idx", idx_bytes({3, 2}, data));
  write_bytes(dir / "a.idx.gz", gzip(idx_bytes({3, 2}, data)));
  for (const char* f : {"a.idx", "a.idx.gz"}) {
    const IdxArray a = read_idx(dir / f);
    EXPECT_EQ(a.dims, (std::vector<int>{3, 2})) << f;
    EXPECT_EQ(std::string(a.data.begin(), a.data.end()), data) << f;
  }
  write_idx(read_idx(dir / "a.idx.gz"), dir / "b.idx");
  EXPECT_EQ(read_bytes(dir / "b.idx"), read_bytes(dir / "a.idx"));
}

TEST(Idx, CorruptFilesNameFileOffsetAndExpectation) {
  const auto dir = temp_dir();
  const auto f = [&](const std::string& name, const std::string& bytes) {
    return error_of(write_bytes(dir / name, bytes));
  };
  const std::string p = dir.string() + "/";
  EXPECT_EQ(f("trunc.idx", idx_bytes({2, 2, 2}, "abcde")),
            p + "trunc.idx: byte 21: file ends after 5 of 8 data bytes (header says 2x2x2; truncated file)");
  EXPECT_EQ(f("type.idx", idx_bytes({2}, "ab", 0x0d)),
            p + "type.idx: byte 2: expected data type 0x08 (unsigned byte), got 0x0d");
  EXPECT_EQ(f("magic.idx", "PK\x03\x04zzzz"),
            p + "magic.idx: byte 0: expected the IDX magic 00 00 08 <dims>, got 0x50 0x4b (not an IDX file)");
  EXPECT_EQ(f("dims0.idx", std::string("\0\0\x08\0", 4)), p + "dims0.idx: byte 3: expected 1 to 8 dimensions, got 0");
  EXPECT_EQ(f("extra.idx", idx_bytes({2}, "abXYZ")),
            p + "extra.idx: byte 10: 3 unexpected bytes after the data (header says 2; expected end of file)");
  EXPECT_EQ(f("short.idx", std::string("\0\0", 2)),
            p + "short.idx: byte 2: file ends inside the 4-byte IDX magic (expected 00 00 08 <dims>)");
  EXPECT_EQ(f("head.idx", std::string("\0\0\x08\x02\0\0\0\x05\0\0", 10)),
            p + "head.idx: byte 10: file ends inside the header (dimension 2 of 2)");
  // An absurd header is rejected before anything is allocated.
  EXPECT_EQ(f("huge.idx", idx_bytes({2000000000, 2000000000, 28}, "")),
            p + "huge.idx: byte 8: the dimensions multiply to more than 4294967296 elements (corrupt header?)");
  EXPECT_EQ(f("huge.idx.gz", gzip(idx_bytes({100000, 1000, 28}, "x"))).substr(0, p.size() + 26),
            p + "huge.idx.gz: byte 16: head");
  EXPECT_EQ(error_of(dir / "missing.idx"), p + "missing.idx: no such file");
}

TEST(Idx, TruncatedAndCorruptGzip) {
  const auto dir = temp_dir();
  std::string data(5000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string gz = gzip(idx_bytes({50, 100}, data));
  const std::string p = dir.string() + "/";
  // Cut the compressed stream in half: inflate runs out of input.
  const std::string half = error_of(write_bytes(dir / "half.idx.gz", gz.substr(0, gz.size() / 2)));
  EXPECT_EQ(half.rfind(p + "half.idx.gz: byte ", 0), 0u) << half;
  EXPECT_NE(half.find(": the gzip data ends early (truncated .gz file)"), std::string::npos) << half;
  // Complete gzip stream of a truncated IDX file: the IDX check reports it.
  EXPECT_EQ(error_of(write_bytes(dir / "short.idx.gz", gzip(idx_bytes({50, 100}, data.substr(0, 4000))))),
            p + "short.idx.gz: byte 4012: data ends after 4000 of 5000 bytes (header says 50x100; truncated file)");
  // Flipped bytes in the deflate data.
  std::string bad = gz;
  for (std::size_t i = 20; i < 60 && i < bad.size(); ++i) bad[i] = static_cast<char>(~bad[i]);
  const std::string corrupt = error_of(write_bytes(dir / "bad.idx.gz", bad));
  EXPECT_EQ(corrupt.rfind(p + "bad.idx.gz: byte ", 0), 0u) << corrupt;
  EXPECT_NE(corrupt.find("gzip"), std::string::npos) << corrupt;
}

TEST(Images, RoundTripAndValidation) {
  const auto dir = temp_dir();
  ImageSet s;
  s.shape = {3, 4, 5};
  s.classes = 4;
  s.class_names = {"w", "x", "y", "z"};
  s.train.count = 3;
  for (int i = 0; i < 3 * 60; ++i) s.train.pixels.push_back(static_cast<std::uint8_t>(i));
  s.train.labels = {0, 3, 2};
  s.test.count = 1;
  s.test.pixels.assign(60, 9);
  s.test.labels = {1};
  s.source = {{"note", "test"}};
  write_images(s, dir / "set");
  const ImageSet r = read_images(dir / "set");
  EXPECT_EQ(r.shape, s.shape);
  EXPECT_EQ(r.classes, 4);
  EXPECT_EQ(r.class_names, s.class_names);
  EXPECT_EQ(r.train.pixels, s.train.pixels);
  EXPECT_EQ(r.train.labels, s.train.labels);
  EXPECT_EQ(r.val.count, 0);
  EXPECT_EQ(r.test.labels, s.test.labels);
  EXPECT_EQ(r.source, s.source);
  EXPECT_FALSE(std::filesystem::exists(dir / "set" / "val-images.idx"));  // empty split: no files
  // Three channels are stored as idx4 (count, height, width, channels).
  EXPECT_EQ(read_idx(dir / "set" / "train-images.idx").dims, (std::vector<int>{3, 4, 5, 3}));

  // A label out of range is refused before anything is written.
  ImageSet bad = s;
  bad.train.labels[1] = 4;
  EXPECT_THROW(write_images(bad, dir / "bad"), StageError);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad"));

  // read_images checks the files against dataset.json.
  write_idx({{3}, {0, 7, 1}}, dir / "set" / "train-labels.idx");
  try {
    read_images(dir / "set");
    FAIL() << "label 7 accepted";
  } catch (const StageError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "set" / "train-labels.idx").string() + ": label 1 (byte 9) is 7, expected < 4 (classes)");
  }
  write_idx({{2}, {0, 1}}, dir / "set" / "train-labels.idx");
  try {
    read_images(dir / "set");
    FAIL() << "2 labels for 3 images accepted";
  } catch (const StageError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "set" / "train-labels.idx").string() +
                                         ": dimensions 2, expected 3 labels (count from dataset.json)");
  }
  write_bytes(dir / "set" / "dataset.json", "{\"format\": \"flowrun.images/0\"}");
  EXPECT_THROW(read_images(dir / "set"), StageError);
}

TEST(DatasetIdxStage, SplitsAreDeterministicAndDocumented) {
  const auto dir = temp_dir();
  write_set(dir, "train", 40, 6, 5, 3);
  write_set(dir, "test", 12, 6, 5, 3);
  json params = set_params(dir);
  params["val_split"] = 0.25;
  params["test_subset"] = 5;
  FakeContext a(stage("dataset.idx").spec(), dir / "a", params);
  stage("dataset.idx").run(a);
  FakeContext b(stage("dataset.idx").spec(), dir / "b", params);
  stage("dataset.idx").run(b);
  EXPECT_EQ(a.metrics["train_images"], 30);
  EXPECT_EQ(a.metrics["val_images"], 10);
  EXPECT_EQ(a.metrics["test_images"], 5);
  for (const char* f : {"dataset.json", "train-images.idx", "val-labels.idx", "test-images.idx"})
    EXPECT_EQ(read_bytes(a.output("dataset") / f), read_bytes(b.output("dataset") / f)) << f;
  const ImageSet s = read_images(a.output("dataset"));
  EXPECT_EQ(s.shape, (Shape{1, 6, 5}));
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"a", "b", "c"}));
  // test_subset: the first images in file order.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.test.labels[i], i % 3);
  EXPECT_EQ(s.test.pixels[30], 7);  // image 1, pixel 0
  // No absolute paths in the artifact, only names and hashes.
  const std::string json_text = read_bytes(a.output("dataset") / "dataset.json");
  EXPECT_EQ(json_text.find(dir.string()), std::string::npos);
  EXPECT_EQ(s.source["train_images"]["file"], "train-images.idx.gz");
  EXPECT_EQ(s.source["train_images"]["sha256"].get<std::string>().size(), 64u);
  // A different seed picks other validation images.
  params["seed"] = 2;
  FakeContext c(stage("dataset.idx").spec(), dir / "c", params);
  stage("dataset.idx").run(c);
  EXPECT_NE(read_bytes(a.output("dataset") / "val-images.idx"), read_bytes(c.output("dataset") / "val-images.idx"));
}

TEST(DatasetIdxStage, ClearErrors) {
  const auto dir = temp_dir();
  write_set(dir, "train", 10, 6, 5, 3);
  write_set(dir, "test", 4, 6, 5, 3);
  write_set(dir, "odd", 4, 5, 5, 3);
  const std::string p = dir.string() + "/";
  json params = set_params(dir);
  params["train_labels"] = (dir / "test-labels.idx").string();
  EXPECT_EQ(stage_error(dir / "o1", params),
            p + "test-labels.idx: 4 labels, but " + p + "train-images.idx.gz has 10 images");
  params = set_params(dir);
  params["test_images"] = (dir / "odd-images.idx.gz").string();
  EXPECT_EQ(stage_error(dir / "o2", params),
            "dataset.idx: training images " + p + "train-images.idx.gz are 1x6x5 (CxHxW) but test images " + p +
                "odd-images.idx.gz are 1x5x5; both splits must have the same image size");
  params = set_params(dir);
  params["class_names"] = {"a", "b"};
  EXPECT_EQ(stage_error(dir / "o3", params),
            p + "train-labels.idx: byte 10: label 2 is 2, expected < 2 (the number of class_names)");
  params = set_params(dir);
  params["train_subset"] = 11;
  EXPECT_EQ(stage_error(dir / "o4", params),
            "dataset.idx: param train_subset is 11 but " + p + "train-images.idx.gz holds only 10 images");
  params = set_params(dir);
  params["test_labels"] = "/usr/share/datasets/fashion-mnist/no-such-file.gz";
  EXPECT_EQ(stage_error(dir / "o5", params),
            "dataset.idx: param test_labels: /usr/share/datasets/fashion-mnist/no-such-file.gz: no such file; "
            "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)");
  EXPECT_FALSE(std::filesystem::exists(dir / "o5" / "dataset" / "dataset.json"));
}

TEST(DatasetIdxStage, FashionMnistDefaults) {
  if (!test::have_fashion()) GTEST_SKIP() << "install the Debian package dataset-fashion-mnist";
  const auto dir = temp_dir();
  FakeContext ctx(stage("dataset.idx").spec(), dir, {{"train_subset", 1000}, {"test_subset", 100}});
  stage("dataset.idx").run(ctx);
  const ImageSet s = read_images(ctx.output("dataset"));
  EXPECT_EQ(s.shape, (Shape{1, 28, 28}));
  EXPECT_EQ(s.classes, 10);
  EXPECT_EQ(s.class_names[9], "Ankle boot");
  EXPECT_EQ(s.train.count, 900);
  EXPECT_EQ(s.val.count, 100);
  EXPECT_EQ(s.test.count, 100);
  // The first Fashion-MNIST test image is an ankle boot.
  EXPECT_EQ(s.test.labels[0], 9);
  const IdxArray full = read_idx(std::string(test::kFashionDir) + "/train-images-idx3-ubyte.gz");
  EXPECT_EQ(full.dims, (std::vector<int>{60000, 28, 28}));
}
