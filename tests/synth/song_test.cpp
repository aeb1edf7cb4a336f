// Rendered songs: the labels are true on short clips (FluidSynth + TimGM6mb).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "echoelml/core/error.h"
#include "echoelml/features/beat.h"
#include "echoelml/features/onset.h"
#include "echoelml/synth/effects.h"
#include "echoelml/synth/render.h"
#include "echoelml/synth/synth.h"
#include "synth/synth_test_util.h"

namespace echoelml::synth {
namespace {

using namespace test;
using T = ProductionTechnique;

// Songs whose bytes are compared use a fresh Renderer each (render.h: reuse is not byte-exact).
Renderer& renderer() {
  static Renderer r;
  return r;
}

SongPlan plan(MusicGenre g, double bpm, std::vector<T> techniques, std::uint64_t seed = 42) {
  SongPlan p;
  p.genre = g;
  p.bpm = bpm;
  p.key = 9;
  p.complexity = 0.5;
  p.clip_seconds = 5.0;
  p.techniques = std::move(techniques);
  p.seed = seed;
  return p;
}

const io::AudioBuffer& stem(const std::array<io::AudioBuffer, kNumStems>& s, Stem k) { return s[static_cast<std::size_t>(k)]; }

TEST(Renderer, RendersAudibleDeterministicStereo) {
  const auto p = plan(MusicGenre::Rock, 120, {});
  Renderer first;
  const Song a = make_song(p, first);
  Renderer other;  // a fresh synth gives the same bytes
  const Song b = make_song(p, other);
  EXPECT_EQ(a.mix.channels, 2u);
  EXPECT_EQ(a.mix.frames, 5u * 44100u);
  EXPECT_GT(rms(a.mix), 0.02);
  EXPECT_TRUE(a.mix.data == b.mix.data);
  for (int k = 0; k < kNumStems; ++k) EXPECT_GT(rms(a.dry[k]), 1e-4) << stem_name(static_cast<Stem>(k));
  Renderer third;
  const Song c = make_song(plan(MusicGenre::Rock, 120, {}, 43), third);
  EXPECT_TRUE(a.mix.data != c.mix.data);

}

TEST(Renderer, MissingSoundFontIsAnIoError) {
  EXPECT_THROW(Renderer("/nonexistent/x.sf2"), IoError);
}

TEST(SongLabels, SideChainPumpsThePadAtTheBeatPeriod) {
  const double bpm = 125;
  const Song s = make_song(plan(MusicGenre::Edm, bpm, {T::SideChainCompression}), renderer());
  const auto dry = mono_of(stem(s.dry, Stem::Harmony));
  const auto wet = mono_of(stem(s.stems, Stem::Harmony));
  const auto& kicks = s.arrangement.kick_beats;
  ASSERT_GE(kicks.size(), 8u);
  const double spb = 60.0 / bpm * 44100.0;
  int dips = 0, checked = 0;
  for (std::size_t k = 1; k + 1 < kicks.size(); ++k) {
    const auto t = static_cast<std::size_t>(kicks[k] * spb);
    const auto next = static_cast<std::size_t>(kicks[k + 1] * spb);
    // Gain (wet/dry energy) 5..50 ms after a kick vs. in the 60 ms before the next one.
    const double g_after = energy(wet, t + 220, t + 2205) / std::max(1e-12, energy(dry, t + 220, t + 2205));
    const double g_before = energy(wet, next - 2646, next) / std::max(1e-12, energy(dry, next - 2646, next));
    ++checked;
    dips += g_after < 0.5 * g_before;
  }
  EXPECT_GE(dips, checked - 1) << dips << " of " << checked;
  // Kicks are on every beat: the gain reduction repeats at the beat period.
  for (std::size_t k = 1; k < kicks.size(); ++k) EXPECT_NEAR(kicks[k] - kicks[k - 1], 1.0, 1e-9);
}

TEST(SongLabels, WideningLowersTheMixCorrelation) {
  const Song s = make_song(plan(MusicGenre::Ambient, 70, {}), renderer());
  auto stems_a = s.dry, stems_b = s.dry;
  std::mt19937_64 r1(1), r2(1);
  const auto plain = mix_stems(stems_a, s.arrangement, {}, r1);
  const auto wide = mix_stems(stems_b, s.arrangement, {T::StereoWidening}, r2);
  EXPECT_LT(lr_correlation(wide), lr_correlation(plain) - 0.1);
}

TEST(SongLabels, DrumGrooveTempoIsTheSongTempo) {
  for (auto [g, bpm] : {std::pair{MusicGenre::Rock, 120.0}, std::pair{MusicGenre::Edm, 128.0}, std::pair{MusicGenre::HipHop, 90.0}}) {
    auto p = plan(g, bpm, {});
    p.clip_seconds = 8.0;
    const Song s = make_song(p, renderer());
    io::AudioBuffer drums = s.dry[0];
    mix_into(drums, s.dry[1]);
    features::OnsetStrengthParams op;
    op.mel.mel.sr = 44100.0;
    op.aggregate = features::OnsetAggregate::Median;
    const auto env = features::onset_strength(mono_of(drums), op);
    features::BeatTrackParams bp;
    bp.tempo.sr = 44100.0;
    const auto bt = features::beat_track(env, bp);
    const double ratio = bt.tempo / bpm;
    const double octave = std::round(std::log2(ratio));
    EXPECT_NEAR(ratio / std::pow(2.0, octave), 1.0, 0.04) << case_name(g) << " tracked " << bt.tempo;
  }
}

TEST(SongLabels, ClippedSongMixReachesFullScale) {
  Song s = make_song(plan(MusicGenre::Rock, 140, {}), renderer());
  EXPECT_LT(peak_abs(s.mix), 0.9);
  apply_flaw(s.mix, MixFlaw::Clipping);
  EXPECT_FLOAT_EQ(static_cast<float>(peak_abs(s.mix)), 1.0f);
}

TEST(SongLabels, TooMuchLowEndAndTooQuietOnARealMix) {
  const Song s = make_song(plan(MusicGenre::HipHop, 90, {}), renderer());
  auto low = s.mix, quiet = s.mix;
  apply_flaw(low, MixFlaw::TooMuchLowEnd);
  apply_flaw(quiet, MixFlaw::TooQuiet);
  EXPECT_GT(low_band_share(mono_of(low), 250), low_band_share(mono_of(s.mix), 250) + 0.05);
  EXPECT_LT(rms(quiet), 0.2 * rms(s.mix));
}

// ---- note-level techniques -------------------------------------------------------------------

Arrangement arr(MusicGenre g, std::vector<T> ts, double beats = 32, std::uint64_t seed = 5) {
  std::mt19937_64 rng(seed);
  ArrangeParams p;
  p.genre = g;
  p.bpm = 110;
  p.beats = beats;
  p.techniques = std::move(ts);
  return arrange(p, rng);
}

std::set<int> channels(const Arrangement& a) {
  std::set<int> c;
  for (const auto& n : a.notes) c.insert(n.channel);
  return c;
}

TEST(Arrange, HarmonicProgressionChangesTheBassRoot) {
  auto roots = [](const Arrangement& a) {
    std::set<int> r;
    for (const auto& n : a.notes) if (n.channel == 0) r.insert(n.pitch % 12);
    return r.size();
  };
  EXPECT_EQ(roots(arr(MusicGenre::Rock, {})), 1u);  // static tonic without the technique
  EXPECT_GE(roots(arr(MusicGenre::Rock, {T::HarmonicProgression})), 3u);
}

TEST(Arrange, CallAndResponseAlternatesTwoInstruments) {
  const auto a = arr(MusicGenre::Jazz, {T::CallAndResponse});
  ASSERT_TRUE(channels(a).count(7));
  for (const auto& n : a.notes) {
    const double in = std::fmod(n.start_beats, 8.0);
    if (n.channel == 5) EXPECT_LT(in, 4.0 + 1e-6);             // calls in the first bar of each pair
    if (n.channel == 7) EXPECT_GE(in, 4.0 - 1e-6);             // answers in the second
  }
}

TEST(Arrange, CounterpointMovesAgainstTheLead) {
  const auto a = arr(MusicGenre::Classical, {T::MelodicCounterpoint}, 32, 9);
  auto pitch_at = [&](int ch, double t) {
    int p = -1;
    for (const auto& n : a.notes) if (n.channel == ch && n.start_beats <= t + 1e-9) p = n.pitch;
    return p;
  };
  int contrary = 0, moves = 0;
  for (const auto& n : a.notes) {
    if (n.channel != 6 || n.start_beats == 0) continue;
    const double t = n.start_beats;
    const int dl = pitch_at(5, t) - pitch_at(5, t - 1e-3), dc = pitch_at(6, t) - pitch_at(6, t - 1e-3);
    if (dl != 0 && dc != 0) { ++moves; contrary += (dl > 0) != (dc > 0); }
  }
  ASSERT_GT(moves, 3);
  EXPECT_GT(double(contrary) / moves, 0.6);
}

TEST(Arrange, OrchestralVoicingSpreadsOverSections) {
  const auto a = arr(MusicGenre::Classical, {T::OrchestralVoicing});
  std::set<int> programs;
  int lo = 127, hi = 0;
  for (const auto& n : a.notes)
    if (stem_of(n) == Stem::Harmony) { programs.insert(n.program); lo = std::min(lo, n.pitch); hi = std::max(hi, n.pitch); }
  EXPECT_GE(programs.size(), 4u);
  EXPECT_GE(hi - lo, 24);
}

TEST(Arrange, TextureStackingAddsLayersOverTime) {
  const auto a = arr(MusicGenre::Ambient, {T::TextureStacking});
  auto active = [&](double t) {
    std::set<int> ch;
    for (const auto& n : a.notes)
      if (stem_of(n) == Stem::Harmony && n.start_beats <= t && n.start_beats + n.duration_beats > t) ch.insert(n.channel);
    return ch.size();
  };
  EXPECT_EQ(active(1.0), 1u);
  EXPECT_GE(active(30.5), 4u);
}

TEST(Arrange, BuildupDropHasNoKickBeforeTheDrop) {
  const auto a = arr(MusicGenre::Edm, {T::BuildupDropStructure});
  ASSERT_GT(a.drop_beat, 0);
  ASSERT_FALSE(a.kick_beats.empty());
  EXPECT_GE(a.kick_beats.front(), a.drop_beat);
  double mean_before = 0, mean_after = 0;
  int nb = 0, na = 0;
  for (const auto& n : a.notes)
    if (n.start_beats < a.drop_beat) { mean_before += n.velocity; ++nb; } else { mean_after += n.velocity; ++na; }
  EXPECT_LT(mean_before / nb, mean_after / na);
}

TEST(Arrange, DynamicContrastWidensTheVelocityRange) {
  auto spread = [](const Arrangement& a) {
    int lo = 127, hi = 0;
    for (const auto& n : a.notes) if (n.channel == 1) { lo = std::min(lo, n.velocity); hi = std::max(hi, n.velocity); }
    return hi - lo;
  };
  EXPECT_LT(spread(arr(MusicGenre::Classical, {})), 20);
  EXPECT_GT(spread(arr(MusicGenre::Classical, {T::DynamicContrast})), 40);
}

TEST(Arrange, RhythmicLayeringAddsPercussionLayers) {
  auto voices = [](const Arrangement& a) {
    std::set<int> v;
    for (const auto& n : a.notes) if (n.channel == 9) v.insert(n.pitch);
    return v.size();
  };
  EXPECT_GE(voices(arr(MusicGenre::Rock, {T::RhythmicLayering})), voices(arr(MusicGenre::Rock, {})) + 3);
}

TEST(Arrange, TensionReleaseEndsWithADominantToTonicCadence) {
  const auto a = arr(MusicGenre::Classical, {T::TensionRelease}, 16);
  // Bass of the second-to-last span is the dominant (7 semitones over the tonic C), the last the tonic.
  int dom = -1, fin = -1;
  for (const auto& n : a.notes) {
    if (n.channel != 0) continue;
    if (n.start_beats >= 8 && n.start_beats < 12 && dom < 0) dom = n.pitch % 12;
    if (n.start_beats >= 12 && fin < 0) fin = n.pitch % 12;
  }
  EXPECT_EQ(dom, 7);
  EXPECT_EQ(fin, 0);
}

TEST(Arrange, MotivicDevelopmentRepeatsTheMotifRhythm) {
  const auto a = arr(MusicGenre::HipHop, {T::MotivicDevelopment}, 16, 3);
  std::vector<double> unit0, unit1;
  for (const auto& n : a.notes) {
    if (n.channel != 5) continue;
    if (n.start_beats < 4) unit0.push_back(std::round(n.start_beats * 12));
    else if (n.start_beats < 8) unit1.push_back(std::round((n.start_beats - 4) * 12));
  }
  ASSERT_GE(unit0.size(), 2u);
  // Swing may shift off-beat 16ths by the same amount in every unit: the rhythm repeats.
  EXPECT_EQ(unit0, unit1);
}

TEST(Arrange, InvalidParametersThrow) {
  std::mt19937_64 rng(1);
  ArrangeParams p;
  p.bpm = 0;
  EXPECT_THROW(arrange(p, rng), ParameterError);
  p.bpm = 120;
  p.key = 12;
  EXPECT_THROW(arrange(p, rng), ParameterError);
  p.key = 0;
  p.complexity = 1.5;
  EXPECT_THROW(arrange(p, rng), ParameterError);
}

}  // namespace
}  // namespace echoelml::synth
