// The on-disk training data layout (docs/data.md) and its scanner.
//
//   DATA/genres/<genre>/**/*.{wav,flac,ogg,opus,mp3}   folder = label; genres/mapping.csv optional
//   DATA/techniques/**/*.<audio> + techniques/labels.csv (file,techniques)
//   DATA/patterns/<genre>/**/*.{mid,midi} + patterns/labels.csv optional
//                                                      (file,techniques,tempo,bars,complexity)
//   DATA/mixes/**/*.<audio> + mixes/labels.csv optional (file, any further columns kept)
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/core/music.h"

namespace echoelml::data {

/// The four sections of a data folder, one per model family.
enum class Section { Genre, Technique, Pattern, Mix };
inline constexpr int kNumSections = 4;
/// "genres", "techniques", "patterns", "mixes": the sub-folder name.
std::string_view section_dir(Section s);

/// One labelled file.
struct Entry {
  Section section = Section::Genre;
  std::filesystem::path path;  // data_dir / rel
  std::string rel;             // path relative to data_dir, '/'-separated (the export key)
  std::optional<MusicGenre> genre;                // Genre and Pattern sections (from the folder)
  std::vector<ProductionTechnique> techniques;    // Technique (required) and Pattern (optional)
  std::optional<double> tempo_bpm;                // Pattern labels.csv overrides (else estimated)
  std::optional<int> bars;
  std::optional<double> complexity;
  std::map<std::string, std::string> extra;       // Mix labels.csv columns other than `file`
};

enum class ProblemKind {
  UnknownLabel,    // a genre/technique name outside the app's vocabulary (mislabelled)
  MissingFile,     // labels.csv names a file that does not exist
  BadCsvLine,      // a label CSV record that cannot be read (or a bad number in it)
  UnmappedFolder,  // a genre folder that neither names a genre nor is in mapping.csv: skipped
  Unlabelled,      // an audio file in techniques/ without a labels.csv row: skipped
  MissingLabels,   // techniques/ has audio but no labels.csv
};
std::string_view problem_kind_name(ProblemKind k);  // "unknown-label", "missing-file", ...

struct Problem {
  ProblemKind kind = ProblemKind::BadCsvLine;
  std::filesystem::path file;  // the CSV, folder or audio file concerned
  std::size_t line = 0;        // 1-based CSV line, 0 when not about a CSV line
  std::string message;
  std::string format() const;  // "<file>:<line>: <kind>: <message>"
};

struct DatasetIndex {
  std::filesystem::path root;
  std::vector<Entry> entries;  // sections in enum order, each sorted by rel
  std::vector<Problem> problems;

  std::vector<const Entry*> section(Section s) const;
  std::size_t count(Section s) const;
};

/// Audio extensions accepted in genres/, techniques/ and mixes/ (lower case, with the dot).
bool is_audio_extension(const std::filesystem::path& p);
bool is_midi_extension(const std::filesystem::path& p);

/// Resolves a label folder name: mapping (folder -> genre name, keys lower-cased) first, then
/// the name itself as a raw value or case name. An empty mapped value means "skip on purpose".
std::optional<MusicGenre> resolve_genre_folder(std::string_view folder,
                                               const std::map<std::string, std::string>& mapping,
                                               bool* skipped_on_purpose = nullptr);

/// Parses "a;b;c" (raw values or case names, case-insensitive, blanks ignored). Unknown names
/// are returned in `unknown` and left out of the result.
std::vector<ProductionTechnique> parse_technique_list(std::string_view list,
                                                      std::vector<std::string>* unknown);

/// Walks data_dir (missing sections are fine, hidden files and folders are ignored) and
/// returns every usable entry plus the problems found. Never throws for bad labels or files;
/// throws IoError if data_dir is not a readable directory.
DatasetIndex scan_dataset(const std::filesystem::path& data_dir);

/// The default genres/mapping.csv text for GTZAN's ten folders (documented in docs/data.md).
std::string_view gtzan_mapping_csv();

}  // namespace echoelml::data
