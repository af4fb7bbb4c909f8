#include "recording_csv.hpp"

#include "csv_reader.hpp"

#include <flowrun/stage.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace flowrun::neuro {

namespace {

// The header's names for a message; a wide header is cut short so the
// message stays readable (a recording may have a million columns).
std::string join_names(const std::vector<CsvCell>& header) {
  constexpr std::size_t kShown = 20;
  std::string s;
  for (std::size_t i = 0; i < header.size() && i < kShown; ++i)
    s += (s.empty() ? "'" : ", '") + header[i].text.substr(0, 80) + "'";
  if (header.size() > kShown) s += " and " + std::to_string(header.size() - kShown) + " more";
  return s;
}

struct RawSequence {
  std::string name;
  std::vector<double> values;  // row-major frames x rois
  std::vector<int> labels;
};

Sequence make_part(const RawSequence& raw, int rois, int begin, int end, int id) {
  Sequence s;
  s.id = id;
  s.frames.resize(end - begin, rois);
  for (int t = begin; t < end; ++t)
    for (int r = 0; r < rois; ++r) s.frames(t - begin, r) = raw.values[static_cast<std::size_t>(t) * rois + r];
  s.labels.assign(raw.labels.begin() + begin, raw.labels.begin() + end);
  return s;
}

}  // namespace

Recording read_recording(const std::filesystem::path& file, const RecordingOptions& opt) {
  if (!(opt.eval_fraction > 0 && opt.eval_fraction < 1))
    throw StageError("eval_fraction must be between 0 and 1 (exclusive), got " + std::to_string(opt.eval_fraction));
  CsvReader csv(file);
  CsvRow row;
  if (!csv.next(row))
    throw StageError(csv.name() + ": empty file, expected a header row naming the ROI columns and '" +
                     opt.label_column + "'");
  const std::vector<CsvCell> header = row.cells;
  const int header_line = row.line;
  std::map<std::string, int> index;
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    const auto& c = header[i];
    if (c.text.empty()) throw StageError(csv.where(header_line, c.col) + "empty column name in the header");
    if (!index.emplace(c.text, i).second)
      throw StageError(csv.where(header_line, c.col) + "duplicate column name '" + c.text + "'");
  }
  auto find_column = [&](const std::string& name, const char* param) {
    auto it = index.find(name);
    if (it == index.end())
      throw StageError(csv.where(header_line, 1) + "no column '" + name + "' in the header (columns: " +
                       join_names(header) + "); set param " + param);
    return it->second;
  };
  const int label_col = find_column(opt.label_column, "label_column");
  const int seq_col = opt.sequence_column.empty() ? -1 : find_column(opt.sequence_column, "sequence_column");
  std::set<int> ignored;
  for (const auto& name : opt.ignore_columns) ignored.insert(find_column(name, "ignore_columns"));

  std::vector<int> roi_cols;
  if (!opt.roi_columns.empty()) {
    for (const auto& name : opt.roi_columns) {
      const int c = find_column(name, "roi_columns");
      if (c == label_col || c == seq_col)
        throw StageError("roi_columns names '" + name + "', which is the label or sequence column");
      if (std::find(roi_cols.begin(), roi_cols.end(), c) != roi_cols.end())
        throw StageError("roi_columns names '" + name + "' twice");
      roi_cols.push_back(c);
    }
  } else {
    for (int i = 0; i < static_cast<int>(header.size()); ++i)
      if (i != label_col && i != seq_col && !ignored.count(i)) roi_cols.push_back(i);
  }
  if (roi_cols.empty())
    throw StageError(csv.where(header_line, 1) + "no ROI columns: the header has only the label" +
                     (seq_col >= 0 ? ", sequence" : "") + " and ignored columns");
  const int rois = static_cast<int>(roi_cols.size());
  const std::size_t ncols = header.size();

  Recording rec;
  for (int c : roi_cols) rec.roi_names.push_back(header[c].text);
  std::vector<RawSequence> seqs;
  std::set<std::string> finished;
  const std::string label_what = "a label 0 or 1";
  while (csv.next(row)) {
    const auto& c = row.cells;
    if (c.size() != ncols) {
      const int col = c.size() > ncols ? c[ncols].col : c.back().col;
      throw StageError(csv.where(row.line, col) + "ragged row: expected " + std::to_string(ncols) +
                       " cells as in the header, got " + std::to_string(c.size()));
    }
    const std::string seq_name = seq_col >= 0 ? c[seq_col].text : std::string();
    if (seq_col >= 0 && seq_name.empty())
      throw StageError(csv.where(row.line, c[seq_col].col) + "empty sequence id in column '" +
                       opt.sequence_column + "'");
    if (seqs.empty() || seqs.back().name != seq_name) {
      if (!seqs.empty()) finished.insert(seqs.back().name);
      if (finished.count(seq_name))
        throw StageError(csv.where(row.line, c[seq_col].col) + "sequence '" + seq_name +
                         "' appears again: the rows of a sequence must be contiguous");
      seqs.push_back(RawSequence{seq_name, {}, {}});
    }
    RawSequence& s = seqs.back();
    for (int col : roi_cols) {
      const std::string what = "a number in ROI column '" + header[col].text + "'";
      s.values.push_back(parse_finite(csv, row.line, c[col], what.c_str()));
    }
    const auto& lc = c[label_col];
    const double label = parse_finite(csv, row.line, lc, label_what.c_str());
    if (label != 0.0 && label != 1.0)
      throw StageError(csv.where(row.line, lc.col) + "expected a label 0 or 1, got '" + lc.text + "'");
    s.labels.push_back(static_cast<int>(label));
  }
  if (seqs.empty()) throw StageError(csv.name() + ": no data rows after the header");

  // Contiguous split: the tail of each sequence is eval, so no history
  // window of an eval frame reaches into train frames.
  const int n = static_cast<int>(seqs.size());
  rec.sequences = n;
  rec.data.rois = rois;
  for (int k = 0; k < n; ++k) {
    const int len = static_cast<int>(seqs[k].labels.size());
    const int n_eval = static_cast<int>(std::lround(len * opt.eval_fraction));
    const int n_train = len - n_eval;
    const std::string label = seq_col >= 0 ? "sequence '" + seqs[k].name + "'" : "the recording";
    if (n_train > 0) rec.data.train.push_back(make_part(seqs[k], rois, 0, n_train, k));
    if (n_eval > 0) rec.data.eval.push_back(make_part(seqs[k], rois, n_train, len, n + k));
    if (n_train == 0 || n_eval == 0)
      rec.notes.push_back(label + " has " + std::to_string(len) + " frames; all of them went to " +
                          (n_eval == 0 ? "train" : "eval"));
  }
  if (rec.data.train.empty() || rec.data.eval.empty())
    throw StageError(csv.name() + ": eval_fraction " + std::to_string(opt.eval_fraction) + " leaves no " +
                     (rec.data.train.empty() ? "train" : "eval") + " frames");
  return rec;
}

}  // namespace flowrun::neuro
