// The feature store: an SQLite database of per-file feature vectors keyed by
// (content hash, feature kind, features::kFeatureSetVersion). Schema and durability: docs/data.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/data/dataset.h"
#include "echoelml/features/sets.h"

struct sqlite3;

namespace echoelml::data {

/// What is stored per file. Technique files get both technique kinds.
enum class FeatureKind { Genre, Technique, AppTechnique, Mix };
inline constexpr int kNumFeatureKinds = 4;
/// "genre", "technique", "technique-app", "mix" (the train stage's kind keys).
std::string_view feature_kind_key(FeatureKind k);
std::optional<FeatureKind> find_feature_kind(std::string_view key);
/// The features::FeatureSet bit computing this kind.
unsigned feature_set_bit(FeatureKind k);
/// Kinds computed for a section's files: genres -> Genre; techniques -> Technique and
/// AppTechnique; mixes -> Mix; patterns -> none (read from MIDI at load time).
std::vector<FeatureKind> kinds_for(Section s);

inline constexpr int kMixTargetCount = 10;
/// Names of the stored vector's columns: Genre 32 and Technique 6 / AppTechnique 4 as
/// to_vector()'s vector_names(); Mix: spectrum_0..spectrum_1023, then the 10 measured targets
/// freq_balance_0..5, dynamic_range, stereo_width, peak_level, rms_level.
std::vector<std::string> vector_names(FeatureKind k);

/// One stored record: a vector (ok) or the error text of a file that failed.
struct FeatureRecord {
  std::uint64_t hash = 0;
  FeatureKind kind = FeatureKind::Genre;
  int version = features::kFeatureSetVersion;
  bool ok = false;
  std::vector<float> vector;  // vector_names(kind) order
  std::string json;           // the full struct plus duration_s, native_sr, channels
  std::string error;          // when !ok
  std::string source;         // the path it was computed from (informational)
};

/// The record of one kind from a computed file. A missing set gives a failed record saying so.
FeatureRecord encode_features(const features::FileFeatures& f, FeatureKind kind,
                              std::uint64_t hash, std::string source);

/// The hash cache: a file's content hash, valid while its size and mtime are unchanged.
struct FileStamp {
  std::string path;  // absolute, normalised
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t hash = 0;
};
/// Size and mtime of a file (hash left 0). Throws IoError naming the file.
FileStamp stamp_file(const std::filesystem::path& path);

class FeatureStore {
 public:
  enum class Mode { ReadWrite, ReadOnly };
  /// Opens or creates the database (ReadWrite creates missing tables, WAL mode,
  /// synchronous=FULL). Throws IoError if it cannot be opened, FormatError if the file is not
  /// a feature store or has another schema version.
  explicit FeatureStore(const std::filesystem::path& path, Mode mode = Mode::ReadWrite);
  ~FeatureStore();
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  std::optional<FeatureRecord> get(std::uint64_t hash, FeatureKind kind,
                                   int version = features::kFeatureSetVersion) const;
  /// Writes the records (replacing same keys) and the stamp, if any, in ONE transaction.
  void put(const std::vector<FeatureRecord>& records, const std::optional<FileStamp>& stamp = {});

  /// (hash, kind) -> ok for every record of `version` (what a rerun may skip).
  std::map<std::pair<std::uint64_t, FeatureKind>, bool> keys(
      int version = features::kFeatureSetVersion) const;
  /// The hash cache, by path.
  std::map<std::string, FileStamp> stamps() const;
  /// Content hash of a file: the cached one when size and mtime match, else hashed now.
  std::uint64_t file_hash(const std::filesystem::path& path) const;

  /// Number of records (all versions); ok_only counts successful ones.
  std::size_t count(bool ok_only = false) const;
  /// PRAGMA integrity_check's answer: "ok" when the database is sound.
  std::string integrity_check() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  void exec(const char* sql) const;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

}  // namespace echoelml::data
