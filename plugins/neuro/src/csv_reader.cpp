#include "csv_reader.hpp"

#include <flowrun/stage.hpp>

#include <charconv>
#include <cmath>

namespace flowrun::neuro {

CsvReader::CsvReader(const std::filesystem::path& file)
    : in_(file, std::ios::binary), name_(file.string()) {
  if (!in_) throw StageError(name_ + ": cannot open file for reading");
}

std::string CsvReader::where(int line, int col) const {
  return name_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Splits one physical line into cells. Quoted cells may not span lines
// (recordings never need that, and it keeps line numbers honest).
std::vector<CsvCell> split_line(const std::string& text, const CsvReader& r, int line) {
  std::vector<CsvCell> cells;
  std::size_t commas = 0;
  for (char c : text) commas += c == ',';
  if (commas >= kMaxCsvCells)
    throw StageError(r.where(line, 1) + "expected at most " + std::to_string(kMaxCsvCells) +
                     " cells in a row, got " + std::to_string(commas + 1) + " or more");
  cells.reserve(commas + 1);
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (true) {
    while (i < n && is_space(text[i])) ++i;
    CsvCell cell;
    cell.col = static_cast<int>(i) + 1;
    if (i < n && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            cell.text += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        cell.text += text[i++];
      }
      if (!closed) throw StageError(r.where(line, cell.col) + "unterminated quoted cell");
      while (i < n && is_space(text[i])) ++i;
      if (i < n && text[i] != ',')
        throw StageError(r.where(line, static_cast<int>(i) + 1) +
                         "expected ',' after a quoted cell");
    } else {
      std::size_t start = i;
      while (i < n && text[i] != ',') ++i;
      std::size_t end = i;
      while (end > start && is_space(text[end - 1])) --end;
      cell.text = text.substr(start, end - start);
    }
    cells.push_back(std::move(cell));
    if (i >= n) break;
    ++i;  // the comma
  }
  return cells;
}

// std::getline with a bound: a file without line ends must not be read
// into memory whole. False at the end of the file.
bool read_line(std::istream& in, std::string& text, const CsvReader& r, int line) {
  text.clear();
  std::streambuf* buf = in.rdbuf();
  bool any = false;
  for (auto c = buf->sbumpc(); c != std::char_traits<char>::eof(); c = buf->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (text.size() == kMaxCsvLineBytes)
      throw StageError(r.where(line, static_cast<int>(kMaxCsvLineBytes)) + "expected lines of at most " +
                       std::to_string(kMaxCsvLineBytes >> 20) + " MiB, this one is longer");
    text.push_back(static_cast<char>(c));
  }
  return any;
}

}  // namespace

bool CsvReader::next(CsvRow& row) {
  std::string text;
  while (read_line(in_, text, *this, line_ + 1)) {
    ++line_;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (line_ == 1 && text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0)
      text.erase(0, 3);  // UTF-8 byte order mark written by spreadsheets
    bool blank = true;
    for (char c : text)
      if (!is_space(c)) { blank = false; break; }
    if (blank) continue;
    row.line = line_;
    row.cells = split_line(text, *this, line_);
    return true;
  }
  return false;
}

double parse_finite(const CsvReader& reader, int line, const CsvCell& cell, const char* what) {
  const std::string& s = cell.text;
  double v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (first != last && *first == '+') ++first;  // from_chars rejects a leading '+'
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (s.empty() || ec == std::errc::invalid_argument || ptr != last)
    throw StageError(reader.where(line, cell.col) + "expected " + what + ", got '" + s + "'");
  if (ec == std::errc::result_out_of_range || !std::isfinite(v))
    throw StageError(reader.where(line, cell.col) + "expected a finite number, got '" + s + "'");
  return v;
}

long long parse_integer(const CsvReader& reader, int line, const CsvCell& cell, long long lo,
                        long long hi, const char* what) {
  const std::string& s = cell.text;
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < lo || v > hi)
    throw StageError(reader.where(line, cell.col) + "expected " + what + ", got '" + s + "'");
  return v;
}

}  // namespace flowrun::neuro
