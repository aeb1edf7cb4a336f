// Genre-typical note-level arrangements (drums, bass, harmony, lead) and the composition /
// arrangement techniques realised on the notes. Values of every genre are listed in docs/synth.md.
#pragma once

#include <array>
#include <random>
#include <string_view>
#include <vector>

#include "echoelml/core/music.h"
#include "echoelml/midi/midi.h"

namespace echoelml::synth {

/// Instrument groups rendered separately so effects can be applied per group. The kick has
/// its own stem: it keys the side-chain compressor.
enum class Stem { Kick, Drums, Bass, Harmony, Lead };
inline constexpr int kNumStems = 5;
std::string_view stem_name(Stem s);

// MIDI channel plan (channel -> stem): 9 drums (kick notes 35/36 -> Kick), 0 bass,
// 1-4 and 10-12 harmony, 5-8 and 13-15 lead.
inline constexpr int kDrumChannel = 9;
Stem stem_of(const midi::Note& n);

/// Per-genre musical parameters (docs/synth.md has the table).
struct GenreStyle {
  MusicGenre genre;
  double bpm_min, bpm_max;
  double swing;          // 0 = straight; delay of off-beat subdivisions as a share of the step
  bool swing_eighths;    // swing 8ths (jazz) instead of 16ths
  int scale;             // index into the scale table (0 major, 1 minor, 2 dorian, 3 phrygian dominant, 4 whole tone)
  std::vector<int> progression;  // scale degrees (0-based), one chord per bar
  bool sevenths;         // chords with sevenths
  bool has_kit;          // the genre's basic groove uses the drum kit
  int bass_program, harmony_program, lead_program, response_program, counter_program;
  int lead_octave;       // MIDI octave of the lead's tonic (5 -> C5 = 72)
};
const GenreStyle& genre_style(MusicGenre g);

/// True for techniques realised on the notes (composition and arrangement categories).
bool is_note_level(ProductionTechnique t);

struct ArrangeParams {
  MusicGenre genre = MusicGenre::Edm;
  double bpm = 120;
  int key = 0;               // tonic pitch class 0..11 (0 = C)
  double beats = 16;         // length to fill, in quarter-note beats (> 0)
  double complexity = 0.5;   // 0..1: note density, ornament and ghost-note probability
  std::vector<ProductionTechnique> techniques;  // note-level ones change the notes; others are ignored here
  /// Force a kick drum even in genres without a kit (side-chain compression needs a key).
  bool need_kick = false;
};

struct Arrangement {
  double bpm = 120;
  double beats = 16;
  std::vector<midi::Note> notes;         // start/duration in beats; sorted by start
  std::array<int, 16> pan{};             // CC10 per channel (64 = centre)
  std::vector<double> kick_beats;        // onsets of the kick (side-chain key), in beats
  double drop_beat = -1;                 // start of the drop (BuildupDropStructure), else -1
};

/// Builds the notes. Throws ParameterError for bpm <= 0, beats <= 0, key outside 0..11 or
/// complexity outside [0, 1]. Deterministic for the rng state.
Arrangement arrange(const ArrangeParams& p, std::mt19937_64& rng);

}  // namespace echoelml::synth
