// Per-genre typical mix values: measured from a data folder's genre files (through the feature
// store), summarised as median and quartiles, stored as JSON next to the models.
#include "echoelml/analysis/mix_profile.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/data/dataset.h"
#include "echoelml/data/feature_store.h"

namespace echoelml::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ValueInfo {
  MixValue v;
  const char* key;
  const char* label;
  const char* unit;
};
constexpr std::array<ValueInfo, kNumMixValues> kInfo{{
    {MixValue::BandSub, "band_sub_db", "sub 20-60 Hz", "dB"},
    {MixValue::BandBass, "band_bass_db", "bass 60-250 Hz", "dB"},
    {MixValue::BandLowMid, "band_low_mid_db", "low-mid 250-500 Hz", "dB"},
    {MixValue::BandMid, "band_mid_db", "mid 500 Hz-2 kHz", "dB"},
    {MixValue::BandHighMid, "band_high_mid_db", "high-mid 2-6 kHz", "dB"},
    {MixValue::BandHigh, "band_high_db", "high 6-20 kHz", "dB"},
    {MixValue::LoudnessLufs, "loudness_lufs", "integrated loudness", "LUFS"},
    {MixValue::LoudnessRangeLu, "loudness_range_lu", "loudness range", "LU"},
    {MixValue::TruePeakDbtp, "true_peak_dbtp", "true peak", "dBTP"},
    {MixValue::DynamicRangeDb, "dynamic_range_db", "dynamic range (crest)", "dB"},
    {MixValue::StereoWidth, "stereo_width", "stereo width", ""},
    {MixValue::PeakDbfs, "peak_dbfs", "peak level", "dBFS"},
    {MixValue::RmsDbfs, "rms_dbfs", "RMS level", "dBFS"},
}};

constexpr double kBandFloorDb = -100.0;   // an empty band (share 0)
constexpr double kLevelFloorDb = -120.0;  // digital silence

double db_power(double share) { return share > 0 ? std::max(kBandFloorDb, 10.0 * std::log10(share)) : kBandFloorDb; }
double db_amp(double lin) { return lin > 0 ? std::max(kLevelFloorDb, 20.0 * std::log10(lin)) : kLevelFloorDb; }

double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(i);
  return i + 1 < sorted.size() ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
}

// The MixFeatures fields the profile needs, from a stored record's JSON (features::to_json).
features::MixFeatures mix_from_json(const std::string& text) {
  const json j = json::parse(text);
  features::MixFeatures m;
  const char* bands[6] = {"sub", "bass", "low_mid", "mid", "high_mid", "high"};
  for (int i = 0; i < 6; ++i) m.band_balance[static_cast<std::size_t>(i)] = j.at("band_balance").at(bands[i]).get<double>();
  m.dynamic_range_db = j.at("dynamic_range_db").get<double>();
  m.stereo_width = j.at("stereo_width").get<double>();
  m.peak_level = j.at("peak_level").get<double>();
  m.rms_level = j.at("rms_level").get<double>();
  m.loudness_lufs = j.at("loudness_lufs").get<double>();
  m.loudness_range_lu = j.at("loudness_range_lu").get<double>();
  m.true_peak_dbtp = j.at("true_peak_dbtp").get<double>();
  return m;
}

}  // namespace

const std::array<MixValue, kNumMixValues>& all_mix_values() {
  static const std::array<MixValue, kNumMixValues> kAll = [] {
    std::array<MixValue, kNumMixValues> a{};
    for (int i = 0; i < kNumMixValues; ++i) a[static_cast<std::size_t>(i)] = kInfo[static_cast<std::size_t>(i)].v;
    return a;
  }();
  return kAll;
}
std::string_view mix_value_key(MixValue v) { return kInfo[static_cast<std::size_t>(v)].key; }
std::string_view mix_value_label(MixValue v) { return kInfo[static_cast<std::size_t>(v)].label; }
std::string_view mix_value_unit(MixValue v) { return kInfo[static_cast<std::size_t>(v)].unit; }

std::array<double, kNumMixValues> mix_values(const features::MixFeatures& m) {
  std::array<double, kNumMixValues> v{};
  for (int b = 0; b < 6; ++b) v[static_cast<std::size_t>(b)] = db_power(m.band_balance[static_cast<std::size_t>(b)]);
  v[6] = m.loudness_lufs;
  v[7] = m.loudness_range_lu;
  v[8] = std::isfinite(m.true_peak_dbtp) ? std::max(kLevelFloorDb, m.true_peak_dbtp) : kLevelFloorDb;
  v[9] = m.dynamic_range_db;
  v[10] = m.stereo_width;
  v[11] = db_amp(m.peak_level);
  v[12] = db_amp(m.rms_level);
  return v;
}

ValueStats value_stats(std::vector<double> v) {
  if (v.empty()) throw ParameterError("value_stats: no values");
  std::sort(v.begin(), v.end());
  return {percentile(v, 0.5), percentile(v, 0.25), percentile(v, 0.75), v.size()};
}

ProfileBuildReport build_genre_mix_profiles(const fs::path& data_dir, const fs::path& store_path,
                                            const ProfileBuildParams& p) {
  const data::DatasetIndex index = data::scan_dataset(data_dir);
  data::FeatureStore store(store_path, p.write_store ? data::FeatureStore::Mode::ReadWrite
                                                     : data::FeatureStore::Mode::ReadOnly);
  ProfileBuildReport r;
  r.profiles.source = data_dir.string();
  std::map<MusicGenre, std::vector<std::array<double, kNumMixValues>>> per_genre;
  std::map<MusicGenre, std::size_t> taken;
  for (const data::Entry* e : index.section(data::Section::Genre)) {
    if (!e->genre) continue;
    if (p.max_files_per_genre && taken[*e->genre] >= p.max_files_per_genre) continue;
    try {
      const std::uint64_t hash = store.file_hash(e->path);
      std::optional<features::MixFeatures> mix;
      if (auto rec = store.get(hash, data::FeatureKind::Mix); rec && rec->ok) {
        mix = mix_from_json(rec->json);
        ++r.from_store;
      } else {
        const auto f = features::compute_file_features(e->path, features::kMixSet);
        mix = *f.mix;
        ++r.computed;
        if (p.write_store) store.put({data::encode_features(f, data::FeatureKind::Mix, hash, e->rel)});
      }
      per_genre[*e->genre].push_back(mix_values(*mix));
      ++taken[*e->genre];
    } catch (const Error& err) {
      r.failures.push_back(e->rel + ": " + err.what());
    } catch (const json::exception& err) {
      r.failures.push_back(e->rel + ": stored mix record unreadable: " + err.what());
    }
  }
  for (const auto& [g, rows] : per_genre) {
    GenreMixProfile prof;
    prof.files = rows.size();
    for (int k = 0; k < kNumMixValues; ++k) {
      std::vector<double> col;
      for (const auto& row : rows) col.push_back(row[static_cast<std::size_t>(k)]);
      prof.values[static_cast<std::size_t>(k)] = value_stats(std::move(col));
    }
    r.profiles.genres[g] = prof;
  }
  if (r.profiles.genres.empty())
    throw ParameterError("genre mix profiles: no file under " + (data_dir / "genres").string() +
                         " could be measured" + (r.failures.empty() ? "" : " (first failure: " + r.failures[0] + ")"));
  return r;
}

void write_mix_profiles(const MixProfiles& m, const fs::path& path) {
  json j;
  j["version"] = kMixProfileVersion;
  j["source"] = m.source;
  j["statistics"] = "median and 25th/75th percentiles (linear interpolation) per genre";
  json units;
  for (MixValue v : all_mix_values()) units[std::string(mix_value_key(v))] = mix_value_unit(v);
  j["units"] = units;
  json genres = json::object();
  for (const auto& [g, prof] : m.genres) {
    json jg;
    jg["files"] = prof.files;
    for (MixValue v : all_mix_values()) {
      const ValueStats& s = prof.values[static_cast<std::size_t>(v)];
      jg["values"][std::string(mix_value_key(v))] = {{"median", s.median}, {"p25", s.p25}, {"p75", s.p75}, {"n", s.n}};
    }
    genres[std::string(raw_value(g))] = jg;
  }
  j["genres"] = genres;
  write_file_atomic(path, j.dump(2) + "\n");
}

MixProfiles read_mix_profiles(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open the genre mix profiles");
  std::stringstream ss;
  ss << in.rdbuf();
  MixProfiles m;
  try {
    const json j = json::parse(ss.str());
    if (j.at("version").get<int>() != kMixProfileVersion)
      throw FormatError(path, "profile version " + j.at("version").dump() + ", expected " + std::to_string(kMixProfileVersion));
    m.source = j.value("source", "");
    for (const auto& [name, jg] : j.at("genres").items()) {
      const auto g = find_genre(name);
      if (!g) throw FormatError(path, "unknown genre '" + name + "'");
      GenreMixProfile prof;
      prof.files = jg.at("files").get<std::size_t>();
      for (MixValue v : all_mix_values()) {
        const json& s = jg.at("values").at(std::string(mix_value_key(v)));
        prof.values[static_cast<std::size_t>(v)] = {s.at("median").get<double>(), s.at("p25").get<double>(),
                                                    s.at("p75").get<double>(), s.at("n").get<std::size_t>()};
      }
      m.genres[*g] = prof;
    }
  } catch (const json::exception& e) {
    throw FormatError(path, std::string("malformed genre mix profiles: ") + e.what());
  }
  return m;
}

ProfileBuildReport write_genre_mix_profiles(const fs::path& data_dir, const fs::path& store, const fs::path& models_dir,
                                            const ProfileBuildParams& p) {
  ProfileBuildReport r = build_genre_mix_profiles(data_dir, store, p);
  write_mix_profiles(r.profiles, models_dir / kMixProfileFile);
  return r;
}

}  // namespace echoelml::analysis
