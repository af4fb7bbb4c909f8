// Text helpers of report.html: HTML escaping, link targets, numbers as a
// person reads them, and JSON that can sit inside a <script> element.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace flowrun::report_html {

// &, <, >, " and ' as entities: safe in element text and quoted attributes.
std::string escape(const std::string& text);
// A relative path as a link target: every byte outside the unreserved set
// and '/' percent-encoded, so stage folders like "ga.eps_end=0.005" work.
std::string href(const std::string& relative_path);
// A metric or time value: integers as they are, floats with 4 significant
// digits, strings as they are ("nan" stays "nan"), anything else as JSON.
std::string format_value(const nlohmann::json& value);
// Seconds as "0.42 s", "12.3 s", "3 min 05 s".
std::string format_seconds(double seconds);
// JSON text for a <script type="application/json"> element: '<' written as
// \u003c so no "</script>" can end the element early.
std::string script_json(const nlohmann::json& value);
// The same for text that already is valid JSON (a plot file as read).
std::string script_text(const std::string& json_text);

}  // namespace flowrun::report_html
