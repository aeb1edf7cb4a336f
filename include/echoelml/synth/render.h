// Renders note lists to 44.1 kHz stereo with libfluidsynth and a General MIDI SoundFont.
// FluidSynth's own reverb and chorus are off: every effect is applied later by effects.h.
// Thread safety: one Renderer per thread.
// Determinism: a fresh Renderer renders the same notes to the same bytes. A reused one does
// not quite: FluidSynth keeps per-voice and per-sample state across notes (measured: up to
// 0.026 difference on the first render of a sample), so generate_dataset creates one Renderer
// per item (about 85 ms for TimGM6mb) to make every file independent of scheduling.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "echoelml/io/audio.h"
#include "echoelml/midi/midi.h"
#include "echoelml/synth/arrange.h"

namespace echoelml::synth {

/// /usr/share/sounds/sf2/TimGM6mb.sf2 (Debian timgm6mb-soundfont) if present, else the first
/// *.sf2 under /usr/share/sounds/sf2 in name order. Throws IoError when there is none.
std::filesystem::path default_soundfont();

struct RenderParams {
  double sr = 44100.0;
  double gain = 0.4;  // FluidSynth master gain
};

class Renderer {
 public:
  /// Loads the SoundFont. Throws IoError if it cannot be loaded, ParameterError for sr <= 0.
  explicit Renderer(const std::filesystem::path& soundfont = default_soundfont(), const RenderParams& p = {});
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  /// Renders `notes` (times from start_beats/duration_beats at `bpm`) into `frames` stereo
  /// frames. Events are applied between blocks rendered up to each event's sample, so timing
  /// is exact up to FluidSynth's internal 64-sample control period. pan[c] is CC10 of channel c.
  /// The synth is reset and block-aligned first (see the determinism note above).
  io::AudioBuffer render(const std::vector<midi::Note>& notes, double bpm, const std::array<int, 16>& pan,
                         std::size_t frames);
  /// One buffer per Stem (index = static_cast<int>(Stem)); silent stems are all zeros.
  std::array<io::AudioBuffer, kNumStems> render_stems(const Arrangement& a, std::size_t frames);

  double sr() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace echoelml::synth
