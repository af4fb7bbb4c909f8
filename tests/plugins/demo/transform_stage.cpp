// demo.transform: rewrites a text file line by line (one required input,
// one optional input, a choices param).
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace flowrun::demo {
namespace {

class TransformStage : public Stage {
 public:
  TransformStage() {
    spec_.kind = "demo.transform";
    spec_.version = "1";
    spec_.summary = "Transform each line of a text file";
    spec_.doc =
        "mode upper/lower changes case, reverse reverses each line, none\n"
        "copies. Every output line gets `prefix` in front. The optional\n"
        "`extra` input is appended unchanged.";
    spec_.inputs = {
        {.name = "text", .type = "text", .doc = "the text to transform"},
        {.name = "extra", .type = "text|report", .doc = "appended at the end",
         .optional = true},
    };
    spec_.outputs = {{.name = "text", .type = "text", .doc = "the result", .file = "text.txt"}};
    spec_.params = {
        {.name = "mode", .type = ParamType::String, .doc = "what to do with each line",
         .default_value = "upper", .choices = {"upper", "lower", "reverse", "none"}},
        {.name = "prefix", .type = ParamType::String, .doc = "put before every line",
         .default_value = ""},
    };
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    const auto mode = ctx.param<std::string>("mode");
    const auto prefix = ctx.param<std::string>("prefix");
    std::istringstream in(read_text(ctx.input("text")));
    std::string out, line;
    std::int64_t count = 0;
    while (std::getline(in, line)) {
      if (mode == "upper")
        std::transform(line.begin(), line.end(), line.begin(),
                       [](unsigned char c) { return std::toupper(c); });
      else if (mode == "lower")
        std::transform(line.begin(), line.end(), line.begin(),
                       [](unsigned char c) { return std::tolower(c); });
      else if (mode == "reverse")
        std::reverse(line.begin(), line.end());
      out += prefix + line + "\n";
      ++count;
    }
    if (ctx.has_input("extra")) out += read_text(ctx.input("extra"));
    write_text(ctx.output("text"), out);
    ctx.metric("lines", count);
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::TransformStage)
