// Private tables of the arrangement: scales and per-genre drum grooves (styles.cpp).
#pragma once

#include <string_view>
#include <vector>

#include "echoelml/core/music.h"

namespace echoelml::synth {

/// Semitone offsets of scale `index` (see GenreStyle::scale).
const std::vector<int>& scale_steps(int index);

/// One drum voice of a one-bar groove on a 16-step grid. Step characters: 'x' accent,
/// 'o' normal, 'g' ghost (played with probability = complexity), '.' rest.
struct DrumLine {
  int pitch;
  std::string_view steps;
};
/// The genre's basic groove (empty for genres without a kit: Classical, Ambient, and
/// Experimental, whose grooves are random Euclidean rhythms built in arrange.cpp).
const std::vector<DrumLine>& genre_groove(MusicGenre g);

// GM drum keys used by the generator.
inline constexpr int kKick = 36, kKick2 = 35, kSnare = 38, kClap = 39, kClosedHat = 42, kCrash = 49,
                     kShaker = 70, kTambourine = 54, kWoodBlock = 76, kCowbell = 56, kTriangle = 81;

}  // namespace echoelml::synth
