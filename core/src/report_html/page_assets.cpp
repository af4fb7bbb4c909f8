#include "page_assets.hpp"

namespace flowrun::report_html {

const char* const kPageStyle = R"CSS(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0;
       color: #1d232b; background: #f6f7f9; }
header { background: #1f2937; color: #f3f4f6; padding: 14px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: #d1d5db; }
header code { color: #f3f4f6; }
main { padding: 8px 24px 32px; }
section { background: #fff; border: 1px solid #e2e5ea; border-radius: 6px; margin: 16px 0; padding: 10px 16px 14px; }
h2 { font-size: 17px; margin: 4px 0 10px; }
h3 { font-size: 14px; margin: 0 0 6px; }
a { color: #1d4ed8; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.b-ok { background: #dcfce7; color: #166534; } .b-cached { background: #dbeafe; color: #1e40af; }
.b-failed { background: #fee2e2; color: #991b1b; } .b-skipped { background: #f3f4f6; color: #4b5563; }
.warning { background: #fef3c7; border: 1px solid #f59e0b; border-radius: 6px; padding: 8px 12px; margin: 16px 0; }
.graph-box { overflow-x: auto; }
.flow-graph .edge { fill: none; stroke: #8a94a3; stroke-width: 1.4; }
.flow-graph .edge.after { stroke-dasharray: 5 4; }
.flow-graph .edge-head { fill: #8a94a3; }
.flow-graph .node rect { stroke-width: 1.5; }
.flow-graph .node text { text-anchor: middle; font-size: 12px; fill: #1d232b; }
.flow-graph .node .node-kind { font-size: 10.5px; fill: #4b5563; }
.flow-graph .st-ok rect { fill: #ecfdf3; stroke: #16a34a; }
.flow-graph .st-cached rect { fill: #eff6ff; stroke: #2563eb; }
.flow-graph .st-failed rect { fill: #fef2f2; stroke: #dc2626; }
.flow-graph .st-skipped rect, .flow-graph .st-other rect { fill: #f9fafb; stroke: #9ca3af; stroke-dasharray: 4 3; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.stages td.metrics { max-width: 520px; }
.metric { display: inline-block; margin-right: 10px; white-space: nowrap; }
.metric b { font-weight: 600; }
.error-text { color: #991b1b; white-space: pre-wrap; }
details summary { cursor: pointer; color: #4b5563; }
.links a { margin-right: 8px; white-space: nowrap; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
figure.plot { margin: 0; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px; background: #fff; }
figure.plot figcaption { font-size: 12px; color: #4b5563; margin-bottom: 6px; }
figure.plot .note { font-size: 12px; color: #4b5563; max-width: 560px; margin: 6px 0 0; }
figure.plot-table { overflow-x: auto; max-width: 100%; }
.colorbar { display: flex; align-items: center; gap: 6px; font-size: 12px; color: #374151; margin-top: 4px; }
.colorbar canvas { border: 1px solid #d1d5db; }
.muted { color: #6b7280; }
)CSS";

// Draws every <figure class="plot"> that holds a canvas, and the timeline,
// from the JSON in #flowrun-data. A figure gets data-drawn="true" once its
// chart exists; a plot that cannot be drawn shows why and logs an error.
const char* const kPageScript = R"JS(
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('flowrun-data').textContent);
  if (typeof Chart === 'undefined') return;  // the page says why
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;
  var palette = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7',
                 '#9c755f', '#bab0ac'];
  var markers = {circle: 'circle', cross: 'crossRot', star: 'star', triangle: 'triangle', rect: 'rect'};
  var statusColor = {ok: '#16a34a', cached: '#2563eb', failed: '#dc2626', skipped: '#9ca3af'};

  function axis(a, extra) {
    a = a || {};
    var o = {type: a.log ? 'logarithmic' : 'linear', title: {display: !!a.label, text: a.label || ''}};
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  function xy(canvas, p) {
    var joinedByKind = p.kind === 'line';
    var datasets = p.series.map(function (s, i) {
      var pts = [];
      for (var k = 0; k < s.x.length; k++) if (s.x[k] !== null) pts.push({x: s.x[k], y: s.y[k]});
      var color = palette[i % palette.length];
      var joined = typeof s.line === 'boolean' ? s.line : joinedByKind;
      var radius = s.marker ? 7 : (joined ? (pts.length > 40 ? 0 : 2.5) : 3.5);
      return {label: s.name, data: pts, showLine: joined, borderColor: color, backgroundColor: color,
              pointStyle: markers[s.marker] || 'circle', pointRadius: radius, pointHoverRadius: radius + 2,
              borderWidth: s.marker ? 2 : (joined ? 1.6 : 1), spanGaps: false};
    });
    return new Chart(canvas, {type: 'scatter', data: {datasets: datasets},
      options: {responsive: false, scales: {x: axis(p.x), y: axis(p.y)},
                plugins: {legend: {display: p.series.length > 1, labels: {usePointStyle: true, boxWidth: 8}}}}});
  }

  function bar(canvas, p) {
    var datasets = p.series.map(function (s, i) {
      return {label: s.name, data: s.y, backgroundColor: palette[i % palette.length]};
    });
    return new Chart(canvas, {type: 'bar', data: {labels: p.categories, datasets: datasets},
      options: {responsive: false, scales: {y: axis(p.y)}, plugins: {legend: {display: p.series.length > 1}}}});
  }

  function mix(a, b, t) {
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  }
  // Values on both sides of 0: blue - white - red, symmetric; else a
  // light-to-dark ramp from the smallest to the largest value.
  function colorScale(lo, hi) {
    var white = [255, 255, 255], blue = [33, 102, 172], red = [178, 24, 43];
    var ramp = [[255, 255, 217], [65, 182, 196], [8, 29, 88]];
    if (lo < 0 && hi > 0) {
      var m = Math.max(-lo, hi);
      return function (v) { return v < 0 ? mix(white, blue, Math.min(1, -v / m)) : mix(white, red, Math.min(1, v / m)); };
    }
    var span = hi - lo || 1;
    return function (v) {
      var t = Math.max(0, Math.min(1, (v - lo) / span));
      return t < 0.5 ? mix(ramp[0], ramp[1], t * 2) : mix(ramp[1], ramp[2], (t - 0.5) * 2);
    };
  }

  // Ticks at round values inside [lo, hi] (a heatmap's axes run from half a
  // cell before the first value to half a cell after the last).
  function roundTicks(lo, hi) {
    return function (scale) {
      var raw = (hi - lo) / 8 || 1, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = 10 * mag;
      [5, 2, 1].forEach(function (m) { if (m * mag >= raw) step = m * mag; });
      var ticks = [];
      for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push({value: Math.round(v * 1e9) / 1e9});
      scale.ticks = ticks;
    };
  }

  function heatmap(canvas, p, fig) {
    var rows = p.z.values, ny = rows.length, nx = rows[0].length;
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < ny; i++) for (var j = 0; j < nx; j++) {
      var v = rows[i][j];
      if (v !== null) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    if (!isFinite(lo)) { lo = 0; hi = 0; }
    var color = colorScale(lo, hi);
    var img = document.createElement('canvas');
    img.width = nx; img.height = ny;
    var ictx = img.getContext('2d'), id = ictx.createImageData(nx, ny);
    for (i = 0; i < ny; i++) for (j = 0; j < nx; j++) {
      var o = ((ny - 1 - i) * nx + j) * 4;  // row 0 (y = min) at the bottom
      if (rows[i][j] === null) continue;
      var c = color(rows[i][j]);
      id.data[o] = c[0]; id.data[o + 1] = c[1]; id.data[o + 2] = c[2]; id.data[o + 3] = 255;
    }
    ictx.putImageData(id, 0, 0);
    var dx = nx > 1 ? (p.x.max - p.x.min) / (nx - 1) : 1, dy = ny > 1 ? (p.y.max - p.y.min) / (ny - 1) : 1;
    var image = {id: 'flowrunHeatmap', beforeDatasetsDraw: function (chart) {
      var a = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, a.left, a.top, a.right - a.left, a.bottom - a.top);
      ctx.restore();
    }};
    var chart = new Chart(canvas, {type: 'scatter', data: {datasets: []}, plugins: [image],
      options: {responsive: false,
                scales: {x: axis(p.x, {min: p.x.min - dx / 2, max: p.x.max + dx / 2,
                                       afterBuildTicks: roundTicks(p.x.min, p.x.max)}),
                         y: axis(p.y, {min: p.y.min - dy / 2, max: p.y.max + dy / 2,
                                       afterBuildTicks: roundTicks(p.y.min, p.y.max)})},
                plugins: {legend: {display: false}, tooltip: {enabled: false}}}});
    var cbar = document.createElement('div');
    cbar.className = 'colorbar';
    var strip = document.createElement('canvas');
    strip.width = 180; strip.height = 10;
    var sctx = strip.getContext('2d');
    for (var x = 0; x < strip.width; x++) {
      var cc = color(lo + (hi - lo) * x / (strip.width - 1));
      sctx.fillStyle = 'rgb(' + Math.round(cc[0]) + ',' + Math.round(cc[1]) + ',' + Math.round(cc[2]) + ')';
      sctx.fillRect(x, 0, 1, strip.height);
    }
    var left = document.createElement('span'), right = document.createElement('span'), label = document.createElement('span');
    left.textContent = String(lo); right.textContent = String(hi); label.textContent = p.z.label || '';
    cbar.appendChild(label); cbar.appendChild(left); cbar.appendChild(strip); cbar.appendChild(right);
    canvas.parentNode.insertBefore(cbar, canvas.nextSibling);
    return chart;
  }

  function timeline(canvas, rows) {
    var labels = rows.map(function (r) { return r.name; });
    var spans = rows.map(function (r) { return [r.start, Math.max(r.start, r.end)]; });
    var colors = rows.map(function (r) { return statusColor[r.status] || '#9ca3af'; });
    return new Chart(canvas, {type: 'bar',
      data: {labels: labels, datasets: [{label: 'run', data: spans, backgroundColor: colors, minBarLength: 3,
                                          barPercentage: 0.8, categoryPercentage: 0.9}]},
      options: {indexAxis: 'y', responsive: false,
                scales: {x: {type: 'linear', min: 0, title: {display: true, text: 'seconds since the run started'}},
                         y: {ticks: {autoSkip: false}}},
                plugins: {legend: {display: false},
                          tooltip: {callbacks: {label: function (ctx) {
                            var r = rows[ctx.dataIndex];
                            return r.status + ': ' + r.start.toFixed(2) + ' s to ' + r.end.toFixed(2) + ' s';
                          }}}}}});
  }

  var figures = document.querySelectorAll('[data-chart]');
  for (var f = 0; f < figures.length; f++) {
    var fig = figures[f], canvas = fig.querySelector('canvas'), key = fig.getAttribute('data-chart');
    try {
      if (key === 'timeline') {
        timeline(canvas, data.timeline);
      } else {
        var p = data.plots[key];
        if (p.kind === 'heatmap') heatmap(canvas, p, fig);
        else if (p.kind === 'bar') bar(canvas, p);
        else xy(canvas, p);
      }
      fig.setAttribute('data-drawn', 'true');
    } catch (e) {
      var msg = document.createElement('p');
      msg.className = 'error-text';
      msg.textContent = 'could not draw this plot: ' + e;
      fig.appendChild(msg);
      console.error('flowrun report: ' + key + ': ' + e);
    }
  }
})();
)JS";

}  // namespace flowrun::report_html
