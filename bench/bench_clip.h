// The 30 s clip every feature benchmark uses: the first 30 s of the golden synth song, at 44.1 kHz,
// loaded once per process.
#pragma once

#include <filesystem>

#include "echoelml/io/audio.h"

namespace echoelml::bench {

inline const std::filesystem::path& clip_path() {
  static const std::filesystem::path p =
      std::filesystem::path(ECHOELML_SHARED_DIR) / "golden/librosa/wav/synth_song_32s.wav";
  return p;
}

inline const io::AudioBuffer& clip_mono() {
  static const auto a = io::load(clip_path(), {.sr = 44100.0, .mono = true, .duration = 30.0});
  return a;
}

inline const io::AudioBuffer& clip_stereo() {
  static const auto a = io::load(clip_path(), {.sr = 44100.0, .mono = false, .duration = 30.0});
  return a;
}

}  // namespace echoelml::bench
