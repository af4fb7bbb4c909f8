// Generates the self-checking testbench artifact for the decoder (the work
// of testbench.decoder). Artifact contract (shared with sim.iverilog):
//
//   testbench/testbench.json  {"format":"flowrun.testbench/1",
//                              "top":"tb_<module>","sources":["tb_decoder.v"],
//                              "timeout_s":600, ...}
//   testbench/tb_decoder.v    the testbench module (Verilog-2005)
//   testbench/vectors.hex     $readmemh vectors, one line per eval frame
//
// vectors.hex line layout, most significant hex digit first:
//   1 digit  flags: bit 0 = first frame of a sequence (reset before it),
//                   bit 1 = float decoder's decision, bit 2 = expected
//                   decision, bit 3 = 0
//   LW/4 digits expected logit (two's complement, sign-extended to LW =
//               acc_bits rounded up to a multiple of 4)
//   FW/4 digits in_frame (R*FB bits, ROI r at [r*FB +: FB], zero-padded
//               to FW = R*FB rounded up to a multiple of 4)
//
// The testbench drives the frames in stream order through the in_valid /
// in_ready handshake, resets the DUT (after draining every pending result)
// before each sequence, compares logit and decision of every out_valid
// cycle with the vectors, and prints one line
//   FLOWRUN_RESULT {"status":"PASS|FAIL","vectors":N,"mismatches":M,
//                   "float_agreement":F,"float_disagreements":D,"cycles":C,
//                   "latency_cycles":L,"min_latency_cycles":l,
//                   "frame_interval_cycles":I}
// before $finish (latency: cycles from presenting a frame to its result,
// largest and smallest seen; interval: fewest cycles between two frames
// of one sequence, i.e. 1 / measured throughput). It samples and drives on the falling clock edge and uses
// only the DUT's ports, so it runs unchanged on a gate-level netlist.
#pragma once

#include "qmodel.hpp"

#include <flowrun_neuro/dataset.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace flowrun::decoder {

struct TestbenchOptions {
  std::string module_name = "logistic_decoder";  // the DUT; sanitized like rtl.decoder does
  long max_frames = 0;                            // 0: every frame given
  int timeout_s = 600;
  std::string generator = "testbench.decoder";
  nlohmann::json provenance = nlohmann::json::object();
};

struct TestbenchArtifact {
  std::string top;        // testbench module name
  std::string verilog;    // tb_decoder.v
  std::string vectors;    // vectors.hex
  nlohmann::json manifest;  // testbench.json
  long vector_count = 0;
  long sequences = 0;
  long expected_float_agreements = 0;  // integer model vs float decisions
  long feature_saturations = 0;
};

// Frames come from `sequences` in order (each starts with a reset).
TestbenchArtifact generate_testbench(const QModel& q,
                                     const std::vector<neuro::Sequence>& sequences,
                                     const TestbenchOptions& options);

// Writes the three files into `dir` (created if needed).
void write_testbench(const TestbenchArtifact& tb, const std::filesystem::path& dir);

}  // namespace flowrun::decoder
