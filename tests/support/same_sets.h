// Exact equality of the app technique and mix sets, field by field (for the tests that check
// that streamed, shared and separate computations give the same numbers). Header-only: used by
// test binaries that link echoelml_features.
#pragma once

#include <gtest/gtest.h>

#include "echoelml/features/sets.h"

namespace echoelml::test {

inline void expect_same(const features::AppTechniqueFeatures& a, const features::AppTechniqueFeatures& b) {
  EXPECT_EQ(a.dynamic_range, b.dynamic_range);
  EXPECT_EQ(a.stereo_width, b.stereo_width);
  EXPECT_EQ(a.spectrum_variance, b.spectrum_variance);
  EXPECT_EQ(a.temporal_modulation, b.temporal_modulation);
}

inline void expect_same(const features::MixFeatures& a, const features::MixFeatures& b) {
  EXPECT_EQ(a.spectrum, b.spectrum);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(a.band_balance[k], b.band_balance[k]) << k;
  EXPECT_EQ(a.dynamic_range_db, b.dynamic_range_db);
  EXPECT_EQ(a.stereo_width, b.stereo_width);
  EXPECT_EQ(a.peak_level, b.peak_level);
  EXPECT_EQ(a.rms_level, b.rms_level);
  EXPECT_EQ(a.loudness_lufs, b.loudness_lufs);
  EXPECT_EQ(a.loudness_range_lu, b.loudness_range_lu);
  EXPECT_EQ(a.true_peak_dbtp, b.true_peak_dbtp);
}

}  // namespace echoelml::test
