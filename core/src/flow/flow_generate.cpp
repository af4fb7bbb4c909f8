#include "flow_generate.hpp"

#include <algorithm>

namespace flowrun {

std::string generate_chain_flow(int stages, const std::string& plugin_path) {
  stages = std::max(stages, 1);
  std::string out;
  out += "name: chain" + std::to_string(stages) + "\n";
  out += "description: generated chain of " + std::to_string(stages) + " demo stages\n";
  out += "vars: {lines: 4, word: hello}\n";
  out += "plugins: [\"" + plugin_path + "\"]\n";
  out += "stages:\n";
  out += "  s0:\n    uses: demo.source\n    with: {text: \"${word}\", lines: \"${lines}\"}\n";
  std::string previous = "s0";
  for (int i = 1; i < stages; ++i) {
    const std::string name = "s" + std::to_string(i);
    if (i % 50 == 0) {
      out += "  " + name + ":\n    uses: demo.concat\n    description: gathers ten stages\n";
      out += "    inputs:\n      parts:\n";
      for (int k = std::max(0, i - 10); k < i; ++k)
        out += "        - s" + std::to_string(k) + ".text" +
               "\n";
      out += "    with: {header: true}\n";
    } else {
      out += "  " + name + ":\n    uses: demo.transform\n";
      out += "    inputs: {text: " + previous + ".text";
      if (i % 7 == 0) out += ", extra: s0.text";
      out += "}\n";
      out += std::string("    with: {mode: ") + (i % 2 ? "upper" : "lower") + ", prefix: \"${word}-" +
             std::to_string(i) + " \"}\n";
    }
    // Gathering stages branch off the chain; chaining through them would
    // multiply the text tenfold every 50 stages.
    if (i % 50 != 0) previous = name;
  }
  return out;
}

}  // namespace flowrun
