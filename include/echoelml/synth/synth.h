// The synthetic labelled-music generator: genre songs, technique-labelled songs, MIDI patterns
// and mixes with controlled flaws (layout and realisations in docs/synth.md).
//
//   out/genres/<genre case>/<genre case>_NNNN.wav
//   out/techniques/audio/<genre case>_NNNN.wav + out/techniques/labels.csv   (file,techniques)
//   out/patterns/<genre case>/<genre case>_NNNN.mid + out/patterns/labels.csv (file,techniques,tempo,bars,complexity)
//   out/mixes/mix_NNNN_<flaw>.wav + out/mixes/labels.csv                     (file,flaw,source)
// CSV paths are relative to the CSV's folder; techniques are raw values joined by ';'.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "echoelml/core/music.h"
#include "echoelml/io/audio.h"
#include "echoelml/synth/arrange.h"

namespace echoelml::synth {

class Renderer;

/// What one song is made of; drawn from a seeded rng by plan_song.
struct SongPlan {
  MusicGenre genre = MusicGenre::Edm;
  double bpm = 120;
  int key = 0;
  double complexity = 0.5;
  double clip_seconds = 30;
  std::vector<ProductionTechnique> techniques;  // sorted by enum order; the label
  std::uint64_t seed = 0;                       // seeds the arrangement and the mixing
};

/// Draws tempo (genre range), key, complexity and a technique subset: each technique with
/// probability `technique_rate`, at least one. `allowed` restricts the candidates (empty = all 20).
SongPlan plan_song(MusicGenre g, double clip_seconds, std::mt19937_64& rng, double technique_rate = 0.3,
                   const std::vector<ProductionTechnique>& allowed = {});

struct Song {
  Arrangement arrangement;
  std::array<io::AudioBuffer, kNumStems> dry;     // as rendered
  std::array<io::AudioBuffer, kNumStems> stems;   // after the mixing/effects techniques, before the sum
  io::AudioBuffer mix;                            // sum of stems, peak-normalised to -1 dBFS
};

/// Arranges, renders and mixes one song (deterministic for plan.seed).
Song make_song(const SongPlan& plan, Renderer& renderer);

/// Applies the plan's mixing/effects techniques to the stems (in place) and returns the mix.
io::AudioBuffer mix_stems(std::array<io::AudioBuffer, kNumStems>& stems, const Arrangement& a,
                          const std::vector<ProductionTechnique>& techniques, std::mt19937_64& rng);

enum class MixFlaw { Clean, TooMuchLowEnd, HarshHighs, OverCompressed, TooNarrow, TooWide, TooQuiet, Clipping };
inline constexpr int kNumFlaws = 8;
std::string_view flaw_name(MixFlaw f);  // "clean", "too_much_low_end", ...
/// Turns a clean mix (peak -1 dBFS) into the flawed one (docs/synth.md lists the amounts).
void apply_flaw(io::AudioBuffer& mix, MixFlaw f);

struct SynthParams {
  int per_genre = 10;          // items of each kind per genre (>= 1)
  std::uint64_t seed = 1;
  double clip_seconds = 30;    // length of audio items (> 0)
  bool short_clips = false;    // overrides clip_seconds with kShortClipSeconds
  unsigned threads = 0;        // 0 = all cores
  bool quiet = false;          // no progress line
  std::filesystem::path soundfont{};  // empty = default_soundfont()
  double technique_rate = 0.3; // per-technique probability for technique-labelled songs
};
inline constexpr double kShortClipSeconds = 5.0;

struct SynthSummary {
  std::size_t items = 0;     // planned items (4 kinds x 8 genres x per_genre)
  std::size_t written = 0;   // items rendered and written now
  std::size_t skipped = 0;   // items whose files already existed
  std::size_t failed = 0;
  std::vector<std::string> errors;  // one line per failed item
  double seconds = 0;
};

/// Writes the data set (layout above). Every file is written atomically; items whose files
/// already exist are skipped (the label CSVs are always rewritten from the plans, which
/// depend only on (seed, kind, genre, index)). Throws ParameterError for bad params and
/// IoError if out_dir cannot be created or the SoundFont cannot be loaded; per-item failures
/// are counted in the summary.
SynthSummary generate_dataset(const std::filesystem::path& out_dir, const SynthParams& p);

/// The rng of one item: mt19937_64 seeded from (seed, kind, genre, index) by splitmix64, so
/// the result does not depend on thread scheduling or on per_genre.
std::mt19937_64 item_rng(std::uint64_t seed, int kind, int genre, int index);

}  // namespace echoelml::synth
