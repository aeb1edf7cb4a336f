// The TechniqueRecognizer features exactly as the app computes them at inference
// (CoreMLIntegration.swift, app-contract §4), so a model trained on them sees the same numbers.
#include <algorithm>
#include <cmath>

#include "echoelml/core/error.h"
#include "echoelml/features/sets.h"

namespace echoelml::features {

AppTechniqueFeatures app_technique_features(const io::AudioBuffer& audio) {
  if (audio.channels == 0 || audio.frames == 0)
    throw ParameterError("app technique features: the buffer is empty");
  AppTechniqueFeatures f;
  auto x = audio.channel(0);
  const std::size_t n = x.size();
  auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  f.dynamic_range = static_cast<double>(*hi) - static_cast<double>(*lo);

  if (audio.channels >= 2) {
    // 1 - mean(L*R): not a correlation coefficient (L = R = unit sine gives 0.5).
    auto r = audio.channel(1);
    double acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc += static_cast<double>(x[i]) * r[i];
    f.stereo_width = 1.0 - acc / static_cast<double>(n);
  }

  // "spectrum_variance" in the app is the variance of the time-domain samples.
  if (n >= 1024) {
    double mean = 0;
    for (float v : x) mean += v;
    mean /= static_cast<double>(n);
    double var = 0;
    for (float v : x) var += (v - mean) * (v - mean);
    f.spectrum_variance = var / static_cast<double>(n);
  }

  // Lags of 0.1 s steps at 44.1 kHz sample counts (4410 ... 39690), each summed over at most
  // 4096 products, normalised by 4096.
  constexpr std::size_t kWindow = 4096;
  if (n >= kWindow) {
    double best = 0;
    for (std::size_t lag = 4410; lag <= 39690; lag += 4410) {
      if (lag >= n) break;
      const std::size_t len = std::min(n - lag, kWindow);
      double acc = 0;
      for (std::size_t i = 0; i < len; ++i) acc += static_cast<double>(x[i]) * x[i + lag];
      best = std::max(best, std::abs(acc));
    }
    f.temporal_modulation = best / static_cast<double>(kWindow);
  }
  return f;
}

std::array<float, 4> AppTechniqueFeatures::to_vector() const {
  return {static_cast<float>(dynamic_range), static_cast<float>(stereo_width.value_or(0.0)),
          static_cast<float>(spectrum_variance), static_cast<float>(temporal_modulation)};
}

const std::array<std::string_view, 4>& AppTechniqueFeatures::vector_names() {
  static const std::array<std::string_view, 4> kNames{"dynamic_range", "stereo_width",
                                                      "spectrum_variance", "temporal_modulation"};
  return kNames;
}

}  // namespace echoelml::features
