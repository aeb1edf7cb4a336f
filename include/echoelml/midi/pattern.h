// Training data for the PatternGenerator (app-contract §5): a fixed-size note table per MIDI
// file, and the conditioning values (tempo, bars, complexity) estimated from the file.
// The definitions (windows, normalisation, complexity) are documented in docs/midi.md.
#pragma once

#include <cstdint>
#include <vector>

#include "echoelml/midi/midi.h"

namespace echoelml::midi {

inline constexpr int kPatternColumns = 4;  // pitch, velocity, start, duration (app order)
inline constexpr int kDefaultPatternNotes = 64;  // the app reads notes [64, 4]
/// Durations shorter than this (in beats) are raised to it in the targets: the app rejects
/// notes with duration 0, and drum hits are often stored with (near) zero length.
inline constexpr double kMinPatternDurationBeats = 1.0 / 32.0;

/// The first `max_notes` notes of a file (by start), relative to the pattern window.
/// The window starts at the bar line at or before the first note and ends at the first bar
/// line at or after the end of the last selected note (at least one bar). Rows past n_notes
/// are padding: zeros in `normalised` and the raw columns, 0 in `mask`.
struct PatternTarget {
  int max_notes = kDefaultPatternNotes;
  int n_notes = 0;              // real notes, min(max_notes, notes in file)
  double window_start_beats = 0;  // in the file's beats
  double window_beats = 0;        // window length in beats (whole bars)
  double beats_per_bar = 4;       // from the time signature at the window start
  /// (max_notes, 4) row-major: pitch/127, velocity/127, start/window_beats,
  /// duration/window_beats, all in [0, 1].
  std::vector<float> normalised;
  /// (max_notes, 4) row-major raw values: pitch, velocity, start and duration in beats
  /// relative to the window start (what the app's notes output holds).
  std::vector<float> raw;
  std::vector<std::uint8_t> mask;  // max_notes entries: 1 = real note, 0 = padding
};

/// Throws ParameterError if max_notes < 1. A file without notes gives n_notes = 0, a
/// one-bar window and an all-padding table.
PatternTarget prepare_pattern(const MidiFile& m, int max_notes = kDefaultPatternNotes);

/// The PatternGenerator's conditioning inputs estimated from a whole file.
struct PatternStats {
  double tempo_bpm = 120;  // mean tempo over [0, last note end]: 60 * beats / seconds
  int bars = 0;            // whole bars up to the last note end (time-signature aware), 0 if no notes
  double complexity = 0;   // 0..1, weighted mix of the four ingredients below
  // Ingredients, each in 0..1 (definitions in docs/midi.md):
  double density = 0;          // d / (d + kComplexityDensityHalf), d = notes per beat
  double rhythmic_variety = 0; // entropy of onset positions on a 12-per-beat grid / log2(12)
  double pitch_variety = 0;    // min(1, entropy of the pitch distribution / 4 bits)
  double velocity_variety = 0; // min(1, standard deviation of velocity / 32)
};

inline constexpr double kComplexityDensityHalf = 4.0;  // notes per beat giving density 0.5
inline constexpr int kOnsetGridPerBeat = 12;           // 16ths (4) and triplets (3) both land on it
inline constexpr double kPitchEntropyFullBits = 4.0;   // 16 equally used pitches = full variety
inline constexpr double kVelocityStdFull = 32.0;       // velocity std giving full variety
// Weights of density, rhythmic, pitch and velocity variety (sum 1).
inline constexpr double kComplexityWeights[4] = {0.35, 0.35, 0.2, 0.1};

PatternStats estimate_pattern_stats(const MidiFile& m);

}  // namespace echoelml::midi
