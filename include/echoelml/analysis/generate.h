// A playable pattern from the PatternGenerator: model rows -> MIDI notes -> Standard MIDI File,
// optionally rendered with FluidSynth. See docs/analysis.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "echoelml/analysis/models.h"
#include "echoelml/io/audio.h"
#include "echoelml/midi/midi.h"

namespace echoelml::analysis {

struct GenerateParams {
  PatternInputs inputs{};               // genre, techniques, tempo, bars, complexity
  /// Controlled variation. Without a seed the pattern is exactly the model's answer. With one,
  /// (1) the complexity sent to the model is moved by a uniform offset in +-variation (clamped
  /// to 0-1), which makes the network write a different but related pattern, and (2) each
  /// velocity is moved by up to +-kVelocityJitter. Timing and pitches stay as generated. The
  /// same seed always gives the same file.
  std::optional<std::uint64_t> seed{};
  double variation = 0.15;
  int channel = 0;   // MIDI channel 0-15 (9 = GM drums)
  int program = 0;   // GM program 0-127 (ignored on channel 9)
};
inline constexpr int kVelocityJitter = 8;

struct GeneratedPattern {
  std::vector<midi::Note> notes;   // what the MIDI file holds
  PatternRows rows;                // the model's raw rows
  double complexity_sent = 0;      // after the seed's offset
  double length_beats = 0;         // bars * 4
  std::size_t dropped = 0;         // rows repeating a note (same pitch and start tick)
  std::size_t folded = 0;          // rows whose start lay outside [0, bars*4) and was folded in
};

/// Runs the PatternGenerator and turns its rows into notes the way the app does (pitch and
/// velocity truncated to whole MIDI values), then makes them playable: pitch clamped to
/// 0-127, velocity to 1-127, a start outside [0, bars*4) beats folded into the loop (start
/// mod bars*4), durations at least 1/32 beat and cut at the pattern end, duplicates (same
/// pitch and start tick, which the training's in-place padding produces) merged. Throws
/// ParameterError for tempo <= 0, bars < 1 or > 64, complexity outside 0-1, a bad
/// channel/program, or no PatternGenerator; FormatError when the model output is malformed.
GeneratedPattern generate_pattern(const ModelSet& models, const GenerateParams& p);

/// make_midi at the requested tempo (format 1, 480 PPQ, 4/4).
midi::MidiFile pattern_midi(const GeneratedPattern& g, double tempo_bpm);

/// Renders with FluidSynth and the default GM SoundFont (synth::default_soundfont) to 44.1 kHz
/// stereo, the pattern plus a 2 s tail. Throws IoError when no SoundFont is installed.
io::AudioBuffer render_pattern(const GeneratedPattern& g, double tempo_bpm);

}  // namespace echoelml::analysis
