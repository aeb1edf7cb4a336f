// Per-genre typical mix values learned from the training mixes: for every genre folder of a
// data folder, the median and quartiles of each measured mix value. Written by training as
// MODELS/genre_mix_profiles.json, read by `echoelml analyze` to turn measurements into advice.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/core/music.h"
#include "echoelml/features/sets.h"

namespace echoelml::analysis {

inline constexpr std::string_view kMixProfileFile = "genre_mix_profiles.json";
inline constexpr int kMixProfileVersion = 1;

/// The compared values, in report order. Bands are 10 log10(share of power) in dB.
enum class MixValue {
  BandSub, BandBass, BandLowMid, BandMid, BandHighMid, BandHigh,
  LoudnessLufs, LoudnessRangeLu, TruePeakDbtp, DynamicRangeDb, StereoWidth, PeakDbfs, RmsDbfs
};
inline constexpr int kNumMixValues = 13;
const std::array<MixValue, kNumMixValues>& all_mix_values();
/// JSON key ("band_sub_db", "loudness_lufs", ...), label ("sub 20-60 Hz") and unit ("dB", "LU" ...).
std::string_view mix_value_key(MixValue v);
std::string_view mix_value_label(MixValue v);
std::string_view mix_value_unit(MixValue v);

/// The 13 values of one measured mix (bands with a -100 dB floor, levels with -120 dBFS).
std::array<double, kNumMixValues> mix_values(const features::MixFeatures& m);

struct ValueStats {
  double median = 0, p25 = 0, p75 = 0;  // numpy's linear-interpolation percentiles
  std::size_t n = 0;
};

struct GenreMixProfile {
  std::size_t files = 0;                              // mixes measured for this genre
  std::array<ValueStats, kNumMixValues> values{};
};

struct MixProfiles {
  std::map<MusicGenre, GenreMixProfile> genres;  // genres without files are absent
  std::string source;                            // the data folder they were learned from
};

/// Median and quartiles of `v` (non-empty); throws ParameterError when empty.
ValueStats value_stats(std::vector<double> v);

struct ProfileBuildParams {
  bool write_store = true;        // add mix features computed now to the store (cache for reruns)
  std::size_t max_files_per_genre = 0;  // 0 = all
};

struct ProfileBuildReport {
  MixProfiles profiles;
  std::size_t from_store = 0;  // files whose mix features the store already held
  std::size_t computed = 0;    // files measured now
  std::vector<std::string> failures;  // "rel: reason"
};

/// Reads genres/<genre>/ of `data_dir` (data::scan_dataset) and takes each file's mix features
/// from the feature store at `store` (computing and, if write_store, storing those it lacks).
/// Throws IoError if data_dir is unreadable, FormatError for a broken store, ParameterError if
/// no genre file could be measured at all.
ProfileBuildReport build_genre_mix_profiles(const std::filesystem::path& data_dir, const std::filesystem::path& store,
                                            const ProfileBuildParams& p = {});

/// Writes profiles as JSON atomically; read_mix_profiles reads them back and throws IoError /
/// FormatError (naming the file) when it is unreadable or malformed.
void write_mix_profiles(const MixProfiles& m, const std::filesystem::path& path);
MixProfiles read_mix_profiles(const std::filesystem::path& path);

/// The call for `echoelml train`: build from data_dir + store and write
/// models_dir/genre_mix_profiles.json. Returns the build report.
ProfileBuildReport write_genre_mix_profiles(const std::filesystem::path& data_dir, const std::filesystem::path& store,
                                            const std::filesystem::path& models_dir, const ProfileBuildParams& p = {});

}  // namespace echoelml::analysis
