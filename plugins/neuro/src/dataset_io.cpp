// Reading, writing and checking the dataset artifact (format described in
// include/flowrun_neuro/dataset.hpp).
#include <flowrun_neuro/dataset.hpp>

#include "csv_reader.hpp"

#include <flowrun/stage.hpp>

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>

namespace flowrun::neuro {

namespace {

int total_frames(const std::vector<Sequence>& seqs) {
  int n = 0;
  for (const auto& s : seqs) n += s.length();
  return n;
}

std::string expected_header(int rois) {
  std::string h = "split,sequence,frame,";
  if (rois <= 3) {
    for (int r = 0; r < rois; ++r) h += "roi_" + std::to_string(r) + ",";
  } else {
    h += "roi_0,...,roi_" + std::to_string(rois - 1) + ",";
  }
  return h + "label";
}

// A sequence being read: values row by row, turned into a matrix at the end.
struct PendingSequence {
  int id = 0;
  bool eval = false;
  std::vector<double> values;  // row-major frames x rois
  std::vector<int> labels;
};

Sequence finish(PendingSequence&& p, int rois) {
  Sequence s;
  s.id = p.id;
  const int n = static_cast<int>(p.labels.size());
  s.frames.resize(n, rois);
  for (int t = 0; t < n; ++t)
    for (int r = 0; r < rois; ++r) s.frames(t, r) = p.values[static_cast<std::size_t>(t) * rois + r];
  s.labels = std::move(p.labels);
  return s;
}

}  // namespace

int Dataset::train_frames() const { return total_frames(train); }
int Dataset::eval_frames() const { return total_frames(eval); }

Dataset read_dataset(const std::filesystem::path& file) {
  CsvReader csv(file);
  CsvRow row;
  if (!csv.next(row))
    throw StageError(csv.name() + ": empty file, expected a header row '" + expected_header(8) + "'");

  // --- header ---
  const auto& h = row.cells;
  const int ncols = static_cast<int>(h.size());
  auto header_error = [&](int col, const std::string& what) {
    return StageError(csv.where(row.line, col) + "bad dataset header: expected " + what);
  };
  if (ncols < 5) throw header_error(1, "'split,sequence,frame,roi_0,...,label' (at least one ROI)");
  const char* fixed[] = {"split", "sequence", "frame"};
  for (int i = 0; i < 3; ++i)
    if (h[i].text != fixed[i])
      throw header_error(h[i].col, "column " + std::to_string(i + 1) + " to be '" + fixed[i] +
                                       "', got '" + h[i].text + "'");
  const int rois = ncols - 4;
  for (int r = 0; r < rois; ++r) {
    const std::string want = "roi_" + std::to_string(r);
    if (h[3 + r].text != want)
      throw header_error(h[3 + r].col, "'" + want + "', got '" + h[3 + r].text + "'");
  }
  if (h.back().text != "label") throw header_error(h.back().col, "last column 'label', got '" + h.back().text + "'");

  // --- rows ---
  Dataset data;
  data.rois = rois;
  std::set<long long> seen_ids;
  PendingSequence cur;
  bool have_cur = false;
  bool seen_eval = false;
  long long last_frame = -1;
  auto flush = [&]() {
    if (!have_cur) return;
    const bool eval = cur.eval;
    (eval ? data.eval : data.train).push_back(finish(std::move(cur), rois));
    cur = PendingSequence{};
    have_cur = false;
  };

  while (csv.next(row)) {
    const auto& c = row.cells;
    if (static_cast<int>(c.size()) != ncols) {
      const int col = static_cast<int>(c.size()) > ncols ? c[ncols].col : c.back().col;
      throw StageError(csv.where(row.line, col) + "ragged row: expected " + std::to_string(ncols) +
                       " cells as in the header, got " + std::to_string(c.size()));
    }
    bool eval;
    if (c[0].text == "train") {
      if (seen_eval)
        throw StageError(csv.where(row.line, c[0].col) +
                         "a 'train' row after 'eval' rows: every train row must come first");
      eval = false;
    } else if (c[0].text == "eval") {
      eval = true;
      seen_eval = true;
    } else {
      throw StageError(csv.where(row.line, c[0].col) + "expected split 'train' or 'eval', got '" +
                       c[0].text + "'");
    }
    const long long id = parse_integer(csv, row.line, c[1], 0, 2147483647LL, "a sequence id (integer >= 0)");
    const long long frame = parse_integer(csv, row.line, c[2], 0, 2147483647LL, "a frame number (integer >= 0)");
    if (!have_cur || id != cur.id) {
      if (seen_ids.count(id))
        throw StageError(csv.where(row.line, c[1].col) + "sequence " + std::to_string(id) +
                         " appears again: a sequence's rows must be contiguous and ids unique");
      flush();
      seen_ids.insert(id);
      cur.id = static_cast<int>(id);
      cur.eval = eval;
      have_cur = true;
      last_frame = -1;
    } else if (cur.eval != eval) {
      throw StageError(csv.where(row.line, c[0].col) + "sequence " + std::to_string(id) +
                       " changes split: a sequence belongs to one split");
    }
    if (frame != last_frame + 1)
      throw StageError(csv.where(row.line, c[2].col) + "expected frame " +
                       std::to_string(last_frame + 1) + " of sequence " + std::to_string(id) +
                       ", got '" + c[2].text + "'");
    last_frame = frame;
    for (int r = 0; r < rois; ++r) cur.values.push_back(parse_finite(csv, row.line, c[3 + r]));
    const auto& lc = c[3 + rois];
    const double label = parse_finite(csv, row.line, lc, "a label 0 or 1");
    if (label != 0.0 && label != 1.0)
      throw StageError(csv.where(row.line, lc.col) + "expected a label 0 or 1, got '" + lc.text + "'");
    cur.labels.push_back(static_cast<int>(label));
  }
  flush();
  if (data.train.empty()) throw StageError(csv.name() + ": no 'train' rows; a dataset needs train and eval rows");
  if (data.eval.empty()) throw StageError(csv.name() + ": no 'eval' rows; a dataset needs train and eval rows");
  return data;
}

void check_dataset(const Dataset& data, const std::string& what) {
  if (data.rois <= 0) throw StageError(what + ": a dataset needs at least one ROI");
  if (data.train.empty() || data.eval.empty())
    throw StageError(what + ": a dataset needs at least one train and one eval sequence");
  std::set<int> ids;
  for (const auto* split : {&data.train, &data.eval}) {
    for (const auto& s : *split) {
      const std::string name = what + ": sequence " + std::to_string(s.id);
      if (s.id < 0 || !ids.insert(s.id).second) throw StageError(name + ": ids must be unique and >= 0");
      if (s.length() == 0) throw StageError(name + ": has no frames");
      if (s.frames.cols() != data.rois)
        throw StageError(name + ": has " + std::to_string(s.frames.cols()) + " ROIs, expected " +
                         std::to_string(data.rois));
      if (static_cast<int>(s.labels.size()) != s.length())
        throw StageError(name + ": label count differs from frame count");
      for (int l : s.labels)
        if (l != 0 && l != 1) throw StageError(name + ": labels must be 0 or 1");
      if (!s.frames.allFinite()) throw StageError(name + ": has non-finite values");
    }
  }
}

void write_dataset(const Dataset& data, const std::filesystem::path& file) {
  check_dataset(data, file.string());
  std::ofstream out(file, std::ios::binary);
  if (!out) throw StageError(file.string() + ": cannot open for writing");
  out << "split,sequence,frame";
  for (int r = 0; r < data.rois; ++r) out << ",roi_" << r;
  out << ",label\n";
  char buf[64];
  std::string line;
  for (const auto* split : {&data.train, &data.eval}) {
    const char* name = split == &data.train ? "train" : "eval";
    for (const auto& s : *split) {
      for (int t = 0; t < s.length(); ++t) {
        line = name;
        line += ',' + std::to_string(s.id) + ',' + std::to_string(t);
        for (int r = 0; r < data.rois; ++r) {
          // Shortest text that reads back as the same double (std::to_chars),
          // so writers and readers see bit-identical values.
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s.frames(t, r));
          line += ',';
          line.append(buf, end);
        }
        line += s.labels[t] ? ",1\n" : ",0\n";
        out << line;
      }
    }
  }
  out.flush();
  if (!out) throw StageError(file.string() + ": write failed");
}

}  // namespace flowrun::neuro
