#include "mult_shape.hpp"

#include <cctype>

namespace flowrun::arith {

std::int64_t MultShape::operand(std::uint64_t pattern, int width) const {
  const auto v = static_cast<std::int64_t>(pattern);
  if (is_signed && ((pattern >> (width - 1)) & 1u)) return v - (std::int64_t{1} << width);
  return v;
}

std::int64_t MultShape::min_value() const {
  return is_signed ? -(std::int64_t{1} << (y_width() - 1)) : 0;
}

std::int64_t MultShape::max_value() const {
  return is_signed ? (std::int64_t{1} << (y_width() - 1)) - 1 : (std::int64_t{1} << y_width()) - 1;
}

std::string MultShape::describe() const {
  return std::to_string(a_width) + "x" + std::to_string(b_width) + (is_signed ? " signed" : " unsigned");
}

std::string default_module_name(int a_width, int b_width, bool is_signed) {
  return "mult" + std::to_string(a_width) + "x" + std::to_string(b_width) + (is_signed ? "s" : "u");
}

std::vector<ParamSpec> shape_params() {
  return {
      {.name = "a_width", .type = ParamType::Int, .doc = "width of operand a in bits",
       .default_value = 8, .min = 1, .max = 16},
      {.name = "b_width", .type = ParamType::Int, .doc = "width of operand b in bits",
       .default_value = 8, .min = 1, .max = 16},
      {.name = "signed", .type = ParamType::Bool,
       .doc = "operands and product are two's complement", .default_value = true},
      {.name = "module", .type = ParamType::String,
       .doc = "Verilog module name; empty: mult<A>x<B>s (signed) or mult<A>x<B>u",
       .default_value = ""},
  };
}

std::vector<ParamSpec> port_params() {
  return {
      {.name = "a_port", .type = ParamType::String, .doc = "operand-a input port of the module", .default_value = "a"},
      {.name = "b_port", .type = ParamType::String, .doc = "operand-b input port of the module", .default_value = "b"},
      {.name = "y_port", .type = ParamType::String, .doc = "product output port of the module", .default_value = "y"},
  };
}

namespace {
bool plain_identifier(const std::string& s) {
  return !s.empty() && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_') &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos;
}
}  // namespace

void ports_from(const Context& ctx, MultShape& shape) {
  shape.a_port = ctx.param<std::string>("a_port");
  shape.b_port = ctx.param<std::string>("b_port");
  shape.y_port = ctx.param<std::string>("y_port");
  for (const auto& [param, value] : {std::pair{"a_port", shape.a_port}, std::pair{"b_port", shape.b_port},
                                     std::pair{"y_port", shape.y_port}}) {
    if (!plain_identifier(value))
      throw StageError(std::string("param ") + param + ": '" + value +
                       "' is not a plain Verilog identifier (letters, digits, '_', not starting with a digit)");
  }
  if (shape.a_port == shape.b_port || shape.a_port == shape.y_port || shape.b_port == shape.y_port)
    throw StageError("params a_port, b_port, y_port: '" + shape.a_port + "', '" + shape.b_port + "', '" +
                     shape.y_port + "' must be three different ports");
}

MultShape shape_from(const Context& ctx, bool needs_table) {
  MultShape s;
  s.a_width = static_cast<int>(ctx.param<std::int64_t>("a_width"));
  s.b_width = static_cast<int>(ctx.param<std::int64_t>("b_width"));
  s.is_signed = ctx.param<bool>("signed");
  s.module = ctx.param<std::string>("module");
  if (s.module.empty()) s.module = default_module_name(s.a_width, s.b_width, s.is_signed);
  const bool ident = !s.module.empty() &&
                     (std::isalpha(static_cast<unsigned char>(s.module[0])) || s.module[0] == '_') &&
                     s.module.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos;
  if (!ident)
    throw StageError("param module: '" + s.module +
                     "' is not a plain Verilog identifier (letters, digits, '_', not starting with a digit)");
  if (needs_table && s.a_width + s.b_width > kMaxTableInputBits)
    throw StageError("params a_width + b_width = " + std::to_string(s.a_width + s.b_width) +
                     ": exhaustive tables are limited to " + std::to_string(kMaxTableInputBits) +
                     " input bits (" + std::to_string(1 << kMaxTableInputBits) + " vectors)");
  return s;
}

}  // namespace flowrun::arith
