// The guide's per-clip feature sets: what each of the four models reads, in documented units.
// These are the only feature vectors the data, train and CLI stages use.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "echoelml/io/audio.h"

namespace echoelml::features {

inline constexpr double kAnalysisSr = 44100.0;  // every set is computed at 44.1 kHz
inline constexpr double kGenreClipSeconds = 30.0;

/// GenreClassifier inputs, from librosa.load(path, sr=44100, duration=30.0) (mono).
struct GenreFeatures {
  double tempo = 0;               // BPM (beat_track; 0 when no onsets)
  double spectral_centroid = 0;   // Hz, mean over frames
  double spectral_rolloff = 0;    // Hz, mean over frames (roll_percent 0.85)
  double zero_crossing_rate = 0;  // crossings per sample, mean over frames
  double rms = 0;                 // linear full scale, mean over frames
  double spectral_flux = 0;       // Hz per frame: mean(diff(centroid)), the guide's definition
  double spectral_contrast = 0;   // dB, mean over the 7 bands and all frames
  std::array<double, 13> mfcc{};  // mean per coefficient (dB-scaled DCT units)
  std::array<double, 12> chroma{};  // mean per pitch class C..B, 0..1
  // Extras reported by `features`, not fed to the model:
  int n_beats = 0;
  double chroma_tuning = 0;  // fractions of a semitone
  std::array<double, 7> spectral_contrast_bands{};

  /// The 32 model inputs in training order: the 7 scalars above in declaration order,
  /// then mfcc[13], then chroma[12].
  std::array<float, 32> to_vector() const;
  static const std::array<std::string_view, 32>& vector_names();
};

/// The guide's TechniqueRecognizer features (mono full-length load, stereo load for width).
struct TechniqueFeatures {
  double dynamic_range = 0;        // max(y) - min(y), linear
  std::optional<double> stereo_width;  // 1 - Pearson(L, R); nullopt for mono or a constant channel
  double spectrum_variance = 0;    // var(|stft(y)|)
  std::optional<double> temporal_modulation;  // max(autocorrelate(y)[4410:44100]); nullopt < 0.1 s
  double transient_strength = 0;   // mean(onset_strength(y)), dB-difference units
  double harmonic_ratio = 0;       // sum|harmonic(hpss)| / (sum|y| + 1e-6)

  /// The 6 model inputs; a missing width is 0 (the guide's mono load gives 0 too) and a
  /// missing modulation is 0.
  std::array<float, 6> to_vector() const;
  static const std::array<std::string_view, 6>& vector_names();
};

/// The four values the app computes at inference (app-contract §4), from channel 0 and,
/// for width, both channels of the native-rate buffer.
struct AppTechniqueFeatures {
  double dynamic_range = 0;        // max(x) - min(x) of channel 0
  std::optional<double> stereo_width;  // 1 - mean(L*R); nullopt for mono (the app omits it)
  double spectrum_variance = 0;    // variance of the time-domain samples; 0 if N < 1024
  double temporal_modulation = 0;  // max over lags 4410..39690 of |sum x[i] x[i+lag]| / 4096

  std::array<float, 4> to_vector() const;
  static const std::array<std::string_view, 4>& vector_names();
};

/// MixAnalyzer input and its measured targets.
struct MixFeatures {
  /// Mean log-power spectrum (a Welch estimate): 10 log10(mean_t |X(k,t)|^2 + 1e-10) for
  /// k = 0..1023 (Nyquist bin dropped), X the float32 2048-point FFT of periodic-Hann-windowed
  /// frames of the mid channel (the float32 mean over channels) every 1024 samples, no centring
  /// or padding (a buffer shorter than 2048 samples is one zero-padded frame). dB. Since feature
  /// set version 2; version 1 was a centred librosa STFT (hop 512, double FFT) of the same signal.
  std::vector<float> spectrum;
  /// Share of spectral power in sub 20-60, bass 60-250, low-mid 250-500, mid 500-2k,
  /// high-mid 2k-6k, high 6k-20k Hz (sums to 1 unless silent).
  std::array<double, 6> band_balance{};
  double dynamic_range_db = 0;  // 20 log10(peak / (rms + 1e-4)), the app's definition
  double stereo_width = 0;      // side/(mid+side) energy ratio in 0..1 (0 for mono)
  double peak_level = 0;        // max |x| of channel 0, linear 0..1 (the app's rule)
  double rms_level = 0;         // RMS of channel 0, linear 0..1
  double loudness_lufs = 0;     // EBU R128 integrated loudness
  double loudness_range_lu = 0; // EBU R128 LRA
  double true_peak_dbtp = 0;    // EBU R128 true peak
};

GenreFeatures genre_features(std::span<const float> y_mono_44k);
TechniqueFeatures technique_features(const io::AudioBuffer& mono_44k,
                                     const io::AudioBuffer* stereo_44k);
AppTechniqueFeatures app_technique_features(const io::AudioBuffer& native);
MixFeatures mix_features(const io::AudioBuffer& stereo_or_mono_44k);
/// app_technique_features(a) and mix_features(a) of one 44.1 kHz buffer from a shared pass over
/// its samples (what `analyze` uses for 44.1 kHz files); equal to the two separate calls.
std::pair<AppTechniqueFeatures, MixFeatures> app_and_mix_features(const io::AudioBuffer& native_44k);

/// Which sets to compute for a file (bit mask).
enum FeatureSet : unsigned {
  kGenreSet = 1u, kTechniqueSet = 2u, kAppTechniqueSet = 4u, kMixSet = 8u, kAllSets = 15u
};

struct FileFeatures {
  std::optional<GenreFeatures> genre;
  std::optional<TechniqueFeatures> technique;
  std::optional<AppTechniqueFeatures> app_technique;
  std::optional<MixFeatures> mix;
  double duration_s = 0;
  double native_sr = 0;
  int channels = 0;
};

/// Loads `path` the way each set needs (decoding once where possible) and computes them.
/// Throws IoError/FormatError naming the file.
FileFeatures compute_file_features(const std::filesystem::path& path, unsigned sets);

/// Bumped whenever any set's definition changes, so caches keyed by it recompute.
/// 2: the mix spectrum became a Welch estimate (see MixFeatures::spectrum).
inline constexpr int kFeatureSetVersion = 2;

}  // namespace echoelml::features
