// Interprets the generic Liberty syntax tree: library -> cells -> pins.
#include "syntax.hpp"

#include <flowrun_liberty/liberty.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace flowrun::liberty {
namespace {

using detail::Attribute;
using detail::Group;

std::string at(const std::string& file, int line) { return file + ":" + std::to_string(line); }

double number(const Attribute& a, const std::string& file) {
  const std::string& s = a.values.empty() ? std::string() : a.values[0];
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw LibertyError(at(file, a.line) + ": expected a number for '" + a.name + "', got '" + s + "'");
  return v;
}

int integer(const Attribute& a, const std::string& file) {
  const std::string& s = a.values.empty() ? std::string() : a.values[0];
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw LibertyError(at(file, a.line) + ": expected an integer for '" + a.name + "', got '" + s + "'");
  return v;
}

void read_pins(const Group& pin_group, LibCell& cell, const std::string& file) {
  if (pin_group.args.empty())
    throw LibertyError(at(file, pin_group.line) + ": expected a pin name in 'pin ()'");
  LibPin proto;
  proto.line = pin_group.line;
  for (const auto& a : pin_group.attributes) {
    if (a.name == "direction") {
      proto.direction = a.values.at(0);
      if (proto.direction != "input" && proto.direction != "output" && proto.direction != "inout" &&
          proto.direction != "internal")
        throw LibertyError(at(file, a.line) + ": expected direction input, output, inout or internal, got '" +
                           proto.direction + "'");
    } else if (a.name == "function") {
      proto.function = a.values.at(0);
      proto.line = a.line;
    } else if (a.name == "capacitance") {
      proto.capacitance = number(a, file);
    } else if (a.name == "clock") {
      proto.clock = a.values.at(0) == "true";
    }
  }
  if (proto.direction.empty())
    throw LibertyError(at(file, pin_group.line) + ": expected a 'direction' attribute in pin '" +
                       pin_group.args[0] + "' of cell '" + cell.name + "'");
  // pin (A, B) { ... } declares several pins with the same attributes.
  for (const auto& name : pin_group.args) {
    if (cell.pin(name))
      throw LibertyError(at(file, pin_group.line) + ": pin '" + name + "' is declared twice in cell '" +
                         cell.name + "'");
    LibPin p = proto;
    p.name = name;
    cell.pins.push_back(std::move(p));
  }
}

LibCell read_cell(const Group& g, const std::string& file) {
  if (g.args.size() != 1)
    throw LibertyError(at(file, g.line) + ": expected one cell name in 'cell ()'");
  LibCell cell;
  cell.name = g.args[0];
  cell.line = g.line;
  for (const auto& a : g.attributes) {
    if (a.name == "area") cell.area = number(a, file);
    else if (a.name == "flowrun_transistors") cell.transistors = integer(a, file);
  }
  for (const auto& sub : g.groups) {
    if (sub.type == "pin") {
      read_pins(sub, cell, file);
    } else if (sub.type == "ff" || sub.type == "latch" || sub.type == "ff_bank" ||
               sub.type == "latch_bank" || sub.type == "statetable") {
      cell.sequential = true;
    }
    // bus/bundle pins, test_cell, leakage groups...: not needed here.
  }
  for (const auto& p : cell.pins) {
    if (p.direction == "input") cell.inputs.push_back(p.name);
    else if (p.direction == "output") cell.outputs.push_back(p.name);
    if (p.direction == "output" && !p.function.empty() && cell.output.empty()) cell.output = p.name;
  }
  if (cell.output.empty() && !cell.outputs.empty()) cell.output = cell.outputs.front();
  const LibPin* out = cell.output.empty() ? nullptr : cell.pin(cell.output);
  if (!cell.sequential && out && !out->function.empty() && cell.inputs.size() <= 6) {
    cell.truth = function_truth(out->function, cell.inputs, at(file, out->line));
    cell.has_truth = true;
  }
  return cell;
}

}  // namespace

Library parse_liberty(std::string_view text, const std::string& file_name) {
  Group root = detail::parse_syntax(text, file_name);
  if (root.type != "library")
    throw LibertyError(at(file_name, root.line) + ": expected 'library (NAME) {', got '" + root.type + "'");
  Library lib;
  lib.file = file_name;
  lib.name = root.args.empty() ? std::string() : root.args[0];
  for (const auto& g : root.groups) {
    if (g.type != "cell") continue;
    LibCell c = read_cell(g, file_name);
    if (lib.find(c.name))
      throw LibertyError(at(file_name, g.line) + ": cell '" + c.name + "' is defined twice");
    lib.cells.push_back(std::move(c));
  }
  if (lib.cells.empty())
    throw LibertyError(file_name + ": expected at least one 'cell (NAME) {' group in library '" + lib.name + "'");
  return lib;
}

std::string liberty_without_cells(std::string_view text, const std::string& file_name,
                                  const std::vector<std::string>& drop) {
  Group root = detail::parse_syntax(text, file_name);
  std::vector<const Group*> cut;
  for (const auto& name : drop) {
    const Group* found = nullptr;
    for (const auto& g : root.groups)
      if (g.type == "cell" && g.args.size() == 1 && g.args[0] == name) found = &g;
    if (!found) throw LibertyError(file_name + ": expected a cell named '" + name + "' in the library");
    cut.push_back(found);
  }
  std::string out;
  std::size_t pos = 0;
  for (const auto& g : root.groups) {
    bool dropped = false;
    for (const Group* c : cut) dropped = dropped || c == &g;
    if (!dropped) continue;
    out.append(text.substr(pos, g.begin - pos));
    out += "/* cell (" + g.args[0] + ") removed by flowrun */";
    pos = g.end;
  }
  out.append(text.substr(pos));
  return out;
}

Library read_liberty(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw LibertyError(file.string() + ": cannot open the Liberty file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw LibertyError(file.string() + ": read error");
  return parse_liberty(ss.str(), file.string());
}

}  // namespace flowrun::liberty
