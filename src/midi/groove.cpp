// Groove MIDI Dataset index (info.csv) and style -> app genre table (see docs/midi.md).
#include "echoelml/midi/groove.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include "echoelml/core/error.h"

namespace echoelml::midi {
namespace {

struct StyleGenre {
  std::string_view style;
  MusicGenre genre;
};
// Full labels that differ from their primary style come first in the lookup; the reasons for
// every line are in docs/midi.md ("Groove style -> app genre").
constexpr std::array kSubStyles{
    StyleGenre{"funk/rock", MusicGenre::Rock},
    StyleGenre{"funk/latin", MusicGenre::World},
    StyleGenre{"jazz/klezmer", MusicGenre::World},
    StyleGenre{"neworleans/funk", MusicGenre::HipHop},
    StyleGenre{"latin/reggaeton", MusicGenre::HipHop},
};
constexpr std::array kPrimaryStyles{
    StyleGenre{"rock", MusicGenre::Rock},        StyleGenre{"punk", MusicGenre::Rock},
    StyleGenre{"pop", MusicGenre::Rock},         StyleGenre{"soul", MusicGenre::Rock},
    StyleGenre{"country", MusicGenre::Rock},     StyleGenre{"blues", MusicGenre::Rock},
    StyleGenre{"gospel", MusicGenre::Rock},      StyleGenre{"funk", MusicGenre::HipHop},
    StyleGenre{"hiphop", MusicGenre::HipHop},    StyleGenre{"jazz", MusicGenre::Jazz},
    StyleGenre{"neworleans", MusicGenre::Jazz},  StyleGenre{"dance", MusicGenre::Edm},
    StyleGenre{"latin", MusicGenre::World},      StyleGenre{"afrobeat", MusicGenre::World},
    StyleGenre{"afrocuban", MusicGenre::World},  StyleGenre{"highlife", MusicGenre::World},
    StyleGenre{"reggae", MusicGenre::World},     StyleGenre{"middleeastern", MusicGenre::World},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <typename Table>
std::optional<MusicGenre> lookup(const Table& table, std::string_view key) {
  for (const StyleGenre& e : table)
    if (e.style == key) return e.genre;
  return std::nullopt;
}

// Splits one CSV record (RFC 4180 quoting) starting at `pos`; advances pos past the line end.
std::vector<std::string> split_record(const std::string& text, std::size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') fields.back() += '"', ++pos;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      ++pos;
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

std::optional<MusicGenre> find_groove_genre(std::string_view style) {
  const std::string s = lower(style);
  if (auto g = lookup(kSubStyles, s)) return g;
  return lookup(kPrimaryStyles, std::string_view(s).substr(0, s.find('/')));
}

MusicGenre groove_genre(std::string_view style) {
  if (auto g = find_groove_genre(style)) return *g;
  throw ParameterError("groove_genre: unknown Groove MIDI style '" + std::string(style) + "'");
}

std::vector<GrooveEntry> read_groove_info(const std::filesystem::path& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) throw IoError(csv_path, "cannot open Groove info.csv for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw IoError(csv_path, "read error");
  const std::string text = buf.str();

  std::size_t pos = 0;
  const auto header = split_record(text, pos);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* name : {"id", "drummer", "session", "midi_filename", "style", "bpm", "beat_type",
                           "time_signature", "duration", "split"})
    if (!col.count(name)) throw FormatError(csv_path, 0, std::string("info.csv: missing column '") + name + "'");

  std::vector<GrooveEntry> rows;
  while (pos < text.size()) {
    const std::size_t row_offset = pos;
    const auto f = split_record(text, pos);
    if (f.size() == 1 && f[0].empty()) continue;  // blank line
    auto bad = [&](const std::string& why) -> void { throw FormatError(csv_path, static_cast<std::int64_t>(row_offset), "info.csv: " + why); };
    if (f.size() != header.size())
      bad("row has " + std::to_string(f.size()) + " fields, header has " + std::to_string(header.size()));
    auto get = [&](const char* name) -> const std::string& { return f[col.at(name)]; };
    auto to_int = [&](const std::string& s, const char* what) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size()) bad(std::string(what) + " '" + s + "' is not an integer");
      return v;
    };
    GrooveEntry e;
    e.id = get("id");
    e.drummer = get("drummer");
    e.session = get("session");
    e.style = get("style");
    e.midi_filename = get("midi_filename");
    if (col.count("audio_filename")) e.audio_filename = get("audio_filename");
    e.bpm = to_int(get("bpm"), "bpm");
    if (e.bpm <= 0) bad("bpm must be > 0");
    const std::string& bt = get("beat_type");
    if (bt == "beat") e.beat_type = GrooveBeatType::Beat;
    else if (bt == "fill") e.beat_type = GrooveBeatType::Fill;
    else bad("beat_type '" + bt + "' not one of beat|fill");
    const std::string& ts = get("time_signature");
    const auto dash = ts.find('-');
    if (dash == std::string::npos) bad("time_signature '" + ts + "' is not N-D");
    e.time_signature_numerator = to_int(ts.substr(0, dash), "time_signature numerator");
    e.time_signature_denominator = to_int(ts.substr(dash + 1), "time_signature denominator");
    if (e.time_signature_numerator <= 0 || e.time_signature_denominator <= 0) bad("time_signature '" + ts + "' must be positive");
    const std::string& d = get("duration");
    try {
      std::size_t used = 0;
      e.duration_s = std::stod(d, &used);
      if (used != d.size() || !(e.duration_s >= 0)) throw std::invalid_argument(d);
    } catch (const std::exception&) {
      bad("duration '" + d + "' is not a number >= 0");
    }
    const std::string& sp = get("split");
    if (sp == "train") e.split = GrooveSplit::Train;
    else if (sp == "validation") e.split = GrooveSplit::Validation;
    else if (sp == "test") e.split = GrooveSplit::Test;
    else bad("split '" + sp + "' not one of train|validation|test");
    if (e.midi_filename.empty()) bad("empty midi_filename");
    rows.push_back(std::move(e));
  }
  return rows;
}

}  // namespace echoelml::midi
