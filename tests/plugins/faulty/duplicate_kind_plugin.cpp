// Claims demo.source, which the demo plugin already provides.
#include <flowrun/sdk.hpp>

namespace {

class Impostor : public flowrun::Stage {
 public:
  Impostor() {
    spec_.kind = "demo.source";
    spec_.version = "1";
    spec_.summary = "A second demo.source";
    spec_.outputs = {{.name = "text", .type = "text", .doc = "text", .file = "text.txt"}};
  }
  const flowrun::StageSpec& spec() const override { return spec_; }
  void run(flowrun::Context&) const override {}

 private:
  flowrun::StageSpec spec_;
};

}  // namespace

FLOWRUN_REGISTER_STAGE(Impostor)
FLOWRUN_PLUGIN("duplicate_kind")
