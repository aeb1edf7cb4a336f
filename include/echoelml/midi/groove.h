// The Groove MIDI Dataset (Magenta GMD v1.0.0): its info.csv index and the mapping of its
// style labels onto the app's MusicGenre (reasoning in docs/midi.md).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/core/music.h"

namespace echoelml::midi {

enum class GrooveBeatType { Beat, Fill };
enum class GrooveSplit { Train, Validation, Test };

/// One row of info.csv.
struct GrooveEntry {
  std::string id;        // "drummer1/session1/1"
  std::string drummer;   // "drummer1"
  std::string session;   // "drummer1/session1"
  std::string style;     // "funk/groove1", "rock", "latin/brazilian-samba" ...
  int bpm = 0;
  GrooveBeatType beat_type = GrooveBeatType::Beat;
  int time_signature_numerator = 4, time_signature_denominator = 4;  // "4-4"
  std::filesystem::path midi_filename;   // relative to the dataset root
  std::filesystem::path audio_filename;  // relative; empty when the column is absent or empty
  double duration_s = 0;
  GrooveSplit split = GrooveSplit::Train;
};

/// Reads info.csv. Columns are found by their header name (order free); required are id,
/// drummer, session, midi_filename, style, bpm, beat_type, time_signature, duration, split.
/// Throws IoError if unreadable, FormatError (with the byte offset of the row) for a missing
/// column, a row with the wrong number of fields, or an unparsable bpm, beat_type,
/// time_signature, duration or split.
std::vector<GrooveEntry> read_groove_info(const std::filesystem::path& csv_path);

/// The app genre of a Groove style label: the full label is looked up first
/// ("funk/rock" -> Rock), then its primary style before '/' ("funk/fast" -> "funk" -> HipHop).
/// Case-insensitive. nullopt for a style the table does not know.
std::optional<MusicGenre> find_groove_genre(std::string_view style);
/// As find_groove_genre, but throws ParameterError naming the style.
MusicGenre groove_genre(std::string_view style);

}  // namespace echoelml::midi
