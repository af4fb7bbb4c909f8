// Generates the synthesizable Verilog-2005 decoder from a qmodel
// (the work of rtl.decoder). Interface and timing: docs/decoder-rtl.md.
//
//   module <name> (
//     input  clk, rst_n (asynchronous, active low),
//     input  in_valid, output in_ready,
//     input  [R*FB-1:0] in_frame      ROI r at bits [r*FB +: FB],
//     output out_valid, output signed [AB-1:0] logit, output decision);
//
// mac_units == R*H: every product and a balanced adder tree in one cycle;
// a frame is accepted every cycle (in_ready is tied high) and its result
// appears one cycle later.
// mac_units < R*H: K = ceil(R*H / mac_units) cycles per frame, one group
// of mac_units products per cycle; in_ready tells when the next frame may
// be presented; the result appears K+1 cycles after the frame.
#pragma once

#include "qmodel.hpp"

#include <string>

namespace flowrun::decoder {

struct RtlOptions {
  std::string module_name = "logistic_decoder";  // sanitized before use
  int mac_units = 0;                              // 0: rois*history
  std::string generator = "rtl.decoder";          // stage kind and version, for the header
  std::string qmodel_sha256;                      // provenance, may be empty
};

struct RtlDesign {
  std::string module_name;  // the sanitized name actually used
  int mac_units = 0;
  int cycles_per_frame = 1;  // K
  int latency_cycles = 1;    // frame accepted in cycle c -> out_valid in cycle c + latency
  double throughput_frames_per_cycle = 1;
  std::string verilog;
};

// Throws std::invalid_argument when mac_units is outside [0, rois*history].
RtlDesign generate_decoder_rtl(const QModel& q, const RtlOptions& options);

}  // namespace flowrun::decoder
