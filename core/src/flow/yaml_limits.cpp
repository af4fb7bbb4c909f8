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

// YAML text is Unicode; flowrun reads UTF-8. Anything else would reach
// JSON (params, manifests, cache keys), which cannot represent it: refuse
// it here, at the first bad byte.
void check_utf8(const std::string& text) {
  YAML::Mark mark;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (ok && len == 2) ok = c >= 0xc2;  // no overlong forms
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90) && c <= 0xf4;
    }
    if (!ok)
      throw YAML::ParserException(mark, "expected UTF-8 text, got the byte " + std::to_string(c) +
                                            " (save the file as UTF-8)");
    if (c == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
    i += len;
    mark.pos = static_cast<int>(i);
  }
}

}  // namespace

YAML::Node load_bounded_yaml(const std::string& text, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    throw YAML::ParserException(YAML::Mark(), "the file is larger than " +
                                                  std::to_string(limits.max_bytes >> 20) + " MiB");
  }
  check_utf8(text);
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ExpansionCounter counter(limits);
    parser.HandleNextDocument(counter);
  }
  return YAML::Load(text);
}

}  // namespace flowrun
