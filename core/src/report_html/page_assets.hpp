// The style sheet and the script of report.html (the script draws the
// plots and the timeline with Chart.js from the data the page carries).
#pragma once

namespace flowrun::report_html {

extern const char* const kPageStyle;
extern const char* const kPageScript;

}  // namespace flowrun::report_html
