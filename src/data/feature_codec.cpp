// Feature structs -> stored vector + JSON (FeatureRecord); the JSON is features/serialize.h's.
#include <cmath>

#include <nlohmann/json.hpp>

#include "echoelml/data/feature_store.h"
#include "echoelml/features/serialize.h"

namespace echoelml::data {
namespace {

using nlohmann::json;
using features::to_json;

template <std::size_t N>
std::vector<float> vec(const std::array<float, N>& a) {
  return std::vector<float>(a.begin(), a.end());
}

std::vector<float> mix_vector(const features::MixFeatures& m) {
  std::vector<float> v(m.spectrum.begin(), m.spectrum.end());
  for (double b : m.band_balance) v.push_back(static_cast<float>(b));
  for (double x : {m.dynamic_range_db, m.stereo_width, m.peak_level, m.rms_level})
    v.push_back(static_cast<float>(x));
  return v;
}

}  // namespace

FeatureRecord encode_features(const features::FileFeatures& f, FeatureKind kind,
                              std::uint64_t hash, std::string source) {
  FeatureRecord r;
  r.hash = hash;
  r.kind = kind;
  r.source = std::move(source);
  json j;
  bool present = false;
  switch (kind) {
    case FeatureKind::Genre:
      if ((present = f.genre.has_value())) { r.vector = vec(f.genre->to_vector()); j = to_json(*f.genre); }
      break;
    case FeatureKind::Technique:
      if ((present = f.technique.has_value())) { r.vector = vec(f.technique->to_vector()); j = to_json(*f.technique); }
      break;
    case FeatureKind::AppTechnique:
      if ((present = f.app_technique.has_value())) { r.vector = vec(f.app_technique->to_vector()); j = to_json(*f.app_technique); }
      break;
    case FeatureKind::Mix:
      if ((present = f.mix.has_value())) { r.vector = mix_vector(*f.mix); j = to_json(*f.mix); }
      break;
  }
  if (!present) {
    r.error = "the extractor returned no " + std::string(feature_kind_key(kind)) + " features";
    return r;
  }
  std::size_t expected = vector_names(kind).size();
  if (r.vector.size() != expected) {
    r.error = "the " + std::string(feature_kind_key(kind)) + " vector has " +
              std::to_string(r.vector.size()) + " values, expected " + std::to_string(expected);
    r.vector.clear();
    return r;
  }
  for (std::size_t i = 0; i < r.vector.size(); ++i)
    if (!std::isfinite(r.vector[i])) {
      r.error = "non-finite value in " + vector_names(kind)[i];
      r.vector.clear();
      return r;
    }
  j["duration_s"] = f.duration_s;
  j["native_sr"] = f.native_sr;
  j["channels"] = f.channels;
  r.json = j.dump();
  r.ok = true;
  return r;
}

}  // namespace echoelml::data
