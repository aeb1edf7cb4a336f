// Feature sets as JSON objects and as flat named columns (CSV), with stable names.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "echoelml/features/sets.h"

namespace echoelml::features {

nlohmann::json to_json(const GenreFeatures& f);
nlohmann::json to_json(const TechniqueFeatures& f);
nlohmann::json to_json(const AppTechniqueFeatures& f);
nlohmann::json to_json(const MixFeatures& f);
/// {"duration_s", "native_sr", "channels", "genre"?, "technique"?, "technique_app"?, "mix"?}
nlohmann::json to_json(const FileFeatures& f);

/// One (column name, value) per number, e.g. ("genre.mfcc_3", -12.5); a missing optional value
/// is NaN (written as an empty CSV cell). Column names depend only on `sets`, so rows of
/// different files line up.
std::vector<std::pair<std::string, double>> flatten(const FileFeatures& f, unsigned sets);

}  // namespace echoelml::features
