// A small CSV tokenizer that remembers where every cell came from, so
// callers can report "FILE:LINE:COL: ..." for bad cells. Handles commas,
// optional double quotes ("a,b" and "" escapes), CRLF line ends, blank
// lines (skipped) and surrounding spaces (trimmed outside quotes).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace flowrun::neuro {

// Limits (docs/security.md): a recording with a million ROI columns still
// fits; a file without line ends or with absurd rows is rejected with
// FILE:LINE:COL before it takes more memory than a few times these sizes.
inline constexpr std::size_t kMaxCsvLineBytes = std::size_t{32} << 20;  // one line
inline constexpr std::size_t kMaxCsvCells = std::size_t{1} << 21;       // cells in one row

struct CsvCell {
  std::string text;
  int col = 1;  // 1-based character column where the cell starts
};

struct CsvRow {
  int line = 0;  // 1-based
  std::vector<CsvCell> cells;
};

class CsvReader {
 public:
  // Throws flowrun::StageError if the file cannot be opened.
  explicit CsvReader(const std::filesystem::path& file);
  // Reads the next non-blank row; false at end of file.
  bool next(CsvRow& row);
  const std::string& name() const { return name_; }
  // "FILE:LINE:COL: " prefix for messages.
  std::string where(int line, int col) const;

 private:
  std::ifstream in_;
  std::string name_;
  int line_ = 0;
};

// Parses a whole cell as a finite double; throws flowrun::StageError
// "FILE:LINE:COL: expected <what>, got '...'" otherwise.
double parse_finite(const CsvReader& reader, int line, const CsvCell& cell,
                    const char* what = "a number");
// Parses a whole cell as an integer in [lo, hi].
long long parse_integer(const CsvReader& reader, int line, const CsvCell& cell,
                        long long lo, long long hi, const char* what);

}  // namespace flowrun::neuro
