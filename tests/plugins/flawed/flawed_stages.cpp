// Stages with questionable declarations, for flow validation tests. The
// loader accepts them; the flow reader must refuse to run the first two.
#include <flowrun/sdk.hpp>

#include <fstream>

namespace flowrun::flawed {
namespace {

// Writes "x" to every output file; never reached in the escape tests.
class Base : public Stage {
 public:
  const StageSpec& spec() const override { return spec_; }
  void run(Context& ctx) const override {
    for (const auto& out : spec_.outputs) std::ofstream(ctx.output(out.name)) << "x\n";
  }

 protected:
  StageSpec spec_;
};

class EscapeStage : public Base {
 public:
  EscapeStage() {
    spec_.kind = "flawed.escape";
    spec_.version = "1";
    spec_.summary = "Declares an output file outside its out/ folder";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "", .file = "../escape.txt"}};
  }
};

class AbsoluteStage : public Base {
 public:
  AbsoluteStage() {
    spec_.kind = "flawed.absolute";
    spec_.version = "1";
    spec_.summary = "Declares an absolute output file";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "", .file = "/tmp/flowrun-absolute.txt"}};
  }
};

class SiteStage : public Base {
 public:
  SiteStage() {
    spec_.kind = "flawed.site";
    spec_.version = "1";
    spec_.summary = "Has a Path param defaulting to the site's cell library";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "", .file = "text.txt"}};
    spec_.params = {{.name = "liberty", .type = ParamType::Path, .doc = "cell library",
                     .default_value = "${site.cell_library}"}};
  }
};

}  // namespace
}  // namespace flowrun::flawed

FLOWRUN_REGISTER_STAGE(flowrun::flawed::EscapeStage)
FLOWRUN_REGISTER_STAGE(flowrun::flawed::AbsoluteStage)
FLOWRUN_REGISTER_STAGE(flowrun::flawed::SiteStage)
FLOWRUN_PLUGIN("flawed")
