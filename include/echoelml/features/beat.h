// Global tempo and dynamic-programming beat tracking as librosa 0.10.1 computes them
// (feature/rhythm.py tempo/tempogram, beat.py beat_track and its private helpers), from an
// onset strength envelope (beat_track uses the median-aggregated one, see onset.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace echoelml::features {

struct TempoParams {
  double sr = 22050.0;         // sample rate of the audio the envelope came from (Hz)
  int hop_length = 512;        // samples per envelope frame
  double start_bpm = 120.0;    // centre of the log-normal prior (BPM)
  double std_bpm = 1.0;        // prior width in octaves
  double ac_size = 8.0;        // tempogram window (seconds) -> win_length frames
  std::optional<double> max_tempo = 320.0;  // BPM; faster lags get a -inf prior
};

/// Throws ParameterError for sr <= 0, hop_length < 1, start_bpm <= 0, std_bpm <= 0,
/// ac_size giving fewer than 1 frame, max_tempo <= 0.
void validate(const TempoParams& p);

/// time_to_frames(ac_size): floor(floor(ac_size * sr) / hop) (689 at 44.1 kHz, hop 512).
int tempogram_win_length(const TempoParams& p);

/// librosa.tempo_frequencies(n_bins): bpm[0] = inf, bpm[k] = 60 sr / (hop k).
std::vector<double> tempo_frequencies(int n_bins, double sr, int hop_length);

/// Mean over frames of librosa.feature.tempogram(onset_envelope, win_length): centred frames
/// (linear_ramp padding to 0), periodic Hann, per-frame autocorrelation divided by its lag-0
/// value (frames with lag 0 < tiny contribute 0). float64, (win_length,).
///
/// Computed as IFFT(sum_t |FFT(frame_t)|^2 / energy_t) / n: the inverse transform is linear,
/// so one inverse replaces n of them and energy_t (the lag-0 value) is summed directly. The
/// frame spectra come from a sliding DFT (O(win_length) per frame, not an FFT), re-anchored by
/// an exact FFT whenever its error bound could exceed 1e-12 of the frame's normalised
/// autocorrelation (src/features/tempogram_sliding.cpp).
std::vector<double> tempogram_mean(std::span<const float> onset_envelope, int win_length);

/// The same by a separate inverse FFT per frame normalised by the max |lag|, exactly as
/// librosa's code path runs (slower; kept as the reference for tests).
std::vector<double> tempogram_mean_reference(std::span<const float> onset_envelope,
                                             int win_length);

struct TempoEstimate {
  double bpm = 0.0;                     // bpm grid value at the best lag
  int best_lag = 0;                     // frames per beat of that grid value
  std::vector<double> tempogram_mean;   // (win_length,)
};

/// librosa.feature.tempo(onset_envelope=env, sr, hop_length) with the default log-normal
/// prior and aggregate=np.mean: argmax over lags of log1p(1e6 tg) + logprior (first maximum;
/// a NaN wins, as np.argmax). Throws ParameterError for an empty envelope.
TempoEstimate tempo(std::span<const float> onset_envelope, const TempoParams& p = {});

struct BeatTrackParams {
  TempoParams tempo{};             // sr and hop_length also set the frame rate of the DP
  double tightness = 100.0;        // how strictly beats follow the tempo; > 0
  bool trim = true;                // drop weak leading/trailing beats
  std::optional<double> bpm{};     // skip tempo estimation and use this tempo (> 0)
};

struct BeatTrackResult {
  double tempo = 0.0;                // BPM; 0 when the envelope is all zero
  std::vector<std::int64_t> beats;   // beat frame indices, ascending
  // Intermediate DP stages (empty when no tracking ran), for diagnostics and golden tests:
  int period = 0;                    // round(60 sr / hop / tempo), frames per beat
  std::vector<double> localscore;    // Gaussian-smoothed normalised envelope
  std::vector<double> cumscore;      // DP cumulative score
  std::vector<double> tempogram_mean;  // empty when p.bpm was given
};

/// librosa.beat.beat_track(onset_envelope=env, sr, hop_length, units="frames").
/// An all-zero (or empty) envelope gives tempo 0 and no beats, before any tempo estimation.
BeatTrackResult beat_track(std::span<const float> onset_envelope, const BeatTrackParams& p = {});

/// util.localmax: x[i] > x[i-1] and x[i] >= x[i+1], edges compared with themselves.
std::vector<bool> localmax(std::span<const double> x);

}  // namespace echoelml::features
