// Song planning, the mixing/effects techniques on stems, and the mix flaws (synth.h).
#include <algorithm>
#include <cmath>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/synth/effects.h"
#include "echoelml/synth/render.h"
#include "echoelml/synth/synth.h"

namespace echoelml::synth {
namespace {

using T = ProductionTechnique;

double uni(std::mt19937_64& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

bool has(const std::vector<T>& v, T t) { return std::find(v.begin(), v.end(), t) != v.end(); }

io::AudioBuffer& stem(std::array<io::AudioBuffer, kNumStems>& s, Stem k) { return s[static_cast<std::size_t>(k)]; }

double to_db(double lin) { return 20.0 * std::log10(std::max(lin, 1e-9)); }

// Saturation at a defined level: the stem is driven at full scale, then put back at its peak.
void saturate_at_full_scale(io::AudioBuffer& x, double drive) {
  const double p = peak_abs(x);
  if (p <= 0) return;
  normalize_peak(x, 0.0);
  saturate(x, drive, 1.0, 0.1);
  normalize_peak(x, to_db(p));
}

}  // namespace

SongPlan plan_song(MusicGenre g, double clip_seconds, std::mt19937_64& rng, double technique_rate,
                   const std::vector<ProductionTechnique>& allowed) {
  if (!(clip_seconds > 0)) throw ParameterError("plan_song: clip_seconds must be > 0");
  const auto& st = genre_style(g);
  SongPlan p;
  p.genre = g;
  p.clip_seconds = clip_seconds;
  p.bpm = std::round(uni(rng, st.bpm_min, st.bpm_max));
  p.key = std::uniform_int_distribution<int>(0, 11)(rng);
  p.complexity = std::round(uni(rng, 0.2, 0.95) * 100) / 100;
  const auto& cands = allowed.empty() ? std::vector<T>(all_techniques().begin(), all_techniques().end()) : allowed;
  for (T t : cands)
    if (uni(rng, 0, 1) < technique_rate) p.techniques.push_back(t);
  if (p.techniques.empty()) p.techniques.push_back(cands[std::uniform_int_distribution<std::size_t>(0, cands.size() - 1)(rng)]);
  std::sort(p.techniques.begin(), p.techniques.end());
  p.seed = rng();
  return p;
}

io::AudioBuffer mix_stems(std::array<io::AudioBuffer, kNumStems>& s, const Arrangement& a,
                          const std::vector<ProductionTechnique>& tech, std::mt19937_64& rng) {
  const double beat_s = 60.0 / a.bpm;
  auto& kick = stem(s, Stem::Kick);
  auto& drums = stem(s, Stem::Drums);
  auto& bass = stem(s, Stem::Bass);
  auto& harm = stem(s, Stem::Harmony);
  auto& lead = stem(s, Stem::Lead);
  if (has(tech, T::FrequencySeparation)) {
    // Each part gets its own band: bass below ~220 Hz, harmony above 250 Hz with a presence
    // dip where the lead sits, lead above 400 Hz, kit above 200 Hz, kick without its mud.
    apply_filter(bass, FilterType::LowPass, 220.0);
    apply_filter(harm, FilterType::HighPass, 250.0);
    apply_filter(harm, FilterType::Peak, 2500.0, 1.0, -5.0);
    apply_filter(lead, FilterType::HighPass, 400.0);
    apply_filter(drums, FilterType::HighPass, 200.0);
    apply_filter(kick, FilterType::Peak, 400.0, 1.2, -4.0);
  }
  if (has(tech, T::SaturationWarmth)) {
    const double drive = uni(rng, 2.5, 5.0);
    saturate_at_full_scale(bass, drive);
    saturate_at_full_scale(harm, drive * 0.7);
  }
  if (has(tech, T::ModulationEffects)) {
    ModulationParams m;
    m.kind = static_cast<ModulationKind>(std::uniform_int_distribution<int>(0, 2)(rng));
    m.rate_hz = uni(rng, 0.3, 1.5);
    m.depth = uni(rng, 0.6, 1.0);
    m.feedback = m.kind == ModulationKind::Chorus ? 0.0 : 0.5;
    modulate(harm, m);
  }
  if (has(tech, T::CreativeFiltering)) {
    // Resonant low-pass opening over the clip (or over the build-up, ending at the drop).
    const double end = a.drop_beat > 0 ? a.drop_beat * beat_s : a.beats * beat_s * 0.9;
    for (auto* x : {&harm, &lead}) filter_sweep(*x, 250.0, 12000.0, 0.0, end, 3.0);
  }
  if (has(tech, T::SideChainCompression)) {
    // Keyed by the kick: threshold 18 dB under the kick peak, release within the beat.
    CompressorParams c;
    c.threshold_db = to_db(peak_abs(kick)) - 18.0;
    c.ratio = 8.0;
    c.attack_s = 0.002;
    c.release_s = std::min(0.25, 0.4 * beat_s);
    for (auto* x : {&bass, &harm}) sidechain_compress(*x, kick, c);
  }
  if (has(tech, T::ParallelProcessing)) {
    for (auto* x : {&kick, &drums}) {
      CompressorParams c;
      c.threshold_db = to_db(peak_abs(*x)) - 30.0;
      c.ratio = 10.0;
      c.attack_s = 0.001;
      c.release_s = 0.08;
      c.makeup_db = 12.0;
      parallel_compress(*x, c, 0.6);
    }
  }
  if (has(tech, T::RhythmicDelay)) {
    const double frac[] = {0.5, 0.75, 1.0};  // 8th, dotted 8th, quarter
    const double d = beat_s * frac[std::uniform_int_distribution<int>(0, 2)(rng)];
    tempo_delay(lead, d, uni(rng, 0.35, 0.5), 0.5, uni(rng, 0, 1) < 0.5);
  }
  if (has(tech, T::DepthWithReverb)) {
    ReverbParams r;
    r.room_size = uni(rng, 0.75, 0.92);
    r.damping = uni(rng, 0.2, 0.5);
    r.wet = 0.35;
    reverb(harm, r);
    r.wet = 0.25;
    reverb(lead, r);
    r.wet = 0.12;
    reverb(drums, r);
  }
  if (has(tech, T::StereoWidening)) {
    const double side = uni(rng, 1.6, 2.2);
    widen_stereo(harm, side, 12.0, 0.5);
    widen_stereo(lead, side, 17.0, 0.35);
  }
  if (has(tech, T::SpatialProcessing)) {
    // Tempo-synced auto-pan (one cycle per 2 or 4 beats), lead and harmony in opposite phase.
    const double rate = 1.0 / (beat_s * (uni(rng, 0, 1) < 0.5 ? 2.0 : 4.0));
    auto_pan(lead, rate, 0.85, 0.0);
    auto_pan(harm, rate, 0.6, 3.14159265358979);
  }
  io::AudioBuffer mix = make_buffer(2, kick.frames, kick.sr);
  const double gains[kNumStems] = {0.9, 0.7, 0.8, 0.6, 0.7};
  for (std::size_t k = 0; k < kNumStems; ++k) mix_into(mix, s[k], gains[k]);
  normalize_peak(mix, -1.0);
  return mix;
}

Song make_song(const SongPlan& plan, Renderer& renderer) {
  std::mt19937_64 rng(plan.seed);
  ArrangeParams ap;
  ap.genre = plan.genre;
  ap.bpm = plan.bpm;
  ap.key = plan.key;
  ap.complexity = plan.complexity;
  ap.beats = std::ceil(plan.clip_seconds * plan.bpm / 60.0);
  ap.techniques = plan.techniques;
  ap.need_kick = has(plan.techniques, T::SideChainCompression);
  Song song;
  song.arrangement = arrange(ap, rng);
  const auto frames = static_cast<std::size_t>(std::llround(plan.clip_seconds * renderer.sr()));
  song.dry = renderer.render_stems(song.arrangement, frames);
  song.stems = song.dry;
  song.mix = mix_stems(song.stems, song.arrangement, plan.techniques, rng);
  return song;
}

std::string_view flaw_name(MixFlaw f) {
  static constexpr std::array<std::string_view, kNumFlaws> kNames = {
      "clean", "too_much_low_end", "harsh_highs", "over_compressed", "too_narrow", "too_wide", "too_quiet", "clipping"};
  return kNames.at(static_cast<std::size_t>(f));
}

void apply_flaw(io::AudioBuffer& x, MixFlaw f) {
  switch (f) {
    case MixFlaw::Clean:
      break;
    case MixFlaw::TooMuchLowEnd:  // +12 dB low shelf at 150 Hz
      apply_filter(x, FilterType::LowShelf, 150.0, 0.7071, 12.0);
      normalize_peak(x, -1.0);
      break;
    case MixFlaw::HarshHighs:  // +12 dB high shelf at 4 kHz and a +6 dB bump at 3.5 kHz
      apply_filter(x, FilterType::HighShelf, 4000.0, 0.7071, 12.0);
      apply_filter(x, FilterType::Peak, 3500.0, 1.5, 6.0);
      normalize_peak(x, -1.0);
      break;
    case MixFlaw::OverCompressed: {  // 20:1 at -30 dB under the peak, instant attack, made up to -0.3 dBFS
      CompressorParams c;
      c.threshold_db = to_db(peak_abs(x)) - 30.0;
      c.ratio = 20.0;
      c.attack_s = 0.0;  // no overshoot: a transient passing uncompressed would keep the crest factor high
      c.release_s = 0.05;
      compress(x, c);
      normalize_peak(x, -0.3);
      break;
    }
    case MixFlaw::TooNarrow:  // side at 5 %: nearly mono
      set_side_gain(x, 0.05);
      break;
    case MixFlaw::TooWide:  // side x3 plus a strong delayed-mid side: phasey, low correlation
      widen_stereo(x, 3.0, 15.0, 1.0);
      normalize_peak(x, -1.0);
      break;
    case MixFlaw::TooQuiet:  // 20 dB down
      apply_gain_db(x, -20.0);
      break;
    case MixFlaw::Clipping:  // driven 9 dB over full scale and hard-clipped
      normalize_peak(x, 9.0);
      hard_clip(x, 1.0);
      break;
  }
}

}  // namespace echoelml::synth
