#include "echoelml/features/serialize.h"

#include <cmath>
#include <limits>

namespace echoelml::features {
namespace {

constexpr std::array<const char*, 12> kPitchClasses{"C",  "C#", "D",  "D#", "E",  "F",
                                                    "F#", "G",  "G#", "A",  "A#", "B"};
constexpr std::array<const char*, 6> kBands{"sub", "bass", "low_mid", "mid", "high_mid", "high"};
const double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

using Columns = std::vector<std::pair<std::string, double>>;

void add_genre(Columns& c, const GenreFeatures* f) {
  auto v = [&](double GenreFeatures::*m) { return f ? f->*m : kNaN; };
  c.emplace_back("genre.tempo", v(&GenreFeatures::tempo));
  c.emplace_back("genre.spectral_centroid", v(&GenreFeatures::spectral_centroid));
  c.emplace_back("genre.spectral_rolloff", v(&GenreFeatures::spectral_rolloff));
  c.emplace_back("genre.zero_crossing_rate", v(&GenreFeatures::zero_crossing_rate));
  c.emplace_back("genre.rms", v(&GenreFeatures::rms));
  c.emplace_back("genre.spectral_flux", v(&GenreFeatures::spectral_flux));
  c.emplace_back("genre.spectral_contrast", v(&GenreFeatures::spectral_contrast));
  for (int i = 0; i < 13; ++i)
    c.emplace_back("genre.mfcc_" + std::to_string(i), f ? f->mfcc[i] : kNaN);
  for (int i = 0; i < 12; ++i)
    c.emplace_back(std::string("genre.chroma_") + kPitchClasses[i], f ? f->chroma[i] : kNaN);
  c.emplace_back("genre.n_beats", f ? f->n_beats : kNaN);
  c.emplace_back("genre.chroma_tuning", v(&GenreFeatures::chroma_tuning));
  for (int i = 0; i < 7; ++i)
    c.emplace_back("genre.spectral_contrast_band_" + std::to_string(i),
                   f ? f->spectral_contrast_bands[i] : kNaN);
}

void add_technique(Columns& c, const TechniqueFeatures* f) {
  c.emplace_back("technique.dynamic_range", f ? f->dynamic_range : kNaN);
  c.emplace_back("technique.stereo_width", f && f->stereo_width ? *f->stereo_width : kNaN);
  c.emplace_back("technique.spectrum_variance", f ? f->spectrum_variance : kNaN);
  c.emplace_back("technique.temporal_modulation",
                 f && f->temporal_modulation ? *f->temporal_modulation : kNaN);
  c.emplace_back("technique.transient_strength", f ? f->transient_strength : kNaN);
  c.emplace_back("technique.harmonic_ratio", f ? f->harmonic_ratio : kNaN);
}

void add_app(Columns& c, const AppTechniqueFeatures* f) {
  c.emplace_back("technique_app.dynamic_range", f ? f->dynamic_range : kNaN);
  c.emplace_back("technique_app.stereo_width", f && f->stereo_width ? *f->stereo_width : kNaN);
  c.emplace_back("technique_app.spectrum_variance", f ? f->spectrum_variance : kNaN);
  c.emplace_back("technique_app.temporal_modulation", f ? f->temporal_modulation : kNaN);
}

void add_mix(Columns& c, const MixFeatures* f) {
  for (int i = 0; i < 6; ++i)
    c.emplace_back(std::string("mix.balance_") + kBands[i], f ? f->band_balance[i] : kNaN);
  c.emplace_back("mix.dynamic_range_db", f ? f->dynamic_range_db : kNaN);
  c.emplace_back("mix.stereo_width", f ? f->stereo_width : kNaN);
  c.emplace_back("mix.peak_level", f ? f->peak_level : kNaN);
  c.emplace_back("mix.rms_level", f ? f->rms_level : kNaN);
  c.emplace_back("mix.loudness_lufs", f ? f->loudness_lufs : kNaN);
  c.emplace_back("mix.loudness_range_lu", f ? f->loudness_range_lu : kNaN);
  c.emplace_back("mix.true_peak_dbtp", f ? f->true_peak_dbtp : kNaN);
  for (int k = 0; k < 1024; ++k)
    c.emplace_back("mix.spectrum_" + std::to_string(k),
                   f && k < static_cast<int>(f->spectrum.size()) ? f->spectrum[k] : kNaN);
}

}  // namespace

nlohmann::json to_json(const GenreFeatures& f) {
  nlohmann::json j;
  j["tempo"] = f.tempo;
  j["spectral_centroid"] = f.spectral_centroid;
  j["spectral_rolloff"] = f.spectral_rolloff;
  j["zero_crossing_rate"] = f.zero_crossing_rate;
  j["rms"] = f.rms;
  j["spectral_flux"] = f.spectral_flux;
  j["spectral_contrast"] = f.spectral_contrast;
  j["mfcc"] = f.mfcc;
  j["chroma"] = f.chroma;
  j["n_beats"] = f.n_beats;
  j["chroma_tuning"] = f.chroma_tuning;
  j["spectral_contrast_bands"] = f.spectral_contrast_bands;
  j["units"] = {{"tempo", "BPM"},
                {"spectral_centroid", "Hz"},
                {"spectral_rolloff", "Hz"},
                {"zero_crossing_rate", "crossings per sample"},
                {"rms", "linear full scale"},
                {"spectral_flux", "Hz per frame (mean of the centroid's frame-to-frame change)"},
                {"spectral_contrast", "dB"},
                {"mfcc", "DCT of dB mel bands"},
                {"chroma", "0..1, per pitch class C..B"}};
  return j;
}

nlohmann::json to_json(const TechniqueFeatures& f) {
  return {{"dynamic_range", f.dynamic_range},
          {"stereo_width", optional_json(f.stereo_width)},
          {"spectrum_variance", f.spectrum_variance},
          {"temporal_modulation", optional_json(f.temporal_modulation)},
          {"transient_strength", f.transient_strength},
          {"harmonic_ratio", f.harmonic_ratio}};
}

nlohmann::json to_json(const AppTechniqueFeatures& f) {
  return {{"dynamic_range", f.dynamic_range},
          {"stereo_width", optional_json(f.stereo_width)},
          {"spectrum_variance", f.spectrum_variance},
          {"temporal_modulation", f.temporal_modulation}};
}

nlohmann::json to_json(const MixFeatures& f) {
  nlohmann::json bands;
  for (int i = 0; i < 6; ++i) bands[kBands[i]] = f.band_balance[i];
  return {{"band_balance", bands},
          {"dynamic_range_db", f.dynamic_range_db},
          {"stereo_width", f.stereo_width},
          {"peak_level", f.peak_level},
          {"rms_level", f.rms_level},
          {"loudness_lufs", f.loudness_lufs},
          {"loudness_range_lu", f.loudness_range_lu},
          {"true_peak_dbtp", f.true_peak_dbtp},
          {"spectrum_db", f.spectrum}};
}

nlohmann::json to_json(const FileFeatures& f) {
  nlohmann::json j{{"duration_s", f.duration_s}, {"native_sr", f.native_sr}, {"channels", f.channels}};
  if (f.genre) j["genre"] = to_json(*f.genre);
  if (f.technique) j["technique"] = to_json(*f.technique);
  if (f.app_technique) j["technique_app"] = to_json(*f.app_technique);
  if (f.mix) j["mix"] = to_json(*f.mix);
  return j;
}

std::vector<std::pair<std::string, double>> flatten(const FileFeatures& f, unsigned sets) {
  Columns c{{"duration_s", f.duration_s}, {"native_sr", f.native_sr},
            {"channels", static_cast<double>(f.channels)}};
  if (sets & kGenreSet) add_genre(c, f.genre ? &*f.genre : nullptr);
  if (sets & kTechniqueSet) add_technique(c, f.technique ? &*f.technique : nullptr);
  if (sets & kAppTechniqueSet) add_app(c, f.app_technique ? &*f.app_technique : nullptr);
  if (sets & kMixSet) add_mix(c, f.mix ? &*f.mix : nullptr);
  return c;
}

}  // namespace echoelml::features
