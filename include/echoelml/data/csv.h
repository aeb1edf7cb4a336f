// A small, forgiving CSV reader for label files (RFC 4180 plus what spreadsheets write) and
// the field quoting used by the CSV exports.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace echoelml::data {

/// One record; `line` is the 1-based line on which it starts (a quoted field may span lines).
struct CsvRow {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

/// A record that could not be read, with the reason (kept out of `rows`).
struct CsvProblem {
  std::size_t line = 0;
  std::string message;
};

struct CsvTable {
  std::vector<std::string> header;  // first record, trimmed
  std::vector<CsvRow> rows;         // every later well-formed record
  std::vector<CsvProblem> problems;

  /// Index of a header column, matched case-insensitively; nullopt if absent.
  std::optional<std::size_t> column(std::string_view name) const;
};

/// Parses CSV text: a UTF-8 byte order mark is dropped; records end at LF, CRLF or CR;
/// fields are separated by ',' and may be quoted with '"' ("" inside quotes is one quote;
/// quoted fields may hold commas and line breaks). Unquoted fields are trimmed of spaces and
/// tabs. Blank lines are skipped. A record is a problem (reported with its line, not kept) when
/// text follows a closing quote, a quote is never closed, or its field count differs from the
/// header's. Throws FormatError naming `name_for_errors` when there is no header record.
CsvTable parse_csv(std::string_view text, const std::filesystem::path& name_for_errors);
/// Reads and parses a file. Throws IoError if it cannot be read, FormatError as parse_csv.
CsvTable read_csv(const std::filesystem::path& path);

/// A field quoted when it must be (contains ',', '"', CR, LF or leading/trailing space).
std::string csv_field(std::string_view value);
/// Fields quoted as needed, joined by ',', ended by '\n'.
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace echoelml::data
