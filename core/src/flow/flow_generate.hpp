// Synthetic flows for benchmarks: large, valid flows for the demo test
// plugin, so flow reading and validation can be timed at scale.
#pragma once

#include <string>

namespace flowrun {

// A flow of `stages` stages (at least 1) using the demo plugin at
// plugin_path: a demo.source, then a chain of demo.transform stages each
// reading the previous one (every 7th also takes the source as its
// optional `extra` input), and every 50th stage a demo.concat gathering
// the ten stages before it (a side branch: the
// chain continues from the stage before it). Uses vars and ${...} substitution as real
// flows do. Valid as generated: load_flow reports no problems.
std::string generate_chain_flow(int stages, const std::string& plugin_path);

}  // namespace flowrun
