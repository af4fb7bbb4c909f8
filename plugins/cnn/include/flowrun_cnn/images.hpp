// The `images` artifact: a labelled image data set split into train,
// validation and test, written by dataset.idx and read by the trainer, the
// quantizer and the testbench generator.
//
// A folder:
//   dataset.json   {"format": "flowrun.images/1",
//                   "channels": 1, "height": 28, "width": 28, "classes": 10,
//                   "class_names": ["T-shirt/top", ...],
//                   "splits": {"train": {"images": "train-images.idx",
//                                        "labels": "train-labels.idx",
//                                        "count": 54000},
//                              "val": {...}, "test": {...}},
//                   "source": {...provenance: input files and their sha256...}}
//   *.idx          IDX files (the MNIST format, uncompressed): images are
//                  idx3 (count, height, width) for one channel or idx4
//                  (count, height, width, channels), unsigned bytes;
//                  labels idx1 unsigned bytes.
// A split may be empty (count 0, no files).
#pragma once

#include <flowrun_cnn/network.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::cnn {

inline constexpr const char* kImagesFormat = "flowrun.images/1";

struct ImageSplit {
  long count = 0;
  // count images, each height*width*channels bytes in channel-last order
  // (y, x, c) — the layout of network.hpp.
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;  // count labels in [0, classes)
  const std::uint8_t* image(long i, long image_size) const {
    return pixels.data() + i * image_size;
  }
};

struct ImageSet {
  Shape shape;  // channels, height, width of one image
  int classes = 0;
  std::vector<std::string> class_names;
  ImageSplit train, val, test;
  nlohmann::json source = nlohmann::json::object();
  long image_size() const { return shape.size(); }
};

// An IDX array as read from a file (plain or gzip-compressed).
struct IdxArray {
  std::vector<int> dims;            // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> data;   // unsigned-byte elements, row-major
};
// Reads an IDX file of unsigned bytes; a name ending in ".gz" is
// decompressed. Errors are StageError naming the file and the byte offset
// ("train-images-idx3-ubyte.gz: byte 2: expected data type 0x08 (unsigned
// byte), got 0x0d"); sizes are checked against the header before reading.
IdxArray read_idx(const std::filesystem::path& file);
void write_idx(const IdxArray& a, const std::filesystem::path& file);

// Reads / writes the artifact folder; read_images checks every file against
// dataset.json (counts, shapes, labels < classes) and names what is wrong.
ImageSet read_images(const std::filesystem::path& dir);
void write_images(const ImageSet& set, const std::filesystem::path& dir);

}  // namespace flowrun::cnn
