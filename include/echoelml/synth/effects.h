// Mixing and effect DSP used by the synthetic generator to realise the app's mixing/effects
// techniques on rendered stems (and the controlled flaws of the MixAnalyzer data).
// Every effect works in place on an io::AudioBuffer (channel-major, any rate); stereo effects
// require 2 channels and throw ParameterError otherwise. All are deterministic (no RNG).
#pragma once

#include <cstddef>

#include "echoelml/io/audio.h"

namespace echoelml::synth {

using io::AudioBuffer;

/// A silent buffer of the given shape.
AudioBuffer make_buffer(std::size_t channels, std::size_t frames, double sr);
/// dst += gain * src (shapes must match; throws ParameterError otherwise).
void mix_into(AudioBuffer& dst, const AudioBuffer& src, double gain = 1.0);
void apply_gain_db(AudioBuffer& x, double db);
double rms(const AudioBuffer& x);       // over all channels and frames; 0 when empty
double peak_abs(const AudioBuffer& x);  // max |sample|
/// Pearson correlation of the two channels of a stereo buffer (1 = mono, 0 = uncorrelated).
double lr_correlation(const AudioBuffer& x);
/// Scales so that the peak is `peak_db` dBFS (no-op on silence).
void normalize_peak(AudioBuffer& x, double peak_db);
/// Clamps every sample into [-ceiling, ceiling].
void hard_clip(AudioBuffer& x, double ceiling = 1.0);

/// RBJ audio-EQ-cookbook biquads.
enum class FilterType { LowPass, HighPass, Peak, LowShelf, HighShelf };
/// freq in Hz (0 < freq < sr/2), q > 0, gain_db used by Peak/LowShelf/HighShelf.
void apply_filter(AudioBuffer& x, FilterType type, double freq, double q = 0.7071, double gain_db = 0.0);

/// Feed-forward compressor with a peak envelope detector in dB and a hard knee.
struct CompressorParams {
  double threshold_db = -20.0;
  double ratio = 4.0;         // >= 1
  double attack_s = 0.005;    // gain-reduction onset time constant
  double release_s = 0.120;   // gain-reduction recovery time constant
  double makeup_db = 0.0;
};
/// Self-keyed compression (detector = max |x| over channels).
void compress(AudioBuffer& x, const CompressorParams& p);
/// Side-chain compression: the gain computed from `key` (same frames and rate as x) is
/// applied to x. Keyed by a kick stem this gives the EDM "pumping" gain reduction.
void sidechain_compress(AudioBuffer& x, const AudioBuffer& key, const CompressorParams& p);
/// Parallel ("New York") compression: x = dry + wet * compress(x).
void parallel_compress(AudioBuffer& x, const CompressorParams& p, double wet);

/// Mid/side widening of a stereo buffer: S' = side_gain * S + haas_amount * HP300(M delayed by
/// haas_ms). The delayed-mid term gives a mono source a side component, so widening works
/// even on centred stems. M = (L+R)/2, S = (L-R)/2.
void widen_stereo(AudioBuffer& x, double side_gain, double haas_ms = 12.0, double haas_amount = 0.0);
/// Scales only the side signal (side_gain 0 = mono, > 1 wider, no delayed-mid term).
void set_side_gain(AudioBuffer& x, double side_gain);

/// Freeverb-style reverb: 8 damped feedback combs in parallel and 4 allpasses in series
/// per channel, the right channel's delays offset for decorrelation; preceded by a predelay.
struct ReverbParams {
  double room_size = 0.8;   // 0..1, comb feedback 0.7 + 0.28 * room_size
  double damping = 0.4;     // 0..1, low-pass in the comb loops
  double wet = 0.3;
  double dry = 1.0;
  double width = 1.0;       // 0..1 stereo width of the wet signal
  double predelay_s = 0.02;
};
void reverb(AudioBuffer& x, const ReverbParams& p);

/// Resonant low-pass whose cutoff moves exponentially from f_start to f_end between t_start
/// and t_end (seconds); before/after it stays at f_start/f_end.
void filter_sweep(AudioBuffer& x, double f_start, double f_end, double t_start, double t_end, double q = 2.0);

/// Feedback delay: out = x + wet * d, d[n] = x[n-D] + feedback * d[n-D] with D = delay_s.
/// ping_pong sends each repeat to the other channel (stereo only).
void tempo_delay(AudioBuffer& x, double delay_s, double feedback, double wet, bool ping_pong = false);

enum class ModulationKind { Chorus, Flanger, Phaser };
struct ModulationParams {
  ModulationKind kind = ModulationKind::Chorus;
  double rate_hz = 0.8;
  double depth = 0.7;   // 0..1
  double mix = 0.5;     // wet share
  double feedback = 0.0;  // flanger/phaser feedback, |feedback| < 1
};
void modulate(AudioBuffer& x, const ModulationParams& p);

/// tanh waveshaper: y = (tanh(drive*(x+bias)) - tanh(drive*bias)) / drive' normalised so a
/// full-scale input keeps about its peak; mix blends with the dry signal. bias != 0 adds even
/// harmonics ("warmth"), the symmetric part adds odd harmonics.
void saturate(AudioBuffer& x, double drive, double mix = 1.0, double bias = 0.0);

/// Equal-power auto-pan of a stereo buffer with an LFO (rate_hz, depth 0..1, phase in radians).
void auto_pan(AudioBuffer& x, double rate_hz, double depth, double phase = 0.0);

}  // namespace echoelml::synth
