#include "echoelml/data/csv.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "echoelml/core/error.h"

namespace echoelml::data {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// Reads records one at a time; tracks the line number across quoted line breaks.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }
  bool done() const { return pos_ >= text_.size(); }

  // Returns false at end of input. On a malformed record `error` is set and the rest of
  // its physical line is skipped so that reading resumes at the next record.
  bool next(CsvRow& row, std::string& error) {
    row.fields.clear();
    error.clear();
    skip_blank_lines();
    if (done()) return false;
    row.line = line_;
    std::string field;
    bool quoted = false;
    for (;;) {
      if (pos_ >= text_.size()) {  // end of input ends the record
        finish_field(row, field, quoted);
        return true;
      }
      char c = text_[pos_];
      if (c == '"' && is_field_start(field)) {
        quoted = true;
        field.clear();
        ++pos_;
        if (!read_quoted(field)) {
          error = "quote never closed";
          return true;
        }
        // After the closing quote only spaces, a separator or a line end may follow.
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
            text_[pos_] != '\r') {
          error = "text after a closing quote";
          skip_rest_of_line();
          return true;
        }
        continue;
      }
      if (c == ',') {
        finish_field(row, field, quoted);
        ++pos_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        finish_field(row, field, quoted);
        consume_line_end();
        return true;
      }
      field.push_back(c);
      ++pos_;
    }
  }

 private:
  // A quote opens a quoted field only as the first non-blank character of a field.
  bool is_field_start(const std::string& field) const {
    for (char ch : field)
      if (ch != ' ' && ch != '\t') return false;
    return true;
  }
  bool read_quoted(std::string& field) {
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field.push_back('"');
          ++pos_;
          continue;
        }
        return true;
      }
      if (c == '\r' || c == '\n') {
        if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') {
          field.push_back('\r');
          c = text_[pos_++];
        }
        ++line_;
      }
      field.push_back(c);
    }
    return false;
  }
  void finish_field(CsvRow& row, std::string& field, bool& quoted) {
    row.fields.push_back(quoted ? field : trim(field));
    field.clear();
    quoted = false;
  }
  void consume_line_end() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  void skip_rest_of_line() {
    while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    if (pos_ < text_.size()) consume_line_end();
  }
  void skip_blank_lines() {
    for (;;) {
      std::size_t p = pos_;
      while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
      if (p < text_.size() && (text_[p] == '\n' || text_[p] == '\r')) {
        pos_ = p;
        consume_line_end();
        continue;
      }
      if (p >= text_.size()) pos_ = p;
      return;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (iequals(header[i], name)) return i;
  return std::nullopt;
}

CsvTable parse_csv(std::string_view text, const std::filesystem::path& name_for_errors) {
  CsvTable table;
  Reader reader(text);
  CsvRow row;
  std::string error;
  bool have_header = false;
  while (reader.next(row, error)) {
    if (!error.empty()) {
      if (!have_header) throw FormatError(name_for_errors, "line " + std::to_string(row.line) + ": header: " + error);
      table.problems.push_back({row.line, error});
      continue;
    }
    if (!have_header) {
      table.header = row.fields;
      have_header = true;
      continue;
    }
    if (row.fields.size() != table.header.size()) {
      table.problems.push_back({row.line, "has " + std::to_string(row.fields.size()) +
                                              " fields, the header has " +
                                              std::to_string(table.header.size())});
      continue;
    }
    table.rows.push_back(row);
  }
  if (!have_header) throw FormatError(name_for_errors, "CSV file has no header line");
  return table;
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open CSV file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(path, "read error");
  return parse_csv(ss.str(), path);
}

std::string csv_field(std::string_view value) {
  bool needs = value.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!value.empty() && (value.front() == ' ' || value.front() == '\t' ||
                                   value.back() == ' ' || value.back() == '\t'));
  if (!needs) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    out += csv_field(fields[i]);
  }
  out.push_back('\n');
  return out;
}

}  // namespace echoelml::data
