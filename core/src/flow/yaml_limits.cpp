// The event-stream check behind load_bounded_yaml().
#include "yaml_limits.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <unordered_map>
#include <vector>

namespace flowrun {
namespace {

// Counts the nodes of the document as if every alias were replaced by a
// copy of its anchored node: an anchored node's expanded size is known
// when it ends, and each alias adds that size again.
class ExpansionCounter : public YAML::EventHandler {
 public:
  explicit ExpansionCounter(const YamlLimits& limits) : limits_(limits) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = sizes_.find(anchor);
    add(mark, it == sizes_.end() ? 1 : it->second);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    std::size_t size;
  };

  void add(const YAML::Mark& mark, std::size_t n) {
    total_ += n;
    if (!stack_.empty()) stack_.back().size += n;
    if (total_ > limits_.max_expanded_nodes) {
      throw YAML::ParserException(
          mark, "the document expands to more than " + std::to_string(limits_.max_expanded_nodes) +
                    " nodes once its aliases are expanded (an alias bomb?)");
    }
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor) sizes_[anchor] = 1;
    add(mark, 1);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (stack_.size() >= limits_.max_depth) {
      throw YAML::ParserException(mark, "maps and lists nested deeper than " +
                                            std::to_string(limits_.max_depth) + " levels");
    }
    add(mark, 1);
    stack_.push_back({anchor, 1});
  }
  void close() {
    const Frame f = stack_.back();
    stack_.pop_back();
    if (f.anchor) sizes_[f.anchor] = f.size;
    // The frame's own node was counted when it opened; its children were
    // counted as they came. Pass the subtree size up without recounting.
    if (!stack_.empty()) stack_.back().size += f.size - 1;
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, std::size_t> sizes_;
  std::size_t total_ = 0;
};

}  // namespace

YAML::Node load_bounded_yaml(const std::string& text, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw YAML::ParserException(YAML::Mark(), "the file is larger than " +
                                                  std::to_string(limits.max_bytes >> 20) + " MiB");
  }
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ExpansionCounter counter(limits);
    parser.HandleNextDocument(counter);
  }
  return YAML::Load(text);
}

}  // namespace flowrun
