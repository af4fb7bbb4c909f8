// hello.greet: writes a greeting per name, one line each, and counts them.
#include <flowrun/sdk.hpp>

#include <fstream>

namespace {

class GreetStage : public flowrun::Stage {
 public:
  GreetStage() {
    spec_.kind = "hello.greet";
    spec_.version = "1.0";
    spec_.summary = "Greet everybody in `names`";
    spec_.doc = "Writes \"<greeting>, <name>!\" for every name to greetings.txt.";
    spec_.outputs = {{.name = "greetings", .type = "text", .doc = "one line per name",
                      .file = "greetings.txt"}};
    spec_.params = {
        {.name = "names", .type = flowrun::ParamType::StringList, .doc = "who to greet",
         .default_value = flowrun::json::array({"world"})},
        {.name = "greeting", .type = flowrun::ParamType::String, .doc = "the word to use",
         .default_value = "Hello", .choices = {"Hello", "Hi", "Welcome"}},
    };
    spec_.key_metrics = {"greeted"};
  }
  const flowrun::StageSpec& spec() const override { return spec_; }

  void run(flowrun::Context& ctx) const override {
    const auto names = ctx.param<std::vector<std::string>>("names");
    if (names.empty()) throw flowrun::StageError("names: expected at least one name");
    std::ofstream out(ctx.output("greetings"));
    for (const auto& n : names) out << ctx.param<std::string>("greeting") << ", " << n << "!\n";
    ctx.metric("greeted", static_cast<int>(names.size()));
  }

 private:
  flowrun::StageSpec spec_;
};

}  // namespace

FLOWRUN_REGISTER_STAGE(GreetStage)
FLOWRUN_PLUGIN("hello")
