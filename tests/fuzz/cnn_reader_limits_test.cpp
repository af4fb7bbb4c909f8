// The documented limits of the cnn plugin's readers (docs/security.md,
// "Limits of the readers"): IDX files (plain and gzip), float and int8
// model artifacts. A separate program from reader_limits_test.cpp because
// the cnn code is built for the host CPU (-march=native) and Eigen objects
// must not cross between code built with different alignments.
#include "fuzz_support.hpp"
#include "limits_test_support.hpp"

#include <flowrun_cnn/images.hpp>
#include <flowrun_cnn/model.hpp>
#include <flowrun_cnn/qmodel.hpp>

#include <flowrun/stage.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

namespace fz = flowrun::fuzz;
namespace fs = std::filesystem;
using flowrun::fuzz::error_of;

namespace {

std::string gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

// ------------------------------------------------------------------- IDX

TEST(IdxLimits, ATruncatedGzipIsRejectedNamingTheOffset) {
  const std::string idx = read_text(FLOWRUN_FUZZ_CORPUS "/idx/images_2x28x28.idx");
  const std::string gz = gzip(idx);
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "cut.idx.gz", gz.substr(0, gz.size() / 2));
  const auto e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_idx(file); });
  EXPECT_CONTAINS(e, file.string() + ": byte ");
  EXPECT_CONTAINS(e, "truncated");
}

TEST(IdxLimits, AHeaderClaimingMoreThanTheGzipCanHoldIsRejectedBeforeAllocating) {
  std::string idx("\x00\x00\x08\x03\x00\x00\xff\xff\x00\x00\x00\x1c\x00\x00\x00\x1c", 16);  // 65535 x 28 x 28
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "claim.idx.gz", gzip(idx + "\x01\x02"));
  const auto e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_idx(file); });
  EXPECT_CONTAINS(e, file.string() + ": byte 16: header says 65535x28x28");
}

TEST(IdxLimits, AGzipBombAfterTheDataIsNotInflatedToTheEnd) {
  std::string idx("\x00\x00\x08\x01\x00\x00\x00\x02\x05\x06", 10);
  const auto file = fz::write_file(fz::fresh_scratch_dir(), "bomb.idx.gz", gzip(idx + std::string(8u << 20, '\0')));
  const auto e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_idx(file); });
  EXPECT_CONTAINS(e, file.string() + ": byte 10: more than 1048576 unexpected bytes after the data");
}

// ---------------------------------------------------------- model, qmodel

TEST(ModelLimits, TruncatedAndGarbageModelsAreClearErrors) {
  const std::string bundle = read_text(FLOWRUN_FUZZ_CORPUS "/model/tiny_cnn.bundle");
  const auto& dir = fz::fresh_scratch_dir();
  fz::write_bundle(dir, bundle);
  EXPECT_NO_THROW(flowrun::cnn::read_model(dir));
  // A tensor cut short.
  const std::string weights = read_text(dir / "dense1.weight.f32");
  fz::write_file(dir, "dense1.weight.f32", weights.substr(0, weights.size() - 3));
  auto e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_model(dir); });
  EXPECT_CONTAINS(e, (dir / "dense1.weight.f32").string() + ": tensor dense1.weight: 93 bytes, expected 24");
  // model.json cut in the middle, then random bytes.
  fz::write_file(dir, "model.json", bundle.substr(14, 200));
  e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_model(dir); });
  EXPECT_CONTAINS(e, (dir / "model.json").string() + ": invalid JSON");
  fz::write_file(dir, "model.json", std::string("\x89\xff\x00garbage", 10));
  e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_model(dir); });
  EXPECT_CONTAINS(e, (dir / "model.json").string() + ": invalid JSON");
}

TEST(ModelLimits, TruncatedAndGarbageQModelsAreClearErrors) {
  const std::string bundle = read_text(FLOWRUN_FUZZ_CORPUS "/qmodel/tiny_cnn.bundle");
  const auto& dir = fz::fresh_scratch_dir();
  fz::write_bundle(dir, bundle);
  EXPECT_NO_THROW(flowrun::cnn::read_qmodel(dir));
  fz::write_file(dir, "conv1.bias.i32", "\x01\x02\x03");
  auto e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_qmodel(dir); });
  EXPECT_CONTAINS(e, (dir / "conv1.bias.i32").string() + ": expected 8 bytes");
  fz::write_file(dir, "qmodel.json", "{\"format\": \"flowrun.cnn_int8/1\", \"network\": ");
  e = error_of<flowrun::StageError>([&] { flowrun::cnn::read_qmodel(dir); });
  EXPECT_CONTAINS(e, (dir / "qmodel.json").string() + ": byte ");
  EXPECT_CONTAINS(e, "not valid JSON");
}
