// Genre parameters, scales and grooves. The numbers are ordinary textbook genre conventions
// (tempo ranges, four-on-the-floor, backbeat, swung ride, son clave ...), see docs/synth.md.
#include "synth/styles.h"

#include <array>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/synth/arrange.h"

namespace echoelml::synth {

const std::vector<int>& scale_steps(int index) {
  static const std::array<std::vector<int>, 5> kScales = {{
      {0, 2, 4, 5, 7, 9, 11},  // major
      {0, 2, 3, 5, 7, 8, 10},  // natural minor
      {0, 2, 3, 5, 7, 9, 10},  // dorian
      {0, 1, 4, 5, 7, 8, 10},  // phrygian dominant
      {0, 2, 4, 6, 8, 10},     // whole tone
  }};
  if (index < 0 || index >= static_cast<int>(kScales.size()))
    throw ParameterError("scale index " + std::to_string(index) + " out of range");
  return kScales[index];
}

const GenreStyle& genre_style(MusicGenre g) {
  // genre, bpm range, swing, swing 8ths, scale, progression, sevenths, kit,
  // programs: bass, harmony, lead, response, counter; lead octave.
  static const std::array<GenreStyle, kNumGenres> kStyles = {{
      {MusicGenre::Edm, 120, 132, 0.0, false, 1, {0, 5, 2, 6}, false, true, 38, 90, 81, 80, 87, 5},
      {MusicGenre::Jazz, 90, 150, 0.9, true, 0, {1, 4, 0, 5}, true, true, 32, 0, 65, 56, 71, 5},
      {MusicGenre::Classical, 60, 100, 0.0, false, 0, {0, 3, 4, 0}, false, false, 42, 48, 40, 73, 42, 5},
      {MusicGenre::HipHop, 80, 100, 0.45, false, 1, {0, 5, 3, 4}, true, true, 38, 4, 73, 11, 5, 5},
      {MusicGenre::Ambient, 55, 80, 0.0, false, 2, {0, 3}, true, false, 89, 88, 98, 92, 94, 5},
      {MusicGenre::Rock, 100, 150, 0.0, false, 0, {0, 4, 5, 3}, false, true, 34, 30, 29, 27, 26, 5},
      {MusicGenre::World, 90, 120, 0.2, false, 3, {0, 1, 0, 6}, false, true, 35, 107, 75, 104, 77, 5},
      {MusicGenre::Experimental, 70, 170, 0.0, false, 4, {0, 3, 1, 4}, false, true, 39, 99, 102, 103, 96, 5},
  }};
  return kStyles.at(static_cast<std::size_t>(g));
}

const std::vector<DrumLine>& genre_groove(MusicGenre g) {
  static const std::vector<DrumLine> kNone;
  static const std::vector<DrumLine> kEdm = {
      {kKick, "x...x...x...x..."}, {kClap, "....x.......x..."}, {kClosedHat, "g.o.g.o.g.o.g.o."}};
  static const std::vector<DrumLine> kJazz = {  // ride, pedal hat on 2 and 4, feathered kick
      {51, "x...x.o.x...x.o."}, {44, "....o.......o..."}, {kKick, "g...g...g...g..."}, {kSnare, "......g.....g..g"}};
  static const std::vector<DrumLine> kHipHop = {
      {kKick, "x......o..x....."}, {kSnare, "....x.......x..."}, {kClosedHat, "xoooxoooxoooxogg"}};
  static const std::vector<DrumLine> kRock = {
      {kKick, "x.......x.x....."}, {kSnare, "....x.......x..."}, {kClosedHat, "x.o.x.o.x.o.x.o."}};
  static const std::vector<DrumLine> kWorld = {  // congas, 3-2 son clave folded into one bar, shaker
      {64, "x.....x...x....."}, {63, "...o....o.....o."}, {62, "..g.g.....g.g..."},
      {75, "x..x..x...x.x..."}, {kShaker, "gogogogogogogogo"}};
  switch (g) {
    case MusicGenre::Edm: return kEdm;
    case MusicGenre::Jazz: return kJazz;
    case MusicGenre::HipHop: return kHipHop;
    case MusicGenre::Rock: return kRock;
    case MusicGenre::World: return kWorld;
    default: return kNone;
  }
}

std::string_view stem_name(Stem s) {
  static constexpr std::array<std::string_view, kNumStems> kNames = {"kick", "drums", "bass", "harmony", "lead"};
  return kNames.at(static_cast<std::size_t>(s));
}

Stem stem_of(const midi::Note& n) {
  if (n.channel == kDrumChannel) return (n.pitch == kKick || n.pitch == kKick2) ? Stem::Kick : Stem::Drums;
  if (n.channel == 0) return Stem::Bass;
  if ((n.channel >= 1 && n.channel <= 4) || (n.channel >= 10 && n.channel <= 12)) return Stem::Harmony;
  return Stem::Lead;
}

bool is_note_level(ProductionTechnique t) {
  const auto c = category(t);
  return c == TechniqueCategory::Composition || c == TechniqueCategory::Arrangement;
}

}  // namespace echoelml::synth
