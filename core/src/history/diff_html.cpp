// `flowrun diff --html`: the comparison as one static page (inline style,
// no scripts, nothing fetched), readable offline and in any browser.
#include "html_text.hpp"
#include "run_diff.hpp"

namespace flowrun {

namespace {

using report_html::escape;

std::string str(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

const char* kStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.v { font-family: ui-monospace, monospace; word-break: break-all; }
td.a { background: #fdecea; } td.b { background: #e8f5e9; }
tr.stage td { background: #e8eef7; font-weight: 600; }
.kind { font-weight: normal; color: #555; }
.verdict { font-size: 1.1em; padding: .5em .8em; border-radius: 4px; display: inline-block; }
.same { background: #e8f5e9; } .differ { background: #fff4e5; }
.note { color: #555; }
)";

void row(std::ostream& out, const std::string& what, const std::string& name, const std::string& a,
         const std::string& b, const std::string& extra = "") {
  out << "<tr><td>" << escape(what) << "</td><td>" << escape(name) << "</td><td class=\"v a\">" << escape(a)
      << "</td><td class=\"v b\">" << escape(b) << "</td><td class=\"v\">" << escape(extra)
      << "</td></tr>\n";
}

}  // namespace

void print_diff_html(std::ostream& out, const json& diff) {
  const json& a = diff["a"];
  const json& b = diff["b"];
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>flowrun diff: " << escape(str(a["dir"])) << " vs " << escape(str(b["dir"]))
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>flowrun diff</h1>\n"
      << "<table>\n<tr><th></th><th>run directory</th><th>flow</th><th>started (UTC)</th>"
      << "<th>run id</th><th>status</th></tr>\n";
  for (const char* side : {"a", "b"}) {
    const json& h = diff[side];
    out << "<tr><th>" << side << "</th><td>" << escape(str(h["dir"])) << "</td><td>"
        << escape(str(h["flow"])) << "</td><td>" << escape(str(h["time"])) << "</td><td>"
        << escape(str(h["run_id"])) << "</td><td>" << escape(str(h["status"])) << "</td></tr>\n";
  }
  out << "</table>\n";

  size_t changed = 0;
  std::vector<const json*> only;
  for (const auto& st : diff["stages"]) (st.contains("only_in") ? only.push_back(&st) : void(++changed));
  const bool differ = diff["differ"].get<bool>();
  out << "<p class=\"verdict " << (differ ? "differ" : "same") << "\">";
  if (!differ)
    out << "No differences: " << diff["unchanged"].size()
        << " stages with the same kinds, versions, status, params, input and output hashes "
           "and metrics.";
  else
    out << changed << " stage" << (changed == 1 ? "" : "s") << " changed, " << only.size()
        << " in one run only, " << diff["unchanged"].size() << " unchanged.";
  out << "</p>\n";
  if (diff.contains("flow"))
    out << "<p>The runs are of different flows: <b>" << escape(str(diff["flow"]["a"])) << "</b> and <b>"
        << escape(str(diff["flow"]["b"])) << "</b>.</p>\n";

  if (changed) {
    out << "<h2>Changed stages</h2>\n<table>\n<tr><th>what</th><th>name</th><th>a</th><th>b</th>"
        << "<th>change</th></tr>\n";
    for (const auto& st : diff["stages"]) {
      if (st.contains("only_in")) continue;
      const json& c = st["changes"];
      out << "<tr class=\"stage\"><td colspan=\"5\">" << escape(str(st["stage"]))
          << " <span class=\"kind\">" << escape(str(st["kind"])) << "</span></td></tr>\n";
      for (const char* key : {"kind", "version", "status"})
        if (c.contains(key)) row(out, key, "", str(c[key]["a"]), str(c[key]["b"]));
      if (c.contains("params"))
        for (const auto& [k, v] : c["params"].items())
          row(out, "param", k, value_text(v["a"]), value_text(v["b"]));
      if (c.contains("inputs"))
        for (const auto& [k, v] : c["inputs"].items())
          row(out, "input", k, inputs_text(v["a"]), inputs_text(v["b"]));
      if (c.contains("outputs"))
        for (const auto& [k, v] : c["outputs"].items())
          row(out, "output", k, short_hash(v["a"]), short_hash(v["b"]));
      if (c.contains("metrics"))
        for (const auto& [k, v] : c["metrics"].items())
          row(out, "metric", k, value_text(v["a"]), value_text(v["b"]), delta_text(v));
    }
    out << "</table>\n";
  }
  if (!only.empty()) {
    out << "<h2>Stages in one run only</h2>\n<table>\n<tr><th>stage</th><th>kind</th>"
        << "<th>only in</th><th>status</th></tr>\n";
    for (const json* st : only)
      out << "<tr><td>" << escape(str((*st)["stage"])) << "</td><td>" << escape(str((*st)["kind"]))
          << "</td><td>" << escape(str((*st)["only_in"])) << "</td><td>" << escape(str((*st)["status"]))
          << "</td></tr>\n";
    out << "</table>\n";
  }
  if (!diff["unchanged"].empty()) {
    out << "<h2>Unchanged stages</h2>\n<p>";
    bool first = true;
    for (const auto& n : diff["unchanged"]) {
      out << (first ? "" : ", ") << escape(str(n));
      first = false;
    }
    out << "</p>\n";
  }
  if (diff.contains("timing")) {
    out << "<h2>Times</h2>\n<p class=\"note\">Times vary from run to run and are never counted "
           "as differences.</p>\n<table>\n<tr><th>stage</th><th>name</th><th>a</th><th>b</th>"
           "<th></th></tr>\n";
    row(out, "whole run", "seconds", seconds_text(diff["seconds"]["a"]),
        seconds_text(diff["seconds"]["b"]));
    for (const auto& t : diff["timing"]) {
      row(out, str(t["stage"]), "status, time",
          str(t["status"]["a"]) + ", " + seconds_text(t["seconds"]["a"]),
          str(t["status"]["b"]) + ", " + seconds_text(t["seconds"]["b"]));
      if (t.contains("metrics"))
        for (const auto& [k, v] : t["metrics"].items())
          row(out, str(t["stage"]), k, value_text(v["a"]), value_text(v["b"]));
    }
    out << "</table>\n";
  }
  out << "</body>\n</html>\n";
}

}  // namespace flowrun
