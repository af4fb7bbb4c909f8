// IDX files (the MNIST container): a 4-byte magic 00 00 <type> <ndims>,
// ndims big-endian uint32 sizes, then the elements row-major. Only unsigned
// bytes (type 0x08) are supported: every image and label set we read is
// bytes, and accepting other types would only move the error later.
//
// The header is parsed and every size checked before the data buffer is
// allocated, so a corrupt or hostile header fails with a message instead of
// an out-of-memory kill. Offsets in messages are offsets into the IDX
// stream, i.e. into the decompressed data for a .gz file.
#include <flowrun_cnn/images.hpp>

#include <flowrun/stage.hpp>

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

namespace flowrun::cnn {
namespace {

// At most 4 Gi elements in one file: Fashion-MNIST is 47 MB, and anything
// near this limit is a corrupt header rather than a data set.
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 32;
constexpr int kMaxDims = 8;

std::string hex2(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v & 0xffu);
  return b;
}

[[noreturn]] void fail(const std::filesystem::path& file, std::uint64_t offset, const std::string& msg) {
  throw StageError(file.string() + ": byte " + std::to_string(offset) + ": " + msg);
}

// A sequential byte source over a plain or gzip file. read() fills as much
// as it can and returns the count; a short count means end of data.
class ByteSource {
 public:
  explicit ByteSource(const std::filesystem::path& file) : file_(file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::error_code ec;
      if (!std::filesystem::exists(file, ec)) throw StageError(file.string() + ": no such file");
      throw StageError(file.string() + ": cannot open for reading");
    }
    gz_ = file.extension() == ".gz";
    std::ostringstream buf;
    buf << in.rdbuf();
    raw_ = std::move(buf).str();
    if (gz_) {
      zs_ = std::make_unique<z_stream>();
      *zs_ = {};
      // 16 + MAX_WBITS: expect a gzip wrapper (not raw zlib).
      if (inflateInit2(zs_.get(), 16 + MAX_WBITS) != Z_OK)
        throw StageError(file.string() + ": cannot initialise zlib");
      zs_->next_in = reinterpret_cast<Bytef*>(raw_.data());
      zs_->avail_in = static_cast<uInt>(std::min<std::size_t>(raw_.size(), std::numeric_limits<uInt>::max()));
      fed_ = zs_->avail_in;
    }
  }
  ~ByteSource() {
    if (zs_) inflateEnd(zs_.get());
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool gzip() const { return gz_; }
  std::uint64_t compressed_size() const { return raw_.size(); }
  // Bytes of the IDX stream delivered so far.
  std::uint64_t offset() const { return offset_; }

  std::uint64_t read(std::uint8_t* out, std::uint64_t n) {
    std::uint64_t got = 0;
    if (!gz_) {
      got = std::min<std::uint64_t>(n, raw_.size() - pos_);
      std::copy_n(reinterpret_cast<const std::uint8_t*>(raw_.data()) + pos_, got, out);
      pos_ += got;
    } else {
      while (got < n && !ended_) {
        if (zs_->avail_in == 0 && fed_ < raw_.size()) {
          const std::size_t more = std::min<std::size_t>(raw_.size() - fed_, std::numeric_limits<uInt>::max());
          zs_->next_in = reinterpret_cast<Bytef*>(raw_.data() + fed_);
          zs_->avail_in = static_cast<uInt>(more);
          fed_ += more;
        }
        const std::uint64_t chunk = std::min<std::uint64_t>(n - got, std::numeric_limits<uInt>::max());
        zs_->next_out = out + got;
        zs_->avail_out = static_cast<uInt>(chunk);
        const int rc = inflate(zs_.get(), Z_NO_FLUSH);
        got += chunk - zs_->avail_out;
        if (rc == Z_STREAM_END) {
          // Concatenated gzip members are one stream (gzip(1) semantics).
          if (zs_->avail_in > 0 || fed_ < raw_.size()) {
            if (inflateReset(zs_.get()) != Z_OK) throw StageError(file_.string() + ": zlib reset failed");
          } else {
            ended_ = true;
          }
        } else if (rc == Z_BUF_ERROR && zs_->avail_in == 0 && fed_ >= raw_.size()) {
          // Input exhausted in the middle of a deflate stream.
          throw StageError(file_.string() + ": byte " + std::to_string(offset_ + got) +
                           ": the gzip data ends early (truncated .gz file)");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
          throw StageError(file_.string() + ": byte " + std::to_string(offset_ + got) +
                           ": corrupt gzip data (" + (zs_->msg ? zs_->msg : "zlib error " + std::to_string(rc)) + ")");
        }
      }
    }
    offset_ += got;
    return got;
  }

 private:
  std::filesystem::path file_;
  bool gz_ = false;
  std::string raw_;
  std::uint64_t pos_ = 0;
  std::unique_ptr<z_stream> zs_;
  std::size_t fed_ = 0;
  bool ended_ = false;
  std::uint64_t offset_ = 0;
};

}  // namespace

IdxArray read_idx(const std::filesystem::path& file) {
  ByteSource src(file);
  std::uint8_t magic[4];
  const auto got = src.read(magic, 4);
  if (got < 4)
    fail(file, got, "file ends inside the 4-byte IDX magic (expected 00 00 08 <dims>)");
  if (magic[0] != 0 || magic[1] != 0)
    fail(file, magic[0] != 0 ? 0 : 1,
         "expected the IDX magic 00 00 08 <dims>, got " + hex2(magic[0]) + " " + hex2(magic[1]) +
             " (not an IDX file)");
  if (magic[2] != 0x08)
    fail(file, 2, "expected data type 0x08 (unsigned byte), got " + hex2(magic[2]));
  const int ndims = magic[3];
  if (ndims < 1 || ndims > kMaxDims)
    fail(file, 3, "expected 1 to " + std::to_string(kMaxDims) + " dimensions, got " + std::to_string(ndims));

  IdxArray a;
  std::uint64_t elements = 1;
  for (int i = 0; i < ndims; ++i) {
    std::uint8_t b[4];
    const std::uint64_t at = src.offset();
    const auto n = src.read(b, 4);
    if (n < 4)
      fail(file, at + n, "file ends inside the header (dimension " + std::to_string(i + 1) + " of " +
                             std::to_string(ndims) + ")");
    const std::uint64_t d = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) |
                            (std::uint64_t{b[2]} << 8) | b[3];
    if (d > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      fail(file, at, "dimension " + std::to_string(i + 1) + " is " + std::to_string(d) + " (absurd; corrupt header?)");
    elements *= d;
    if (elements > kMaxElements)
      fail(file, at, "the dimensions multiply to more than " + std::to_string(kMaxElements) +
                         " elements (corrupt header?)");
    a.dims.push_back(static_cast<int>(d));
  }
  const std::uint64_t header = src.offset();
  std::string shape;
  for (std::size_t i = 0; i < a.dims.size(); ++i) shape += (i ? "x" : "") + std::to_string(a.dims[i]);
  // Sizes known from the file itself, checked before allocating: a plain
  // file must hold exactly header + elements bytes; deflate cannot expand
  // more than ~1032:1, so a .gz far too small for the data is truncated.
  if (!src.gzip()) {
    const std::uint64_t size = src.compressed_size();
    if (size < header + elements)
      fail(file, size, "file ends after " + std::to_string(size - header) + " of " + std::to_string(elements) +
                           " data bytes (header says " + shape + "; truncated file)");
    if (size > header + elements)
      fail(file, header + elements, std::to_string(size - header - elements) +
                                        " unexpected bytes after the data (header says " + shape +
                                        "; expected end of file)");
  } else if (elements > src.compressed_size() * 1100 + 4096) {
    fail(file, header, "header says " + shape + " (" + std::to_string(elements) + " bytes), more than " +
                           std::to_string(src.compressed_size()) +
                           " bytes of gzip data can hold (truncated or corrupt file)");
  }
  a.data.resize(elements);
  const auto n = src.read(a.data.data(), elements);
  if (n < elements)
    fail(file, header + n, "data ends after " + std::to_string(n) + " of " + std::to_string(elements) +
                               " bytes (header says " + shape + "; truncated file)");
  std::uint8_t extra[256];
  const auto more = src.read(extra, sizeof extra);
  if (more > 0) {
    // Count what follows, but not forever: a gzip bomb after valid data
    // would otherwise be inflated to the end.
    constexpr std::uint64_t kCounted = std::uint64_t{1} << 20;
    std::uint64_t total = more;
    while (total < kCounted) {
      const auto k = src.read(extra, sizeof extra);
      if (k == 0) break;
      total += k;
    }
    fail(file, header + elements, (total >= kCounted ? "more than " + std::to_string(kCounted) : std::to_string(total)) +
                                      " unexpected bytes after the data (header says " + shape +
                                      "; expected end of file)");
  }
  return a;
}

void write_idx(const IdxArray& a, const std::filesystem::path& file) {
  if (a.dims.empty() || a.dims.size() > kMaxDims)
    throw StageError(file.string() + ": cannot write an IDX array with " + std::to_string(a.dims.size()) +
                     " dimensions");
  std::uint64_t elements = 1;
  for (int d : a.dims) {
    if (d < 0) throw StageError(file.string() + ": negative IDX dimension " + std::to_string(d));
    elements *= static_cast<std::uint64_t>(d);
  }
  if (elements != a.data.size())
    throw StageError(file.string() + ": IDX dimensions hold " + std::to_string(elements) + " elements but " +
                     std::to_string(a.data.size()) + " are given");
  std::string head = {0, 0, 0x08, static_cast<char>(a.dims.size())};
  for (int d : a.dims) {
    const auto u = static_cast<std::uint32_t>(d);
    head += static_cast<char>(u >> 24);
    head += static_cast<char>(u >> 16);
    head += static_cast<char>(u >> 8);
    head += static_cast<char>(u);
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw StageError(file.string() + ": cannot open for writing");
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  out.write(reinterpret_cast<const char*>(a.data.data()), static_cast<std::streamsize>(a.data.size()));
  if (!out.flush()) throw StageError(file.string() + ": write failed (disk full?)");
}

}  // namespace flowrun::cnn
