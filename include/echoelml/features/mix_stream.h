// The app technique set and the mix set of a 44.1 kHz signal fed in chunks while it is decoded,
// so `analyze` never holds the whole song (see docs/analysis.md).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include "echoelml/features/sets.h"

namespace echoelml::features {

/// Accumulates app_technique_features and mix_features (including its EBU R128 values) over
/// interleaved 44.1 kHz frames given in chunks of any size. finish() equals
/// app_and_mix_features() of the whole buffer exactly: both cut the signal into the same
/// blocks counted from its first frame and run the same accumulators. Memory: O(1) in the
/// signal length (a few MB). Not thread-safe; one object per stream.
class MixStream {
 public:
  /// Throws ParameterError for 0 channels.
  explicit MixStream(std::size_t channels);
  ~MixStream();
  MixStream(MixStream&&) noexcept;
  MixStream& operator=(MixStream&&) noexcept;

  /// The next `frames` frames, frame i channel c at x[i * channels + c].
  void add_interleaved(const float* x, std::size_t frames);
  std::size_t frames() const;  ///< frames added so far
  /// The two sets of everything added. Throws ParameterError when nothing was. Call once.
  std::pair<AppTechniqueFeatures, MixFeatures> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace echoelml::features
