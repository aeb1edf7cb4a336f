// PatternGenerator rows -> playable MIDI notes, with optional seeded variation and rendering.
#include "echoelml/analysis/generate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <set>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/synth/render.h"

namespace echoelml::analysis {
namespace {

constexpr double kMinDurationBeats = 1.0 / 32.0;  // shorter notes do not sound in FluidSynth
constexpr int kTicks = 480;                        // make_midi's PPQ: duplicates are judged at it
constexpr double kTailSeconds = 2.0;               // release and decay after the last note

void validate(const GenerateParams& p) {
  const PatternInputs& in = p.inputs;
  if (!(in.tempo_bpm > 0) || !std::isfinite(in.tempo_bpm) || in.tempo_bpm > 400)
    throw ParameterError("generate: tempo must be in (0, 400] BPM, got " + std::to_string(in.tempo_bpm));
  if (!(in.bars >= 1 && in.bars <= 64) || in.bars != std::floor(in.bars))
    throw ParameterError("generate: bars must be a whole number in 1..64, got " + std::to_string(in.bars));
  if (!(in.complexity >= 0 && in.complexity <= 1))
    throw ParameterError("generate: complexity must be in 0..1, got " + std::to_string(in.complexity));
  if (!(p.variation >= 0 && p.variation <= 1))
    throw ParameterError("generate: variation must be in 0..1, got " + std::to_string(p.variation));
  if (p.channel < 0 || p.channel > 15) throw ParameterError("generate: channel must be 0..15, got " + std::to_string(p.channel));
  if (p.program < 0 || p.program > 127) throw ParameterError("generate: program must be 0..127, got " + std::to_string(p.program));
}

}  // namespace

GeneratedPattern generate_pattern(const ModelSet& models, const GenerateParams& p) {
  validate(p);
  GeneratedPattern g;
  PatternInputs in = p.inputs;
  std::mt19937_64 rng(p.seed.value_or(0));
  if (p.seed) {
    std::uniform_real_distribution<double> off(-p.variation, p.variation);
    in.complexity = std::clamp(in.complexity + off(rng), 0.0, 1.0);
  }
  g.complexity_sent = in.complexity;
  g.length_beats = in.bars * 4.0;
  g.rows = models.predict_pattern(in);

  std::uniform_int_distribution<int> jitter(-kVelocityJitter, kVelocityJitter);
  std::set<std::pair<int, long>> seen;  // (pitch, start tick)
  for (const auto& row : g.rows) {
    // The app: UInt8(value) truncates; clamping keeps out-of-range rows playable.
    const int pitch = std::clamp(static_cast<int>(std::trunc(row[0])), 0, 127);
    int velocity = std::clamp(static_cast<int>(std::trunc(row[1])), 1, 127);
    if (p.seed) velocity = std::clamp(velocity + jitter(rng), 1, 127);  // drawn for every row: stable per seed
    // The pattern is a loop: a start past its end (or before 0) folds back into it.
    double start = std::fmod(static_cast<double>(row[2]), g.length_beats);
    if (start < 0) start += g.length_beats;
    if (start != static_cast<double>(row[2])) ++g.folded;
    const long tick = std::lround(start * kTicks);
    if (!seen.insert({pitch, tick}).second) {
      ++g.dropped;
      continue;
    }
    midi::Note n;
    n.pitch = pitch;
    n.velocity = velocity;
    n.channel = p.channel;
    n.program = p.channel == 9 ? 0 : p.program;
    n.start_beats = start;
    n.duration_beats = std::clamp(static_cast<double>(row[3]), kMinDurationBeats, g.length_beats - start);
    g.notes.push_back(n);
  }
  if (g.notes.empty()) throw FormatError(models.pattern_model()->path, "the model produced no notes");
  std::sort(g.notes.begin(), g.notes.end(), [](const midi::Note& a, const midi::Note& b) {
    return a.start_beats != b.start_beats ? a.start_beats < b.start_beats : a.pitch < b.pitch;
  });
  return g;
}

midi::MidiFile pattern_midi(const GeneratedPattern& g, double tempo_bpm) {
  return midi::make_midi(g.notes, tempo_bpm, kTicks);
}

io::AudioBuffer render_pattern(const GeneratedPattern& g, double tempo_bpm) {
  synth::Renderer r;
  std::array<int, 16> pan;
  pan.fill(64);
  double end_beats = 0;
  for (const auto& n : g.notes) end_beats = std::max(end_beats, n.start_beats + n.duration_beats);
  const double seconds = std::max(end_beats, g.length_beats) * 60.0 / tempo_bpm + kTailSeconds;
  return r.render(g.notes, tempo_bpm, pan, static_cast<std::size_t>(seconds * r.sr()));
}

}  // namespace echoelml::analysis
