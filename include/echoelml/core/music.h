// The app's vocabularies (../shared/docs/app-contract.md §1): MusicGenre and ProductionTechnique,
// with their exact raw values, Swift case names and enum order (= one-hot index).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace echoelml {

enum class MusicGenre { Edm, Jazz, Classical, HipHop, Ambient, Rock, World, Experimental };
inline constexpr int kNumGenres = 8;

enum class TechniqueCategory { Composition, Arrangement, Mixing, Effects };

enum class ProductionTechnique {
  MelodicCounterpoint, HarmonicProgression, RhythmicLayering, TensionRelease, MotivicDevelopment,
  BuildupDropStructure, CallAndResponse, TextureStacking, OrchestralVoicing, DynamicContrast,
  FrequencySeparation, SideChainCompression, ParallelProcessing, StereoWidening, DepthWithReverb,
  CreativeFiltering, RhythmicDelay, ModulationEffects, SaturationWarmth, SpatialProcessing
};
inline constexpr int kNumTechniques = 20;

/// Raw value as the app's Swift enum spells it, e.g. "Hip-Hop/Trap".
std::string_view raw_value(MusicGenre g);
std::string_view raw_value(ProductionTechnique t);
/// Swift case name, e.g. "hiphop", "sideChainCompression".
std::string_view case_name(MusicGenre g);
std::string_view case_name(ProductionTechnique t);
TechniqueCategory category(ProductionTechnique t);
std::string_view raw_value(TechniqueCategory c);

const std::array<MusicGenre, kNumGenres>& all_genres();
const std::array<ProductionTechnique, kNumTechniques>& all_techniques();

/// Accepts the raw value or the case name, case-insensitively; nullopt if neither matches.
std::optional<MusicGenre> find_genre(std::string_view name);
std::optional<ProductionTechnique> find_technique(std::string_view name);
/// As find_*, but throws ParameterError listing the accepted names.
MusicGenre parse_genre(std::string_view name);
ProductionTechnique parse_technique(std::string_view name);

}  // namespace echoelml
