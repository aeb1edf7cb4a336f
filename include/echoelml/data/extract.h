// `echoelml extract`: computes the features each model needs for every file of a data set into
// a FeatureStore, in parallel, resumably (docs/data.md "Durability").
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "echoelml/data/dataset.h"
#include "echoelml/features/sets.h"

namespace echoelml::data {

/// Computes the requested features::FeatureSet bits of one file; throws on failure (the
/// message is stored). Must be callable from several threads at once.
using FileExtractor =
    std::function<features::FileFeatures(const std::filesystem::path& path, unsigned sets)>;

/// The production extractor: features::compute_file_features.
FileExtractor default_extractor();

struct ExtractParams {
  unsigned threads = 0;       // worker threads (0 = all cores); one extra thread writes the store
  bool quiet = false;         // no progress line
  bool retry_failed = false;  // recompute files whose stored record is a failure
  std::size_t max_files = 0;  // stop after computing this many files (0 = all); the rest is
                              // left for the next run, exactly as after an interruption
};

struct ExtractFailure {
  std::string rel;    // path relative to the data folder
  std::string kind;   // feature kind key, or "hash" when the file could not even be read
  std::string error;
  bool previous_run = false;  // recorded by an earlier run and skipped now
};

struct ExtractSummary {
  std::size_t files = 0;     // files that need features (patterns excluded)
  std::size_t computed = 0;  // files whose features were computed and committed now
  std::size_t reused = 0;    // files whose every kind was already stored
  std::size_t failed = 0;    // files with at least one failed kind (now or before)
  std::size_t not_done = 0;  // files left for a later run (max_files)
  std::vector<ExtractFailure> failures;  // sorted by rel, kind
};

/// Opens (or creates) the store and fills it. Each file's records are committed in one
/// transaction by a single writer thread, so an interruption loses at most the files in
/// flight. Identical files (same content hash) are computed once. Throws IoError/FormatError
/// if the store cannot be opened or written; per-file failures are recorded, not thrown.
ExtractSummary extract_features(const DatasetIndex& index, const std::filesystem::path& store,
                                const ExtractParams& params, const FileExtractor& extractor);
/// Same with default_extractor().
ExtractSummary extract_features(const DatasetIndex& index, const std::filesystem::path& store,
                                const ExtractParams& params = {});

/// A few lines: counts, then one line per failure.
std::string format_summary(const ExtractSummary& s);

}  // namespace echoelml::data
