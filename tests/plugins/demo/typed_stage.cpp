// demo.typed: declares one param of every type (with ranges, choices and a
// required one) and a folder output; it writes back what it received so
// tests can check how the engine resolved each value.
#include "demo_io.hpp"

#include <flowrun/sdk.hpp>

#include <algorithm>

namespace flowrun::demo {
namespace {

class TypedStage : public Stage {
 public:
  TypedStage() {
    spec_.kind = "demo.typed";
    spec_.version = "1";
    spec_.summary = "Echo params of every type into a report";
    spec_.doc =
        "params.json holds the resolved params (plus the size of `data` when\n"
        "given and the line count of the optional `text` input); files/\n"
        "holds `count` small files named 1.txt, 2.txt, ...";
    spec_.inputs = {{.name = "text", .type = "text", .doc = "counted when given",
                     .optional = true}};
    spec_.outputs = {
        {.name = "report", .type = "report", .doc = "the resolved params",
         .file = "params.json"},
        {.name = "files", .type = "folder", .doc = "`count` numbered files",
         .file = "files/"},
    };
    spec_.params = {
        {.name = "label", .type = ParamType::String, .doc = "required free text",
         .default_value = nullptr},
        {.name = "flag", .type = ParamType::Bool, .doc = "a switch", .default_value = false},
        {.name = "count", .type = ParamType::Int, .doc = "files to write",
         .default_value = 3, .min = 1, .max = 10},
        {.name = "ratio", .type = ParamType::Float, .doc = "a fraction",
         .default_value = 0.5, .min = 0.0, .max = 1.0},
        {.name = "mode", .type = ParamType::String, .doc = "one of a, b, c",
         .default_value = "a", .choices = {"a", "b", "c"}},
        {.name = "data", .type = ParamType::Path, .doc = "optional file whose size is reported",
         .default_value = ""},
        {.name = "ints", .type = ParamType::IntList, .doc = "numbers in 0..100",
         .default_value = json::array({1, 2}), .min = 0.0, .max = 100.0},
        {.name = "floats", .type = ParamType::FloatList, .doc = "numbers in -1..1",
         .default_value = json::array({0.5}), .min = -1.0, .max = 1.0},
        {.name = "tags", .type = ParamType::StringList, .doc = "colours",
         .default_value = json::array(), .choices = {"red", "green", "blue"}},
    };
  }
  const StageSpec& spec() const override { return spec_; }

  void run(Context& ctx) const override {
    json report = ctx.params();
    const auto data = ctx.param<std::string>("data");
    if (!data.empty()) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(data, ec);
      if (ec) throw StageError(data + ": cannot read size: " + ec.message());
      report["data_bytes"] = size;
      ctx.metric("data_bytes", size);
    }
    if (ctx.has_input("text")) {
      const auto text = read_text(ctx.input("text"));
      report["text_lines"] = std::count(text.begin(), text.end(), '\n');
    }
    write_text(ctx.output("report"), report.dump(2) + "\n");
    const auto folder = ctx.output("files");
    std::filesystem::create_directories(folder);
    const auto count = ctx.param<std::int64_t>("count");
    for (std::int64_t i = 1; i <= count; ++i)
      write_text(folder / (std::to_string(i) + ".txt"), ctx.param<std::string>("label") + "\n");
    ctx.metric("files", count);
    ctx.metric("ratio", ctx.param<double>("ratio"));
  }

 private:
  StageSpec spec_;
};

}  // namespace
}  // namespace flowrun::demo

FLOWRUN_REGISTER_STAGE(flowrun::demo::TypedStage)
