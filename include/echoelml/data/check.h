// `echoelml dataset check`: what is in a data folder and what is wrong with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "echoelml/data/dataset.h"

namespace echoelml::data {

/// Largest/smallest class count above which a section is reported as imbalanced.
inline constexpr double kImbalanceWarnRatio = 3.0;

struct LabelCount {
  std::string label;  // the app's raw value
  std::size_t count = 0;
};

struct SectionStats {
  Section section = Section::Genre;
  std::size_t files = 0;
  /// Genre/Pattern: files per genre; Technique: files having each technique; Mix: empty.
  /// Every label of the vocabulary is listed, in enum order, zeros included.
  std::vector<LabelCount> counts;
  std::vector<std::string> missing_labels;  // labels with no file
  double imbalance_ratio = 0;  // max/min over labels with at least one file (0 if none)
  bool imbalanced = false;     // imbalance_ratio > the threshold
};

struct UnreadableFile {
  std::string rel;
  std::string error;
};

struct DuplicateGroup {
  std::uint64_t hash = 0;         // data::hash_file (FNV-1a 64)
  std::vector<std::string> files;  // rel paths, sorted; at least two
};

struct DatasetReport {
  std::filesystem::path root;
  std::vector<SectionStats> sections;  // all four, in Section order
  std::vector<Problem> problems;       // from scan_dataset
  std::size_t mislabelled = 0;         // problems of kind UnknownLabel
  std::vector<UnreadableFile> unreadable;
  std::vector<DuplicateGroup> duplicates;
  double imbalance_threshold = kImbalanceWarnRatio;

  /// No problems, unreadable files or duplicates (imbalance and missing labels are warnings).
  bool clean() const;
};

/// Scans data_dir and tries every file: audio through io::probe, MIDI through midi::read_midi,
/// and hashes each one to find identical content. Throws IoError if data_dir is not a folder.
DatasetReport check_dataset(const std::filesystem::path& data_dir, unsigned threads = 0,
                            double imbalance_warn_ratio = kImbalanceWarnRatio);
DatasetReport check_dataset(const DatasetIndex& index, unsigned threads = 0,
                            double imbalance_warn_ratio = kImbalanceWarnRatio);

/// Human-readable report (several lines).
std::string format_report(const DatasetReport& r);
/// The same as JSON (an object; schema in docs/data.md), pretty-printed.
std::string report_json(const DatasetReport& r);

}  // namespace echoelml::data
