// Fixtures for the data tests: tiny files, a temp data folder and a cheap stand-in extractor.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "echoelml/core/error.h"
#include "echoelml/data/extract.h"
#include "echoelml/data/hash.h"
#include "echoelml/io/audio.h"
#include "support/shared_data.h"

namespace echoelml::test {

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
}

/// A short mono sine WAV (PCM-16) at 22.05 kHz.
inline void write_tone(const std::filesystem::path& p, double freq, double seconds = 0.1) {
  std::filesystem::create_directories(p.parent_path());
  io::AudioBuffer a;
  a.sr = 22050;
  a.channels = 1;
  a.frames = static_cast<std::size_t>(seconds * a.sr);
  a.data.resize(a.frames);
  for (std::size_t i = 0; i < a.frames; ++i)
    a.data[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * freq * i / a.sr));
  io::write_wav(p, a);
}

/// Deterministic stand-in for features::compute_file_features: every value is derived from
/// the file's content hash, so two runs (or a stored row and a recomputation) must agree.
/// Files whose name contains "bad" throw FormatError. Counts its calls; may sleep per call.
struct FakeExtractor {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  int sleep_ms = 0;

  static features::FileFeatures make(std::uint64_t h, unsigned sets) {
    features::FileFeatures f;
    auto val = [h](int i) { return static_cast<double>((h >> (i % 48)) & 0xffff) / 65536.0 + i; };
    if (sets & features::kGenreSet) {
      features::GenreFeatures g;
      g.tempo = val(0);
      g.spectral_centroid = val(1);
      g.spectral_rolloff = val(2);
      g.zero_crossing_rate = val(3);
      g.rms = val(4);
      g.spectral_flux = val(5);
      g.spectral_contrast = val(6);
      for (int i = 0; i < 13; ++i) g.mfcc[i] = val(7 + i);
      for (int i = 0; i < 12; ++i) g.chroma[i] = val(20 + i);
      f.genre = g;
    }
    if (sets & features::kTechniqueSet) {
      features::TechniqueFeatures t;
      t.dynamic_range = val(1);
      t.stereo_width = val(2);
      t.spectrum_variance = val(3);
      t.temporal_modulation = val(4);
      t.transient_strength = val(5);
      t.harmonic_ratio = val(6);
      f.technique = t;
    }
    if (sets & features::kAppTechniqueSet) {
      features::AppTechniqueFeatures t;
      t.dynamic_range = val(7);
      t.stereo_width = val(8);
      t.spectrum_variance = val(9);
      t.temporal_modulation = val(10);
      f.app_technique = t;
    }
    if (sets & features::kMixSet) {
      features::MixFeatures m;
      for (int i = 0; i < 1024; ++i) m.spectrum.push_back(static_cast<float>(val(i)));
      for (int i = 0; i < 6; ++i) m.band_balance[i] = val(i) / 100;
      m.dynamic_range_db = val(11);
      m.stereo_width = val(12) / 100;
      m.peak_level = val(13) / 100;
      m.rms_level = val(14) / 100;
      f.mix = m;
    }
    f.duration_s = 1.0;
    f.native_sr = 22050;
    f.channels = 1;
    return f;
  }

  features::FileFeatures operator()(const std::filesystem::path& p, unsigned sets) const {
    ++*calls;
    if (sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    if (p.filename().string().find("bad") != std::string::npos)
      throw FormatError(p, "stand-in extractor refuses this file");
    return make(data::hash_file(p), sets);
  }
};

}  // namespace echoelml::test
