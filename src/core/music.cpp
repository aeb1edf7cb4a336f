#include "echoelml/core/music.h"

#include <algorithm>
#include <cctype>

#include "echoelml/core/error.h"

namespace echoelml {
namespace {

struct GenreNames {
  std::string_view raw, swift_case;
};
constexpr std::array<GenreNames, kNumGenres> kGenreNames{{
    {"EDM/Electronic", "edm"},
    {"Jazz", "jazz"},
    {"Classical", "classical"},
    {"Hip-Hop/Trap", "hiphop"},
    {"Ambient/Soundscape", "ambient"},
    {"Rock/Alternative", "rock"},
    {"World Music", "world"},
    {"Experimental", "experimental"},
}};

struct TechniqueNames {
  std::string_view raw, swift_case;
  TechniqueCategory category;
};
constexpr std::array<TechniqueNames, kNumTechniques> kTechniqueNames{{
    {"Melodic Counterpoint", "melodicCounterpoint", TechniqueCategory::Composition},
    {"Harmonic Progression", "harmonicProgression", TechniqueCategory::Composition},
    {"Rhythmic Layering", "rhythmicLayering", TechniqueCategory::Composition},
    {"Tension & Release", "tensionRelease", TechniqueCategory::Composition},
    {"Motivic Development", "motivicDevelopment", TechniqueCategory::Composition},
    {"Buildup & Drop Structure", "buildupDropStructure", TechniqueCategory::Arrangement},
    {"Call & Response", "callAndResponse", TechniqueCategory::Arrangement},
    {"Texture Stacking", "textureStacking", TechniqueCategory::Arrangement},
    {"Orchestral Voicing", "orchestralVoicing", TechniqueCategory::Arrangement},
    {"Dynamic Contrast", "dynamicContrast", TechniqueCategory::Arrangement},
    {"Frequency Separation", "frequencySeparation", TechniqueCategory::Mixing},
    {"Side-Chain Compression", "sideChainCompression", TechniqueCategory::Mixing},
    {"Parallel Processing", "parallelProcessing", TechniqueCategory::Mixing},
    {"Stereo Widening", "stereoWidening", TechniqueCategory::Mixing},
    {"Depth with Reverb", "depthWithReverb", TechniqueCategory::Mixing},
    {"Creative Filtering", "creativeFiltering", TechniqueCategory::Effects},
    {"Rhythmic Delay", "rhythmicDelay", TechniqueCategory::Effects},
    {"Modulation Effects", "modulationEffects", TechniqueCategory::Effects},
    {"Saturation & Warmth", "saturationWarmth", TechniqueCategory::Effects},
    {"Spatial Processing", "spatialProcessing", TechniqueCategory::Effects},
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <typename Table>
std::string accepted_names(const Table& table) {
  std::string out;
  for (const auto& n : table) {
    if (!out.empty()) out += ", ";
    out += "'" + std::string(n.raw) + "' (" + std::string(n.swift_case) + ")";
  }
  return out;
}

}  // namespace

std::string_view raw_value(MusicGenre g) { return kGenreNames[static_cast<int>(g)].raw; }
std::string_view raw_value(ProductionTechnique t) { return kTechniqueNames[static_cast<int>(t)].raw; }
std::string_view case_name(MusicGenre g) { return kGenreNames[static_cast<int>(g)].swift_case; }
std::string_view case_name(ProductionTechnique t) {
  return kTechniqueNames[static_cast<int>(t)].swift_case;
}
TechniqueCategory category(ProductionTechnique t) {
  return kTechniqueNames[static_cast<int>(t)].category;
}
std::string_view raw_value(TechniqueCategory c) {
  constexpr std::array<std::string_view, 4> kNames{"Composition", "Arrangement", "Mixing", "Effects"};
  return kNames[static_cast<int>(c)];
}

const std::array<MusicGenre, kNumGenres>& all_genres() {
  static const std::array<MusicGenre, kNumGenres> kAll = [] {
    std::array<MusicGenre, kNumGenres> a{};
    for (int i = 0; i < kNumGenres; ++i) a[i] = static_cast<MusicGenre>(i);
    return a;
  }();
  return kAll;
}

const std::array<ProductionTechnique, kNumTechniques>& all_techniques() {
  static const std::array<ProductionTechnique, kNumTechniques> kAll = [] {
    std::array<ProductionTechnique, kNumTechniques> a{};
    for (int i = 0; i < kNumTechniques; ++i) a[i] = static_cast<ProductionTechnique>(i);
    return a;
  }();
  return kAll;
}

std::optional<MusicGenre> find_genre(std::string_view name) {
  for (int i = 0; i < kNumGenres; ++i)
    if (iequals(name, kGenreNames[i].raw) || iequals(name, kGenreNames[i].swift_case))
      return static_cast<MusicGenre>(i);
  return std::nullopt;
}

std::optional<ProductionTechnique> find_technique(std::string_view name) {
  for (int i = 0; i < kNumTechniques; ++i)
    if (iequals(name, kTechniqueNames[i].raw) || iequals(name, kTechniqueNames[i].swift_case))
      return static_cast<ProductionTechnique>(i);
  return std::nullopt;
}

MusicGenre parse_genre(std::string_view name) {
  if (auto g = find_genre(name)) return *g;
  throw ParameterError("genre '" + std::string(name) + "' is not one of " + accepted_names(kGenreNames));
}

ProductionTechnique parse_technique(std::string_view name) {
  if (auto t = find_technique(name)) return *t;
  throw ParameterError("technique '" + std::string(name) + "' is not one of " +
                       accepted_names(kTechniqueNames));
}

}  // namespace echoelml
