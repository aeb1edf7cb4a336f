// PatternGenerator data preparation: note tables per pattern window and the conditioning
// statistics (tempo, bars, complexity). Definitions are in docs/midi.md.
#include "echoelml/midi/pattern.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "echoelml/core/error.h"

namespace echoelml::midi {
namespace {

constexpr double kEps = 1e-6;  // beats; absorbs rounding when a time sits on a bar line

// Bar lines in beats from the time-signature map; a signature change starts a new bar (a bar
// cut short by a change still counts as a bar).
class BarGrid {
 public:
  explicit BarGrid(const MidiFile& m) {
    for (const TimeSignature& ts : m.time_signatures)
      segments_.push_back({tick_to_beats(m, ts.tick), ts.numerator * 4.0 / ts.denominator});
    if (segments_.empty() || segments_.front().start > 0) segments_.insert(segments_.begin(), {0.0, 4.0});
  }
  double beats_per_bar_at(double x) const { return segment_at(x).bpb; }
  double bar_start_at_or_before(double x) const {
    const Segment& s = segment_at(x);
    return s.start + std::floor((x - s.start) / s.bpb + kEps) * s.bpb;
  }
  double bar_end_at_or_after(double x) const {
    std::size_t i = index_at(x);
    const Segment& s = segments_[i];
    double end = s.start + std::ceil((x - s.start) / s.bpb - kEps) * s.bpb;
    if (i + 1 < segments_.size()) end = std::min(end, segments_[i + 1].start);
    return end;
  }
  /// Whole bars from beat 0 up to x (a started bar counts).
  int count_bars(double x) const {
    double bars = 0;
    for (std::size_t i = 0; i < segments_.size() && segments_[i].start < x - kEps; ++i) {
      const double end = i + 1 < segments_.size() ? std::min(x, segments_[i + 1].start) : x;
      bars += std::ceil((end - segments_[i].start) / segments_[i].bpb - kEps);
    }
    // Hostile files can place notes 2^40 ticks out; saturate rather than overflow the int.
    return static_cast<int>(std::min(bars, static_cast<double>(std::numeric_limits<int>::max())));
  }

 private:
  struct Segment {
    double start, bpb;
  };
  std::size_t index_at(double x) const {
    std::size_t i = 0;
    while (i + 1 < segments_.size() && segments_[i + 1].start <= x + kEps) ++i;
    return i;
  }
  const Segment& segment_at(double x) const { return segments_[index_at(x)]; }
  std::vector<Segment> segments_;
};

double entropy_bits(const std::map<int, int>& histogram, int total) {
  double h = 0;
  for (const auto& [key, count] : histogram) {
    const double p = static_cast<double>(count) / total;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace

PatternTarget prepare_pattern(const MidiFile& m, int max_notes) {
  if (max_notes < 1) throw ParameterError("prepare_pattern: max_notes must be >= 1, got " + std::to_string(max_notes));
  PatternTarget p;
  p.max_notes = max_notes;
  p.normalised.assign(static_cast<std::size_t>(max_notes) * kPatternColumns, 0.0f);
  p.raw.assign(p.normalised.size(), 0.0f);
  p.mask.assign(static_cast<std::size_t>(max_notes), 0);
  const BarGrid grid(m);
  p.n_notes = static_cast<int>(std::min<std::size_t>(m.notes.size(), static_cast<std::size_t>(max_notes)));
  if (p.n_notes == 0) {
    p.beats_per_bar = grid.beats_per_bar_at(0);
    p.window_beats = p.beats_per_bar;
    return p;
  }
  // m.notes is sorted by start, so the first n_notes are the earliest.
  const auto dur = [](const Note& n) { return std::max(n.duration_beats, kMinPatternDurationBeats); };
  p.window_start_beats = grid.bar_start_at_or_before(m.notes.front().start_beats);
  p.beats_per_bar = grid.beats_per_bar_at(p.window_start_beats);
  double last_end = 0;
  for (int i = 0; i < p.n_notes; ++i) last_end = std::max(last_end, m.notes[i].start_beats + dur(m.notes[i]));
  const double window_end = grid.bar_end_at_or_after(last_end);
  p.window_beats = std::max(window_end - p.window_start_beats, p.beats_per_bar);
  for (int i = 0; i < p.n_notes; ++i) {
    const Note& n = m.notes[i];
    const double start = n.start_beats - p.window_start_beats;
    float* raw = &p.raw[static_cast<std::size_t>(i) * kPatternColumns];
    float* nrm = &p.normalised[static_cast<std::size_t>(i) * kPatternColumns];
    raw[0] = static_cast<float>(n.pitch);
    raw[1] = static_cast<float>(n.velocity);
    raw[2] = static_cast<float>(start);
    raw[3] = static_cast<float>(dur(n));
    nrm[0] = static_cast<float>(n.pitch / 127.0);
    nrm[1] = static_cast<float>(n.velocity / 127.0);
    nrm[2] = static_cast<float>(std::clamp(start / p.window_beats, 0.0, 1.0));
    nrm[3] = static_cast<float>(std::clamp(dur(n) / p.window_beats, 0.0, 1.0));
    p.mask[i] = 1;
  }
  return p;
}

PatternStats estimate_pattern_stats(const MidiFile& m) {
  PatternStats s;
  const bool smpte = m.ticks_per_quarter <= 0;
  s.tempo_bpm = smpte || m.tempo_map.empty() ? 120.0 : 60e6 / m.tempo_map.front().microseconds_per_quarter;
  if (m.notes.empty()) return s;

  std::int64_t end_tick = 0;
  for (const Note& n : m.notes) end_tick = std::max(end_tick, n.start_tick + n.duration_ticks);
  const double end_beats = tick_to_beats(m, end_tick), end_s = tick_to_seconds(m, end_tick);
  if (!smpte && end_s > 0) s.tempo_bpm = 60.0 * end_beats / end_s;

  const BarGrid grid(m);
  s.bars = std::max(1, grid.count_bars(end_beats));
  const double span_beats = std::max(grid.bar_end_at_or_after(end_beats), grid.beats_per_bar_at(0));

  const int n = static_cast<int>(m.notes.size());
  const double per_beat = n / span_beats;
  s.density = per_beat / (per_beat + kComplexityDensityHalf);

  std::set<std::int64_t> onset_ticks;
  std::map<int, int> pitches;
  double vsum = 0, vsum2 = 0;
  for (const Note& note : m.notes) {
    onset_ticks.insert(note.start_tick);
    ++pitches[note.pitch];
    vsum += note.velocity;
    vsum2 += static_cast<double>(note.velocity) * note.velocity;
  }
  std::map<int, int> positions;  // onset position inside its beat, on the 12-per-beat grid
  for (std::int64_t t : onset_ticks) {
    const long slot = std::lround(tick_to_beats(m, t) * kOnsetGridPerBeat);
    ++positions[static_cast<int>(((slot % kOnsetGridPerBeat) + kOnsetGridPerBeat) % kOnsetGridPerBeat)];
  }
  s.rhythmic_variety = entropy_bits(positions, static_cast<int>(onset_ticks.size())) / std::log2(kOnsetGridPerBeat);
  s.pitch_variety = std::min(1.0, entropy_bits(pitches, n) / kPitchEntropyFullBits);
  const double mean = vsum / n, var = std::max(0.0, vsum2 / n - mean * mean);
  s.velocity_variety = std::min(1.0, std::sqrt(var) / kVelocityStdFull);

  const double parts[4] = {s.density, s.rhythmic_variety, s.pitch_variety, s.velocity_variety};
  for (int i = 0; i < 4; ++i) s.complexity += kComplexityWeights[i] * parts[i];
  s.complexity = std::clamp(s.complexity, 0.0, 1.0);
  return s;
}

}  // namespace echoelml::midi
