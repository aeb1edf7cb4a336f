// Kept in its own translation unit: only programs that run the real feature pipeline link
// features::compute_file_features through it (tests inject a stand-in extractor).
#include "echoelml/data/extract.h"

namespace echoelml::data {

FileExtractor default_extractor() {
  return [](const std::filesystem::path& path, unsigned sets) {
    return features::compute_file_features(path, sets);
  };
}

ExtractSummary extract_features(const DatasetIndex& index, const std::filesystem::path& store,
                                const ExtractParams& params) {
  return extract_features(index, store, params, default_extractor());
}

}  // namespace echoelml::data
